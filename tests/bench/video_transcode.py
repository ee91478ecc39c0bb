"""Transcoding throughput: the single-pass HLS ladder vs the same ladder as separate FFmpeg processes.

Method: one 1080p input (testsrc2 at 30 fps + a sine tone, BENCH_VIDEO_SECONDS long, default 10) is generated
once. Each sample times, with `time.perf_counter`, the production command builder's output
(`transcoders.ffmpeg.ladder_command`): once with all four rungs in one process (one decode, `split`, one HLS muxer
with `-var_stream_map`), and once per rung, run one after the other (four decodes). Samples alternate between the
two so machine noise hits both; each figure is the best of BENCH_VIDEO_RUNS (default 2) — throughput on a shared
machine is best read from its least-disturbed run. The figure is seconds of video per second of wall time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.bench.report import INFO, Row, heading, table, verdict

SECONDS = float(os.environ.get("BENCH_VIDEO_SECONDS", "10"))
RUNS = int(os.environ.get("BENCH_VIDEO_RUNS", "2"))
WIDTH, HEIGHT, FPS = 1920, 1080, 30


def make_input(path: Path) -> Path:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
                    "-f", "lavfi", "-i", f"testsrc2=size={WIDTH}x{HEIGHT}:rate={FPS}",
                    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", f"{SECONDS:g}",
                    "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", str(path)], check=True, timeout=600)
    return path


def timed(commands: list[list[str]]) -> float:
    started = time.perf_counter()
    for command in commands:
        subprocess.run(command, check=True, capture_output=True, timeout=1800)
    return time.perf_counter() - started


def run() -> list[Row]:
    from chalicelib.integrations.transcoders.ffmpeg import ladder_command
    from chalicelib.integrations.transcoders.ladder import ladder

    print(heading("Video transcoding: single-pass ladder vs separate processes"))
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        print("  ffmpeg not found: skipped (make installs it)")
        return [Row("video", "transcode throughput", "skipped: no ffmpeg", check=INFO)]
    rungs = ladder(WIDTH, HEIGHT)
    with tempfile.TemporaryDirectory(prefix="bench-video-") as workdir:
        work = Path(workdir)
        source = str(make_input(work / "input.mp4"))

        def single() -> list[list[str]]:
            out = work / "single"
            shutil.rmtree(out, ignore_errors=True)
            return [ladder_command(ffmpeg, source, out, rungs, frame_rate=FPS, has_audio=True)]

        def separate() -> list[list[str]]:
            out = work / "separate"
            shutil.rmtree(out, ignore_errors=True)
            return [ladder_command(ffmpeg, source, out / rung.quality, [rung], frame_rate=FPS, has_audio=True)
                    for rung in rungs]

        samples: dict[str, list[float]] = {"single": [], "separate": []}
        for _ in range(RUNS):
            samples["single"].append(timed(single()))
            samples["separate"].append(timed(separate()))
    best = {name: min(values) for name, values in samples.items()}
    speed = {name: SECONDS / seconds for name, seconds in best.items()}
    print(f"  input: {WIDTH}x{HEIGHT} {FPS} fps, {SECONDS:g} s, H.264 + AAC; ladder "
          f"{', '.join(f'{r.quality} {r.width}x{r.height}' for r in rungs)}; x264 preset veryfast")
    print(f"  {os.cpu_count()} CPUs, best of {RUNS} alternating runs\n")
    print(table(["method", "processes", "wall (runs)", "best", "video s / wall s"], [
        ["single pass (split + var_stream_map)", 1, ", ".join(f"{s:.1f} s" for s in samples["single"]),
         f"{best['single']:.1f} s", f"{speed['single']:.2f}"],
        ["one process per rung, sequential", len(rungs), ", ".join(f"{s:.1f} s" for s in samples["separate"]),
         f"{best['separate']:.1f} s", f"{speed['separate']:.2f}"],
    ]))
    ratio = speed["single"] / speed["separate"]
    return [
        Row("video", "single-pass ladder (4 rungs, 1 FFmpeg)", f"{speed['single']:.2f} s video / s"),
        Row("video", "same ladder, 4 FFmpeg processes in a row", f"{speed['separate']:.2f} s video / s"),
        Row("video", "single pass vs separate processes", f"{ratio:.2f}x", "> 1.00x", verdict(ratio > 1)),
    ]
