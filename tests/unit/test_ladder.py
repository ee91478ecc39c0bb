"""The HLS ladder: no upscaling, portrait handled, even dimensions, aspect kept, at least one rung."""

from __future__ import annotations

import pytest

from chalicelib.integrations.transcoders.ladder import AUDIO_BITRATE, RUNGS, ladder


def sizes(rungs):
    return [(r.quality, r.width, r.height) for r in rungs]


def test_full_hd_gets_the_whole_ladder():
    assert sizes(ladder(1920, 1080)) == [("1080p", 1920, 1080), ("720p", 1280, 720), ("480p", 854, 480),
                                         ("360p", 640, 360)]


def test_portrait_rungs_are_named_by_the_short_side():
    assert sizes(ladder(1080, 1920)) == [("1080p", 1080, 1920), ("720p", 720, 1280), ("480p", 480, 854),
                                         ("360p", 360, 640)]


def test_rungs_above_the_source_are_skipped():
    assert [r.quality for r in ladder(1280, 720)] == ["720p", "480p", "360p"]
    assert [r.quality for r in ladder(1279, 719)] == ["480p", "360p"]  # just short of 720: no upscale
    assert [r.quality for r in ladder(3840, 2160)] == ["1080p", "720p", "480p", "360p"]  # 4K tops out at 1080p


def test_a_small_source_gets_one_rung_at_its_own_size():
    (only,) = ladder(426, 240)
    assert (only.quality, only.width, only.height) == ("240p", 426, 240)
    (odd,) = ladder(321, 179)
    assert odd.width % 2 == 0 and odd.height % 2 == 0 and abs(odd.width - 321) <= 1 and abs(odd.height - 179) <= 1
    assert 0 < only.video_bitrate < RUNGS[-1][2]


def test_bitrates_per_rung_and_audio():
    with_audio = ladder(1920, 1080)
    assert [r.video_bitrate for r in with_audio] == [b for _, _, b in RUNGS]
    assert all(r.audio_bitrate == AUDIO_BITRATE and r.bitrate == r.video_bitrate + AUDIO_BITRATE for r in with_audio)
    silent = ladder(1920, 1080, has_audio=False)
    assert all(r.audio_bitrate == 0 and r.bitrate == r.video_bitrate for r in silent)


@pytest.mark.parametrize("width,height", [(1920, 1080), (1080, 1920), (1440, 1080), (720, 1280), (1000, 1000),
                                          (2560, 1080), (607, 1081), (3840, 1600), (360, 360), (2, 2), (500, 281)])
def test_every_rung_is_even_keeps_the_aspect_and_never_upscales(width, height):
    rungs = ladder(width, height)
    assert rungs
    for rung in rungs:
        assert rung.width % 2 == 0 and rung.height % 2 == 0
        assert min(rung.width, rung.height) <= max(min(width, height), 2)
        assert abs(rung.width / rung.height - width / height) <= 2 / min(rung.width, rung.height) + 0.01
        assert (rung.width >= rung.height) == (width >= height)
    assert len({r.quality for r in rungs}) == len(rungs)


def test_no_picture_no_ladder():
    with pytest.raises(ValueError):
        ladder(0, 720)
