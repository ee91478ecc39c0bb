"""The HLS ladder: which renditions a source gets. Pure; both transcoders build from it.

Rungs are named by their SHORT side (a 1080x1920 portrait phone video gets "1080p" at 1080x1920), so portrait
and landscape sources get the same quality steps. No upscaling: rungs above the source's short side are skipped,
and a source smaller than the lowest rung gets exactly one rendition at its own size. Dimensions are even
(H.264 with 4:2:0 chroma needs it) and keep the source's aspect ratio.
"""

from __future__ import annotations

from dataclasses import dataclass

# (name, short side, video bits per second) — the usual H.264 ladder for 30 fps talking-head/screen content.
RUNGS = (("1080p", 1080, 5_000_000), ("720p", 720, 2_800_000), ("480p", 480, 1_400_000), ("360p", 360, 800_000))
AUDIO_BITRATE = 128_000
MIN_VIDEO_BITRATE = 200_000


@dataclass(frozen=True)
class Rung:
    quality: str
    width: int
    height: int
    video_bitrate: int
    audio_bitrate: int

    @property
    def bitrate(self) -> int:
        """What the rendition needs in total (video + audio): the master playlist's nominal BANDWIDTH."""
        return self.video_bitrate + self.audio_bitrate


def even(value: float) -> int:
    """The nearest even integer, at least 2."""
    return max(2, 2 * round(value / 2))


def ladder(width: int, height: int, *, has_audio: bool = True) -> list[Rung]:
    """The renditions for a source displayed at `width` x `height`, highest first."""
    if width < 2 or height < 2:
        raise ValueError(f"not a picture size: {width}x{height}")
    short, long = min(width, height), max(width, height)
    landscape = width >= height
    audio = AUDIO_BITRATE if has_audio else 0
    rungs = []
    for quality, target, bitrate in RUNGS:
        if target > short:
            continue
        long_side = even(long * target / short)
        w, h = (long_side, target) if landscape else (target, long_side)
        rungs.append(Rung(quality, w, h, bitrate, audio))
    if not rungs:  # smaller than the lowest rung: one rendition at its own (even) size, bitrate by area
        w, h = even(width), even(height)
        _, lowest_short, lowest_bitrate = RUNGS[-1]
        area = lowest_short * even(lowest_short * 16 / 9)
        bitrate = max(MIN_VIDEO_BITRATE, round(lowest_bitrate * (w * h) / area))
        rungs.append(Rung(f"{min(w, h)}p", w, h, bitrate, audio))
    return rungs
