"""The local transcoder: FFmpeg makes the whole HLS ladder in ONE process, then a poster and a storyboard.

One decode feeds every rung (`split` → per-rung `scale`), and the HLS muxer writes each rung to its own folder
(`-var_stream_map` with names) plus the master playlist: faster than one process per rung (`make bench`).
H.264 (libx264) + AAC (when the source has audio), a closed GOP with a keyframe every 2 s and no scene-cut
keyframes, so the 6 s segments of every rung start at the same instants (clean ABR switches).

Layout written to the media bucket under `videos/<id>/`: `hls/master.m3u8`, `hls/<quality>/index.m3u8` +
`segment_NNNNN.ts`, `poster.jpg`, `storyboard.jpg` (a tile of thumbnails every N s) and `storyboard.vtt`
(cues pointing into the sprite with `storyboard.jpg#xywh=x,y,w,h`).

The source is downloaded to a temporary directory first (removed afterwards, whatever happens); FFmpeg reads only
that file (`-protocol_whitelist file` and a container allow-list: an upload cannot make it open anything else).
"""

from __future__ import annotations

import math
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from chalicelib.integrations import media_store
from chalicelib.integrations.probe import FORMAT_ALLOW_LIST, binary
from chalicelib.integrations.transcoders.base import TranscodeFailed, TranscodeRequest
from chalicelib.integrations.transcoders.ladder import Rung, even, ladder
from chalicelib.observability import logger

SEGMENT_SECONDS = 6
KEYFRAME_SECONDS = 2
PRESET = "veryfast"
MASTER = "master.m3u8"
STORYBOARD_MAX_THUMBS = 100
STORYBOARD_MIN_INTERVAL = 2
STORYBOARD_COLUMNS = 10
THUMB_LONG_SIDE = 160
POSTER_AT_SECONDS = 3.0


def _input(source: str) -> list[str]:
    return ["-protocol_whitelist", "file", "-format_whitelist", FORMAT_ALLOW_LIST, "-i", source]


def ladder_command(ffmpeg: str, source: str, out_dir: Path, rungs: list[Rung], *, frame_rate: float,
                   has_audio: bool) -> list[str]:
    """One FFmpeg invocation writing `out_dir/<quality>/index.m3u8` for every rung and `out_dir/master.m3u8`."""
    outputs = "".join(f"[s{i}]" for i in range(len(rungs)))
    graph = ";".join([f"[0:v:0]split={len(rungs)}{outputs}"] + [
        f"[s{i}]scale=w={rung.width}:h={rung.height},setsar=1[v{i}]" for i, rung in enumerate(rungs)])
    gop = max(1, round(min(frame_rate, 60.0) * KEYFRAME_SECONDS))
    command = [ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "error", *_input(source),
               "-filter_complex", graph]
    for i in range(len(rungs)):
        command += ["-map", f"[v{i}]"] + (["-map", "0:a:0"] if has_audio else [])
    command += ["-c:v", "libx264", "-preset", PRESET, "-profile:v", "high", "-pix_fmt", "yuv420p"]
    for i, rung in enumerate(rungs):
        kbps = rung.video_bitrate // 1000
        command += [f"-b:v:{i}", f"{kbps}k", f"-maxrate:v:{i}", f"{kbps * 107 // 100}k",
                    f"-bufsize:v:{i}", f"{kbps * 3 // 2}k"]
    command += ["-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0", "-flags", "+cgop",
                "-force_key_frames", f"expr:gte(t,n_forced*{KEYFRAME_SECONDS})"]
    if has_audio:
        command += ["-c:a", "aac", "-b:a", f"{rungs[0].audio_bitrate // 1000}k", "-ac", "2", "-ar", "48000"]
    stream_map = " ".join(f"v:{i}" + (f",a:{i}" if has_audio else "") + f",name:{rung.quality}"
                          for i, rung in enumerate(rungs))
    command += ["-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-hls_playlist_type", "vod",
                "-hls_flags", "independent_segments", "-hls_segment_type", "mpegts",
                "-hls_segment_filename", str(out_dir / "%v" / "segment_%05d.ts"),
                "-master_pl_name", MASTER, "-var_stream_map", stream_map, str(out_dir / "%v" / "index.m3u8")]
    return command


def poster_command(ffmpeg: str, source: str, target: Path, rung: Rung, duration_ms: int) -> list[str]:
    """One frame a little into the video (the first frame is often black), at the top rung's size."""
    at = min(POSTER_AT_SECONDS, duration_ms / 2000)
    return [ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-ss", f"{at:.3f}", *_input(source),
            "-frames:v", "1", "-an", "-sn", "-vf", f"scale=w={rung.width}:h={rung.height},setsar=1", "-q:v", "3",
            str(target)]


def storyboard_plan(duration_ms: int, width: int, height: int) -> dict[str, int]:
    """Thumbnail interval (s), count, thumb size and grid for a video: at most STORYBOARD_MAX_THUMBS thumbnails."""
    seconds = max(duration_ms / 1000, 0.001)
    interval = max(STORYBOARD_MIN_INTERVAL, math.ceil(seconds / STORYBOARD_MAX_THUMBS))
    count = max(1, math.ceil(seconds / interval))
    if width >= height:
        thumb_w, thumb_h = THUMB_LONG_SIDE, even(THUMB_LONG_SIDE * height / width)
    else:
        thumb_w, thumb_h = even(THUMB_LONG_SIDE * width / height), THUMB_LONG_SIDE
    columns = min(STORYBOARD_COLUMNS, count)
    return {"interval": interval, "count": count, "thumb_width": thumb_w, "thumb_height": thumb_h,
            "columns": columns, "rows": math.ceil(count / columns)}


def storyboard_command(ffmpeg: str, source: str, target: Path, plan: dict[str, int]) -> list[str]:
    tile = (f"fps=1/{plan['interval']},scale=w={plan['thumb_width']}:h={plan['thumb_height']},setsar=1,"
            f"tile={plan['columns']}x{plan['rows']}")
    return [ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "error", *_input(source),
            "-an", "-sn", "-vf", tile, "-frames:v", "1", "-q:v", "5", str(target)]


def _timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def storyboard_vtt(plan: dict[str, int], duration_ms: int, image: str = "storyboard.jpg") -> str:
    """WebVTT thumbnails track: cue i covers [i*interval, (i+1)*interval) and points at tile i of the sprite."""
    lines = ["WEBVTT", ""]
    end_of_video = duration_ms / 1000
    for i in range(plan["count"]):
        start, end = i * plan["interval"], min((i + 1) * plan["interval"], end_of_video)
        x, y = (i % plan["columns"]) * plan["thumb_width"], (i // plan["columns"]) * plan["thumb_height"]
        lines += [f"{_timestamp(start)} --> {_timestamp(end)}",
                  f"{image}#xywh={x},{y},{plan['thumb_width']},{plan['thumb_height']}", ""]
    return "\n".join(lines)


_STREAM_INF = re.compile(r"^#EXT-X-STREAM-INF:(.*)$")
_BANDWIDTH = re.compile(r"(?:^|,)BANDWIDTH=(\d+)")


def master_bandwidths(master: str) -> dict[str, int]:
    """{variant URI: BANDWIDTH} from a master playlist (what players use to pick a rung)."""
    found: dict[str, int] = {}
    pending: int | None = None
    for line in (raw.strip() for raw in master.splitlines()):
        match = _STREAM_INF.match(line)
        if match:
            bandwidth = _BANDWIDTH.search(match.group(1))
            pending = int(bandwidth.group(1)) if bandwidth else 0
        elif line and not line.startswith("#") and pending is not None:
            found[line] = pending
            pending = None
    return found


def run(command: list[str], timeout: float, what: str) -> None:
    """Run FFmpeg; TranscodeFailed (not retried) when it fails on the file. Its stderr is logged, never returned."""
    try:
        completed = subprocess.run(command, capture_output=True, timeout=timeout, check=False)  # noqa: S603
    except subprocess.TimeoutExpired:
        raise TranscodeFailed(f"FFmpeg took longer than {timeout:.0f} s for the {what}") from None
    if completed.returncode != 0:
        stderr = completed.stderr.decode(errors="replace")[-1500:]
        logger.warning("ffmpeg failed", extra={"what": what, "stderr": stderr})
        raise TranscodeFailed(f"FFmpeg could not make the {what} (exit code {completed.returncode})")


def timeout_for(duration_ms: int) -> float:
    """Generous (a slow machine, 4 rungs), but a stuck FFmpeg must not hold the worker forever."""
    return 600 + 20 * duration_ms / 1000


class FfmpegTranscoder:
    name = "ffmpeg"

    def transcode(self, request: TranscodeRequest) -> dict[str, Any]:
        probe = request.probe
        rungs = ladder(probe.width, probe.height, has_audio=probe.has_audio)
        ffmpeg = binary("ffmpeg")
        timeout = timeout_for(probe.duration_ms)
        with tempfile.TemporaryDirectory(prefix=f"transcode-{request.video_id}-") as workdir:
            work = Path(workdir)
            source = work / "source"
            out = work / "out"
            hls = out / "hls"
            hls.mkdir(parents=True)
            media_store.download(request.source_bucket, request.source_key, source)
            run(ladder_command(ffmpeg, str(source), hls, rungs, frame_rate=probe.frame_rate,
                               has_audio=probe.has_audio), timeout, "HLS renditions")
            run(poster_command(ffmpeg, str(source), out / "poster.jpg", rungs[0], probe.duration_ms), timeout,
                "poster")
            plan = storyboard_plan(probe.duration_ms, probe.width, probe.height)
            run(storyboard_command(ffmpeg, str(source), out / "storyboard.jpg", plan), timeout, "storyboard")
            (out / "storyboard.vtt").write_text(storyboard_vtt(plan, probe.duration_ms))
            bandwidths = master_bandwidths((hls / MASTER).read_text())
            sizes = {rung.quality: sum(p.stat().st_size for p in (hls / rung.quality).iterdir()) for rung in rungs}
            media_store.upload_tree(out, request.media_bucket, request.prefix)
        prefix = request.prefix
        return {
            "transcoder": self.name, "job_id": None,
            "master_key": f"{prefix}hls/{MASTER}", "thumbnail_key": f"{prefix}poster.jpg",
            "storyboard_key": f"{prefix}storyboard.jpg", "storyboard_vtt_key": f"{prefix}storyboard.vtt",
            "duration_ms": probe.duration_ms, "width": probe.width, "height": probe.height,
            "variants": [{"quality": rung.quality, "width": rung.width, "height": rung.height,
                          "bitrate": bandwidths.get(f"{rung.quality}/index.m3u8") or rung.bitrate,
                          "playlist_key": f"{prefix}hls/{rung.quality}/index.m3u8", "size_bytes": sizes[rung.quality]}
                         for rung in rungs],
        }
