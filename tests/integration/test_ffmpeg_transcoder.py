"""The FFmpeg transcoder for real, on generated clips, writing to the emulated media bucket: the single-pass ladder
(no upscaling, portrait, no-audio sources), 2 s closed GOPs in 6 s segments, poster, storyboard + WebVTT."""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from pathlib import Path

import pytest

from chalicelib.integrations.probe import probe
from chalicelib.integrations.transcoders.base import TranscodeFailed, TranscodeRequest
from chalicelib.integrations.transcoders.ffmpeg import FfmpegTranscoder
from tests.support.clips import make_clip
from tests.support.video import create_video_buckets, s3


@pytest.fixture
def buckets(aws):
    from chalicelib.config import get_settings

    create_video_buckets()
    return get_settings()


def transcode(settings, clip: Path, video_id: str) -> dict:
    key = f"uploads/alice/{video_id}/source"
    s3().upload_file(str(clip), settings.uploads_bucket, key)
    request = TranscodeRequest(video_id=video_id, task_token="token", source_bucket=settings.uploads_bucket,
                               source_key=key, media_bucket=settings.media_bucket,
                               probe=probe(str(clip), min_seconds=1, max_seconds=3600))
    return FfmpegTranscoder().transcode(request)


def read(settings, key: str) -> bytes:
    return s3().get_object(Bucket=settings.media_bucket, Key=key)["Body"].read()


def save(settings, key: str, path: Path) -> Path:
    path.write_bytes(read(settings, key))
    return path


def ffprobe(path: Path, *args: str) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", *args, str(path)], check=True,
                         capture_output=True, timeout=60).stdout
    return json.loads(out)


def picture_size(path: Path) -> tuple[int, int]:
    stream = ffprobe(path, "-show_streams")["streams"][0]
    return stream["width"], stream["height"]


def objects(settings, prefix: str) -> dict[str, dict]:
    listed = s3().list_objects_v2(Bucket=settings.media_bucket, Prefix=prefix).get("Contents", [])
    return {item["Key"]: item for item in listed}


def test_ladder_poster_and_storyboard(buckets, tmp_path):
    settings = buckets
    outputs = transcode(settings, make_clip(tmp_path / "talk.mp4", width=1280, height=720, seconds=3), "vid_ladder")
    prefix = "videos/vid_ladder/"
    assert [(v["quality"], v["width"], v["height"]) for v in outputs["variants"]] == [
        ("720p", 1280, 720), ("480p", 854, 480), ("360p", 640, 360)]  # no 1080p: never upscaled
    assert outputs["master_key"] == prefix + "hls/master.m3u8" and outputs["transcoder"] == "ffmpeg"
    assert (outputs["width"], outputs["height"]) == (1280, 720) and 2900 <= outputs["duration_ms"] <= 3100

    master = read(settings, outputs["master_key"]).decode()
    assert master.startswith("#EXTM3U")
    infs = re.findall(r"#EXT-X-STREAM-INF:(.*)\n(.*)", master)
    assert [uri for _, uri in infs] == ["720p/index.m3u8", "480p/index.m3u8", "360p/index.m3u8"]
    for (attributes, _uri), variant in zip(infs, outputs["variants"], strict=True):
        assert f"RESOLUTION={variant['width']}x{variant['height']}" in attributes
        assert f"BANDWIDTH={variant['bitrate']}," in attributes and "mp4a.40.2" in attributes
        playlist = read(settings, variant["playlist_key"]).decode()
        assert "#EXT-X-PLAYLIST-TYPE:VOD" in playlist and playlist.rstrip().endswith("#EXT-X-ENDLIST")
        folder = variant["playlist_key"].rsplit("/", 1)[0] + "/"
        stored = objects(settings, folder)
        segments = [line for line in playlist.splitlines() if line and not line.startswith("#")]
        assert segments and all(folder + name in stored for name in segments)
        assert variant["size_bytes"] == sum(item["Size"] for item in stored.values())
    head = s3().head_object(Bucket=settings.media_bucket, Key=outputs["master_key"])
    assert head["ContentType"] == "application/vnd.apple.mpegurl"
    segment_key = next(k for k in objects(settings, prefix + "hls/720p/") if k.endswith(".ts"))
    assert s3().head_object(Bucket=settings.media_bucket, Key=segment_key)["ContentType"] == "video/mp2t"
    assert picture_size(save(settings, segment_key, tmp_path / "seg.ts")) == (1280, 720)

    assert outputs["thumbnail_key"] == prefix + "poster.jpg"
    assert picture_size(save(settings, outputs["thumbnail_key"], tmp_path / "poster.jpg")) == (1280, 720)
    vtt = read(settings, outputs["storyboard_vtt_key"]).decode()
    cues = re.findall(r"(\S+) --> (\S+)\nstoryboard\.jpg#xywh=(\d+),(\d+),(\d+),(\d+)", vtt)
    assert vtt.startswith("WEBVTT") and [c[:2] for c in cues] == [("00:00:00.000", "00:00:02.000"),
                                                                 ("00:00:02.000", "00:00:03.000")]
    sprite = picture_size(save(settings, outputs["storyboard_key"], tmp_path / "storyboard.jpg"))
    assert sprite == (2 * 160, 90)
    assert all(int(x) + int(w) <= sprite[0] and int(y) + int(h) <= sprite[1] for _, _, x, y, w, h in cues)
    assert not list(Path(tempfile.gettempdir()).glob("transcode-vid_ladder-*"))  # temp files cleaned


def test_keyframes_every_two_seconds_in_six_second_segments_without_audio(buckets, tmp_path):
    settings = buckets
    clip = make_clip(tmp_path / "silent.mp4", width=640, height=360, seconds=8, audio=False, rate=30)
    outputs = transcode(settings, clip, "vid_gop")
    (variant,) = outputs["variants"]
    assert (variant["quality"], variant["width"], variant["height"]) == ("360p", 640, 360)
    master = read(settings, outputs["master_key"]).decode()
    assert "mp4a" not in master and "avc1" in master
    playlist = read(settings, variant["playlist_key"]).decode()
    durations = [float(d) for d in re.findall(r"#EXTINF:([\d.]+),", playlist)]
    assert len(durations) == 2 and abs(durations[0] - 6) < 0.05 and abs(sum(durations) - 8) < 0.1
    first = save(settings, "videos/vid_gop/hls/360p/segment_00000.ts", tmp_path / "s0.ts")
    report = ffprobe(first, "-select_streams", "v", "-skip_frame", "nokey", "-show_entries", "frame=pts_time",
                     "-show_streams")
    times = [float(f["pts_time"]) for f in report["frames"]]
    starts = [t - times[0] for t in times]
    assert [round(t, 2) for t in starts] == [0.0, 2.0, 4.0]  # a keyframe every 2 s, none at scene cuts
    assert [s["codec_type"] for s in report["streams"]] == ["video"]  # no audio stream invented


def test_portrait_phone_video_keeps_its_orientation(buckets, tmp_path):
    settings = buckets
    clip = make_clip(tmp_path / "phone.mp4", width=640, height=360, seconds=2, rotate=90)
    outputs = transcode(settings, clip, "vid_phone")
    assert (outputs["width"], outputs["height"]) == (360, 640)
    assert [(v["quality"], v["width"], v["height"]) for v in outputs["variants"]] == [("360p", 360, 640)]
    segment = save(settings, "videos/vid_phone/hls/360p/segment_00000.ts", tmp_path / "p.ts")
    assert picture_size(segment) == (360, 640)


def test_a_file_ffmpeg_cannot_decode_fails_without_leftovers(buckets, tmp_path):
    settings = buckets
    clip = make_clip(tmp_path / "ok.mp4", seconds=2)
    good_probe = probe(str(clip), min_seconds=1, max_seconds=60)
    junk = tmp_path / "junk"
    junk.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)  # an mp4 header, then garbage
    s3().upload_file(str(junk), settings.uploads_bucket, "uploads/alice/vid_junk/source")
    request = TranscodeRequest(video_id="vid_junk", task_token="t", source_bucket=settings.uploads_bucket,
                               source_key="uploads/alice/vid_junk/source", media_bucket=settings.media_bucket,
                               probe=good_probe)
    with pytest.raises(TranscodeFailed):
        FfmpegTranscoder().transcode(request)
    assert objects(settings, "videos/vid_junk/") == {}
    assert not list(Path(tempfile.gettempdir()).glob("transcode-vid_junk-*"))
