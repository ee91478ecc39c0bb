"""Probing uploads: a report (ffprobe's JSON shape) to a ProbeResult, the reason codes, and both backends — the
ffprobe CLI and PyAV — on the same generated files, local and over HTTP, giving the same results."""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from chalicelib.integrations import probe as probe_module
from chalicelib.integrations.probe import (
    ProbeRejected,
    ProbeResult,
    backend,
    check_size,
    parse,
    probe,
    redact,
    run_ffprobe,
    run_pyav,
    validate,
)
from tests.support.clips import make_clip


def report(*streams, duration="12.5", format_name="mov,mp4,m4a,3gp,3g2,mj2"):
    return {"format": {"format_name": format_name, **({"duration": duration} if duration else {})},
            "streams": list(streams)}


VIDEO = {"codec_type": "video", "codec_name": "h264", "width": 1920, "height": 1080, "avg_frame_rate": "30000/1001",
         "r_frame_rate": "30000/1001", "sample_aspect_ratio": "1:1"}
AUDIO = {"codec_type": "audio", "codec_name": "aac"}


def test_a_normal_video():
    result = parse(report(VIDEO, AUDIO))
    assert result == ProbeResult(duration_ms=12500, width=1920, height=1080, video_codec="h264", audio_codec="aac",
                                 frame_rate=29.97, format_name="mov,mp4,m4a,3gp,3g2,mj2")
    assert result.has_audio and ProbeResult.from_dict({**result.to_dict(), "size_bytes": 9}) == result


def test_rotation_and_non_square_pixels_give_the_displayed_size():
    phone = {**VIDEO, "side_data_list": [{"side_data_type": "Display Matrix", "rotation": -90}]}
    assert (parse(report(phone)).width, parse(report(phone)).height) == (1080, 1920)
    old_tag = {**VIDEO, "tags": {"rotate": "270"}}
    assert (parse(report(old_tag)).width, parse(report(old_tag)).height) == (1080, 1920)
    anamorphic = {**VIDEO, "width": 720, "height": 576, "sample_aspect_ratio": "64:45"}
    assert (parse(report(anamorphic)).width, parse(report(anamorphic)).height) == (1024, 576)


def test_silent_video_and_stream_duration_fallback():
    result = parse(report({**VIDEO, "duration": "3.2"}, duration=None))
    assert result.audio_codec is None and not result.has_audio and result.duration_ms == 3200


@pytest.mark.parametrize("bad,code", [
    (report(AUDIO), "no_video_stream"),
    (report({**VIDEO, "disposition": {"attached_pic": 1}}, AUDIO), "no_video_stream"),  # cover art of an mp3
    (report({**VIDEO, "codec_name": "png"}, format_name="png_pipe"), "not_video"),
    (report(VIDEO, format_name="image2"), "not_video"),
    (report(VIDEO, duration=None), "not_video"),
    (report({**VIDEO, "width": 0, "height": 0}), "not_video"),
    ({}, "not_video"),
])
def test_rejections_carry_reason_codes(bad, code):
    with pytest.raises(ProbeRejected) as caught:
        parse(bad)
    assert caught.value.code == code and caught.value.message


def test_duration_and_size_limits():
    result = parse(report(VIDEO, duration="0.4"))
    with pytest.raises(ProbeRejected) as short:
        validate(result, min_seconds=1, max_seconds=60)
    assert short.value.code == "too_short"
    with pytest.raises(ProbeRejected) as long:
        validate(parse(report(VIDEO, duration="61")), min_seconds=1, max_seconds=60)
    assert long.value.code == "too_long"
    assert validate(parse(report(VIDEO, duration="60")), min_seconds=1, max_seconds=60).duration_ms == 60_000
    check_size(100, 100)
    with pytest.raises(ProbeRejected) as large:
        check_size(101, 100)
    assert large.value.code == "too_large"


def test_redact_removes_signed_urls():
    text = "https://b.s3.amazonaws.com/k?X-Amz-Security-Token=SECRET&X-Amz-Signature=abc: Server returned 403"
    assert "SECRET" not in redact(text) and "Server returned 403" in redact(text)


# --- both backends, for real ---------------------------------------------------------------------------------


@pytest.fixture(params=["ffprobe", "pyav"])
def using(request) -> str:
    return request.param  # make installs both (Debian ffmpeg, PyPI av): a missing one fails, never skips


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args], check=True, timeout=120)


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """name → path: videos the pipeline takes, and files it must refuse."""
    folder = tmp_path_factory.mktemp("clips")
    made = {"mp4": make_clip(folder / "a.mp4", width=320, height=180, seconds=2),
            "phone": make_clip(folder / "phone.mp4", width=320, height=180, seconds=2, audio=False, rotate=90),
            "short": make_clip(folder / "short.mp4", seconds=0.4)}
    made["mkv"] = folder / "a.mkv"
    ffmpeg("-i", str(made["mp4"]), "-c", "copy", str(made["mkv"]))
    made["anamorphic"] = folder / "pal.mp4"  # 360x288 stored, 64:45 pixels: shown 512x288
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=360x288:rate=25", "-t", "1", "-vf", "setsar=64/45",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(made["anamorphic"]))
    made["image"] = folder / "still.mp4"  # a PNG, whatever its name says
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x64", "-frames:v", "1", "-f", "image2", str(made["image"]))
    made["audio"] = folder / "talk.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine", "-t", "2", str(made["audio"]))
    made["cover"] = folder / "song.m4a"  # audio with cover art: a "video" stream that is a single picture
    ffmpeg("-i", str(made["audio"]), "-i", str(made["image"]), "-map", "0", "-map", "1", "-c", "copy",
           "-disposition:v:0", "attached_pic", str(made["cover"]))
    made["junk"] = folder / "junk.mp4"
    made["junk"].write_bytes(bytes(range(256)) * 64)
    # A playlist could make FFmpeg fetch other files or URLs: its demuxer is not on the allow-list.
    secret = folder / "secret.ts"
    ffmpeg("-i", str(made["mp4"]), "-c", "copy", "-f", "mpegts", str(secret))
    made["playlist"] = folder / "upload.m3u8"
    made["playlist"].write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile://{secret}\n#EXT-X-ENDLIST\n")
    return made


def taken(source: str, using: str) -> ProbeResult:
    return probe(source, min_seconds=1, max_seconds=60, using=using)


def test_backends_read_generated_clips(clips, using):
    result = taken(str(clips["mp4"]), using)
    assert (result.width, result.height, result.video_codec, result.audio_codec) == (320, 180, "h264", "aac")
    assert 1900 <= result.duration_ms <= 2100 and result.frame_rate == 25
    assert result.format_name == "mov,mp4,m4a,3gp,3g2,mj2"
    phone = taken(str(clips["phone"]), using)  # stored 320x180, rotation metadata: shown upright
    assert (phone.width, phone.height, phone.audio_codec) == (180, 320, None)
    anamorphic = taken(str(clips["anamorphic"]), using)
    assert (anamorphic.width, anamorphic.height) == (512, 288)
    mkv = taken(str(clips["mkv"]), using)
    assert (mkv.format_name, mkv.width, mkv.video_codec, mkv.audio_codec) == ("matroska,webm", 320, "h264", "aac")


def test_both_backends_give_the_same_result(clips):
    for name in ("mp4", "phone", "anamorphic", "mkv"):
        assert parse(run_pyav(str(clips[name]))) == parse(run_ffprobe(str(clips[name]))), name


@pytest.mark.parametrize("name,code", [
    ("junk", "not_video"), ("playlist", "not_video"), ("image", "not_video"), ("audio", "no_video_stream"),
    ("cover", "no_video_stream"), ("short", "too_short"),
])
def test_backends_refuse_what_is_not_a_video_we_take(clips, using, name, code):
    with pytest.raises(ProbeRejected) as caught:
        taken(str(clips[name]), using)
    assert caught.value.code == code and caught.value.message


class Uploads(BaseHTTPRequestHandler):
    """Serves `files` like S3 serves a presigned GET: byte ranges; 403 for anything else."""

    files: dict[str, bytes] = {}

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = self.files.get(self.path.split("?")[0])
        if body is None:
            self.send_error(403)
            return
        first, last, status = 0, len(body) - 1, 200
        if self.headers.get("Range", "").startswith("bytes="):
            start, _, end = self.headers["Range"][6:].partition("-")
            first, last, status = int(start), min(int(end or last), last), 206
        self.send_response(status)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(last - first + 1))
        if status == 206:
            self.send_header("Content-Range", f"bytes {first}-{last}/{len(body)}")
        self.end_headers()
        self.wfile.write(body[first:last + 1])

    def log_message(self, *args) -> None:
        pass


def self_signed(folder) -> ssl.SSLContext:
    """A TLS server context with a throwaway certificate (FFmpeg, like ffprobe's default, does not verify it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(hours=1)).sign(key, hashes.SHA256()))
    pem = folder / "server.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pem)
    return context


@pytest.fixture(params=["http", "https"])  # presigned S3 URLs are https: PyAV's wheel brings its own TLS (GnuTLS)
def http_uploads(request, clips, tmp_path):
    Uploads.files = {"/uploads/a/source": clips["mp4"].read_bytes(), "/uploads/p/source": clips["phone"].read_bytes()}
    server = ThreadingHTTPServer(("127.0.0.1", 0), Uploads)
    if request.param == "https":
        server.socket = self_signed(tmp_path).wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"{request.param}://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_url_reads_as_the_file_does(http_uploads, clips, using):
    signed = "?X-Amz-Security-Token=SECRET&X-Amz-Signature=abc"
    assert taken(f"{http_uploads}/uploads/a/source{signed}", using) == taken(str(clips["mp4"]), using)
    assert taken(f"{http_uploads}/uploads/p/source{signed}", using) == taken(str(clips["phone"]), using)
    with pytest.raises(ConnectionError):  # 403: an expired signature is no verdict on the file
        taken(f"{http_uploads}/uploads/gone/source{signed}", using)


def test_a_fetch_error_is_transient_not_a_verdict(using):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again below: nothing listens there
    with pytest.raises(ConnectionError):
        taken(f"http://127.0.0.1:{port}/uploads/x/source?X-Amz-Signature=abc", using)


def test_a_server_that_never_answers_times_out(using):
    with socket.socket() as sock:  # listening, so the connection opens, but never accepting: no answer comes
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        with pytest.raises(TimeoutError):
            backend(using)(f"http://127.0.0.1:{sock.getsockname()[1]}/uploads/x/source", 1)


def test_the_backend_is_chosen_by_setting_else_by_what_is_installed(monkeypatch):
    monkeypatch.delenv("VIDEO_PROBE", raising=False)
    monkeypatch.delenv("FFPROBE_BINARY", raising=False)
    monkeypatch.setattr(probe_module.shutil, "which", lambda name: None)  # Lambda: no ffprobe
    assert backend() is run_pyav
    monkeypatch.setenv("FFPROBE_BINARY", "/opt/bin/ffprobe")
    assert backend() is run_ffprobe
    monkeypatch.setenv("VIDEO_PROBE", "pyav")
    assert backend() is run_pyav and backend("ffprobe") is run_ffprobe
    monkeypatch.setenv("VIDEO_PROBE", "mediainfo")
    with pytest.raises(ValueError, match="VIDEO_PROBE"):
        backend()


def test_pyav_is_imported_only_when_probing_with_it():
    code = "import sys, chalicelib.integrations.probe as p; p.backend('pyav'); print('av' in sys.modules)"
    imported = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert imported.stdout.strip() == "False"
