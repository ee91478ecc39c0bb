"""What an uploaded file really is: duration, display size, codecs — and whether we take it.

Two backends read the file into one report, in the shape of ffprobe's `-show_format -show_streams` JSON:
`ffprobe` (the CLI; local runs use Debian's) and `pyav` (PyAV: FFmpeg's libraries in a wheel, no binary; what Lambda
uses, from the media-tools layer). `VIDEO_PROBE` picks one; by default ffprobe when there is one, else PyAV. `parse`
turns either report into the one ProbeResult, and it and `validate` are the one judgement.

Rejections carry reason codes that become the asset's `error_code` (the state machine's non-retried error names):
`not_video` (unreadable, an image, a playlist, an unknown duration), `no_video_stream` (audio only),
`too_short` / `too_long` (settings.video_min_seconds / video_max_seconds), `too_large` (settings.video_max_bytes).
A fetch that fails is not a verdict: ConnectionError / TimeoutError, which the worker reports as transient.

Untrusted input: both backends open it with the same OPEN_OPTIONS — an allow-list of container demuxers (no HLS or
concat playlists that could make FFmpeg read other files or URLs), of protocols, a timeout for network reads — under
an overall timeout, and FFmpeg's messages are never passed on (they contain the URL).
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from chalicelib.observability import logger

if TYPE_CHECKING:
    from av.container import InputContainer
    from av.stream import Stream

# Containers of the upload types we accept (mp4/mov, webm/mkv, avi, MPEG-PS/TS); FFmpeg refuses anything else.
FORMAT_ALLOW_LIST = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpeg,mpegts"
PROTOCOL_ALLOW_LIST = "file,http,https,tcp,tls,crypto"
PROBE_TIMEOUT_SECONDS = 120
READ_TIMEOUT_SECONDS = 30  # a server that sends nothing for this long is a fetch error
# libavformat's options for opening an upload, the same for both backends.
OPEN_OPTIONS = {"format_whitelist": FORMAT_ALLOW_LIST, "protocol_whitelist": PROTOCOL_ALLOW_LIST,
                "rw_timeout": str(READ_TIMEOUT_SECONDS * 1_000_000)}
FIRST_FRAME_PACKETS = 100  # PyAV: packets read to find the first decodable picture (it carries the rotation)
UNREADABLE = "the file is not a video we can read"
# FFmpeg's words (ffprobe) and error numbers (PyAV) for "could not fetch" (not "fetched, and it is not a video").
FETCH_ERRORS = ("Server returned", "Connection refused", "Connection reset", "timed out", "Failed to resolve",
                "Network is unreachable", "HTTP error")
FETCH_ERRNOS = (errno.EIO, errno.ENETDOWN, errno.ENETUNREACH, errno.EHOSTUNREACH)  # EIO: a host that does not resolve
_URL = re.compile(r"https?://\S+")


class ProbeRejected(Exception):  # noqa: N818 - a verdict on the file, with its reason code
    """The file is not a video we accept; `code` is the reason code, `message` says why in words."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ProbeResult:
    duration_ms: int
    width: int  # as displayed: rotation and non-square pixels applied
    height: int
    video_codec: str
    audio_codec: str | None
    frame_rate: float
    format_name: str

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProbeResult:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


def redact(text: str) -> str:
    """`text` without URLs (a presigned URL carries a credential and a session token)."""
    return _URL.sub("<url>", text)


def _find(name: str) -> str | None:
    return os.environ.get(f"{name.upper()}_BINARY") or shutil.which(name)


def binary(name: str) -> str:
    """`FFPROBE_BINARY` / `FFMPEG_BINARY` if set, else the one on PATH."""
    found = _find(name)
    if not found:
        raise FileNotFoundError(f"{name} not found: install it or set {name.upper()}_BINARY")
    return found


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and number > 0 else None  # not NaN, positive


def _rate(value: Any) -> float | None:
    try:
        rate = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        return None
    return float(rate) if rate > 0 else None


def _rotation(stream: dict[str, Any]) -> int:
    for side_data in stream.get("side_data_list") or []:
        if "rotation" in side_data:
            return int(float(side_data["rotation"])) % 360
    return int(float((stream.get("tags") or {}).get("rotate", 0))) % 360


def display_size(stream: dict[str, Any]) -> tuple[int, int]:
    """The picture as players show it: sample aspect ratio applied to the width, 90/270° rotations swapped."""
    width, height = int(stream.get("width") or 0), int(stream.get("height") or 0)
    sar = str(stream.get("sample_aspect_ratio") or "1:1").replace(":", "/")
    try:
        ratio = Fraction(sar)
    except (ValueError, ZeroDivisionError):
        ratio = Fraction(1)
    if ratio > 0 and ratio != 1:
        width = round(width * ratio)
    if _rotation(stream) in (90, 270):
        width, height = height, width
    return width, height


def parse(report: dict[str, Any]) -> ProbeResult:
    """A backend's report (ffprobe's JSON shape) → ProbeResult; ProbeRejected when it is not a usable video."""
    fmt = report.get("format") or {}
    format_name = str(fmt.get("format_name", ""))
    streams = report.get("streams") or []
    if not format_name or format_name.endswith("_pipe") or format_name in ("image2", "gif"):
        raise ProbeRejected("not_video", f"not a video container ({format_name or 'unknown format'})")
    videos = [s for s in streams if s.get("codec_type") == "video"
              and not (s.get("disposition") or {}).get("attached_pic")]
    if not videos:
        raise ProbeRejected("no_video_stream", "the file has no video stream")
    video = videos[0]
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    width, height = display_size(video)
    if width < 2 or height < 2:
        raise ProbeRejected("not_video", "the video stream has no picture size")
    duration = _number(fmt.get("duration")) or _number(video.get("duration"))
    if duration is None:
        raise ProbeRejected("not_video", "the duration cannot be read")
    return ProbeResult(
        duration_ms=round(duration * 1000), width=width, height=height,
        video_codec=str(video.get("codec_name", "unknown")),
        audio_codec=str(audio.get("codec_name", "unknown")) if audio else None,
        frame_rate=round(_rate(video.get("avg_frame_rate")) or _rate(video.get("r_frame_rate")) or 30.0, 3),
        format_name=format_name,
    )


def validate(result: ProbeResult, *, min_seconds: float, max_seconds: float) -> ProbeResult:
    """The duration rules; the result itself when it passes."""
    seconds = result.duration_ms / 1000
    if seconds < min_seconds:
        raise ProbeRejected("too_short", f"{seconds:.1f} s is shorter than the minimum of {min_seconds:g} s")
    if seconds > max_seconds:
        raise ProbeRejected("too_long", f"{seconds:.0f} s is longer than the maximum of {max_seconds:g} s")
    return result


def check_size(size_bytes: int, max_bytes: int) -> None:
    if size_bytes > max_bytes:
        raise ProbeRejected("too_large", f"{size_bytes} bytes is more than the maximum of {max_bytes} bytes")


# --- backends: (source path or http(s) URL, timeout in seconds) → report ----------------------------------------

Backend = Callable[[str, float], dict[str, Any]]


def run_ffprobe(source: str, timeout: float = PROBE_TIMEOUT_SECONDS) -> dict[str, Any]:
    """ffprobe's JSON report of `source`. ProbeRejected(not_video) when it cannot read it; ConnectionError when it
    cannot fetch it, TimeoutError, a missing binary (the worker retries those)."""
    options = [arg for name, value in OPEN_OPTIONS.items() for arg in (f"-{name}", value)]
    command = [binary("ffprobe"), "-v", "error", "-print_format", "json", "-show_format", "-show_streams",
               *options, "-i", source]
    try:
        completed = subprocess.run(command, capture_output=True, timeout=timeout, check=False)  # noqa: S603
    except subprocess.TimeoutExpired:  # its message holds the command, and so the signed URL: not passed on
        raise TimeoutError(f"ffprobe took longer than {timeout:g} s") from None
    if completed.returncode != 0:
        errors = redact(completed.stderr.decode(errors="replace"))[-800:]
        logger.warning("ffprobe failed", extra={"stderr": errors})
        if any(marker in errors for marker in FETCH_ERRORS):
            raise ConnectionError("ffprobe could not fetch the upload")  # transient: the state machine retries
        raise ProbeRejected("not_video", UNREADABLE)
    try:
        return json.loads(completed.stdout or b"{}")
    except ValueError:
        raise ProbeRejected("not_video", UNREADABLE) from None


def run_pyav(source: str, timeout: float = PROBE_TIMEOUT_SECONDS) -> dict[str, Any]:
    """The same report from PyAV, in-process. Failures as run_ffprobe's. `timeout` bounds opening and the stream
    analysis (each) and the search for the first picture; every network read has READ_TIMEOUT_SECONDS."""
    import av  # here, not at import: only the probe worker needs it (on Lambda it comes from the media-tools layer)

    deadline = time.monotonic() + timeout
    try:
        with av.open(source, container_options=OPEN_OPTIONS, timeout=(timeout, READ_TIMEOUT_SECONDS)) as container:
            fmt: dict[str, Any] = {"format_name": container.format.name}
            if container.duration is not None:
                fmt["duration"] = container.duration / av.time_base
            streams = {stream: _describe(stream) for stream in container.streams}
            picture = next((stream for stream, described in streams.items() if described["codec_type"] == "video"
                            and not described["disposition"]["attached_pic"]), None)  # the one `parse` takes
            if picture is not None and picture.codec_context is not None:
                streams[picture]["side_data_list"] = [
                    {"rotation": _first_picture_rotation(container, picture, deadline, timeout)}]
            return {"format": fmt, "streams": list(streams.values())}
    except av.FFmpegError as error:
        logger.warning("PyAV failed", extra={"error": redact(str(error))[-800:]})
        if isinstance(error, av.ExitError):  # the open timeout's interrupt
            raise TimeoutError(f"PyAV took longer than {timeout:g} s") from None
        fetch_errors = (av.HTTPError, av.HTTPClientError, ConnectionError, TimeoutError)  # HTTP: 4xx, 5xx
        if isinstance(error, fetch_errors) or error.errno in FETCH_ERRNOS:
            raise ConnectionError("PyAV could not fetch the upload") from None
        raise ProbeRejected("not_video", UNREADABLE) from None


def _describe(stream: Stream) -> dict[str, Any]:
    """One stream as ffprobe describes it: the fields `parse` reads."""
    from av.stream import Disposition

    context = stream.codec_context
    described: dict[str, Any] = {
        "codec_type": stream.type,
        "disposition": {"attached_pic": int(bool(stream.disposition & Disposition.attached_pic))}}
    if context is not None:  # None: FFmpeg has no decoder for it
        described["codec_name"] = context.codec.canonical_name  # "h264", as ffprobe says, not the decoder's name
    if stream.duration is not None and stream.time_base:
        described["duration"] = float(stream.duration * stream.time_base)
    if stream.type == "video" and context is not None:
        sar = stream.sample_aspect_ratio
        described.update(width=context.width, height=context.height,
                         sample_aspect_ratio=f"{sar.numerator}:{sar.denominator}" if sar else "1:1",
                         avg_frame_rate=str(stream.average_rate or 0), r_frame_rate=str(stream.base_rate or 0))
    return described


def _first_picture_rotation(container: InputContainer, stream: Stream, deadline: float, timeout: float) -> int:
    """The display matrix's rotation (phone videos): PyAV shows it only on decoded frames, so decode the first one.
    A damaged packet is skipped; no picture at all leaves 0 (the transcoder will judge such a file)."""
    import av

    for count, packet in enumerate(container.demux(stream)):
        if time.monotonic() > deadline:
            raise TimeoutError(f"PyAV took longer than {timeout:g} s")
        if count >= FIRST_FRAME_PACKETS:
            break
        try:
            frames = packet.decode()
        except av.FFmpegError:
            continue
        if frames:
            return frames[0].rotation
    return 0


BACKENDS: dict[str, Backend] = {"ffprobe": run_ffprobe, "pyav": run_pyav}


def backend(name: str | None = None) -> Backend:
    """`name`, else `VIDEO_PROBE`, else ffprobe when there is one (FFPROBE_BINARY or PATH) and PyAV otherwise."""
    chosen = name or os.environ.get("VIDEO_PROBE") or ("ffprobe" if _find("ffprobe") else "pyav")
    if chosen not in BACKENDS:
        raise ValueError(f"VIDEO_PROBE must be one of {', '.join(BACKENDS)}, not {chosen!r}")
    return BACKENDS[chosen]


def probe(source: str, *, min_seconds: float, max_seconds: float, using: str | None = None) -> ProbeResult:
    """Read `source` with the chosen backend and judge it."""
    report = backend(using)(source, PROBE_TIMEOUT_SECONDS)
    return validate(parse(report), min_seconds=min_seconds, max_seconds=max_seconds)
