"""Small real videos made with FFmpeg (testsrc2 picture + a sine tone), for the pipeline's tests and bench."""

from __future__ import annotations

import subprocess
from pathlib import Path


def make_clip(path: Path, *, width: int = 640, height: int = 360, seconds: float = 3, audio: bool = True,
              rate: int = 25, rotate: int | None = None) -> Path:
    """An H.264/AAC MP4 (`rotate`: display-matrix rotation metadata, as phones write it)."""
    command = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
               "-i", f"testsrc2=size={width}x{height}:rate={rate}"]
    if audio:
        command += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
    command += ["-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    command += ["-c:a", "aac", "-b:a", "64k"] if audio else []
    target = path if rotate is None else path.with_name(f"unrotated-{path.name}")
    subprocess.run([*command, str(target)], check=True, timeout=120)
    if rotate is not None:  # FFmpeg 5 writes the rotation only when it copies the stream
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(target), "-c", "copy",
                        "-metadata:s:v:0", f"rotate={rotate}", str(path)], check=True, timeout=60)
        target.unlink()
    return path
