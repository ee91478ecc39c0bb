"""A real browser plays a lesson's video: Debian Chromium (driven by playwright-core, tests/browser/play.mjs) loads
the playback `hls_url` into hls.js on a page served from the SPA origin, plays it muted, and `currentTime` advances.

The stream is the demo course's video, which `make run` seeds through the API and the pipeline (FFmpeg HLS in the
media bucket, playlists rewritten with presigned segment URLs); the learner is the demo buyer, who owns the course.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import pytest

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
PLAY_SECONDS = 1.5
READY_WITHIN_SECONDS = 180


def player(spa_origin: str, hls_url: str, timeout_seconds: float = 60) -> dict:
    """Open the player page on `hls_url` in Chromium; what the page reported (ok, currentTime, … or the error)."""
    node = shutil.which("node")
    if node is None or not CHROMIUM.exists():
        pytest.fail("node and /usr/bin/chromium are needed: `make test` installs Chromium")
    url = f"{spa_origin}/player.html?until={PLAY_SECONDS}&src={quote(hls_url, safe='')}"
    done = subprocess.run([node, str(HERE / "play.mjs"), url, str(int(timeout_seconds * 1000))],  # noqa: S603
                          capture_output=True, text=True, timeout=timeout_seconds + 60, cwd=HERE)
    lines = done.stdout.strip().splitlines()
    assert lines, f"play.mjs printed nothing (exit {done.returncode}): {done.stderr[-2000:]}"
    return json.loads(lines[-1])


@pytest.fixture(scope="module")
def demo_playback(stack) -> dict:
    """The demo buyer's playback grant for the demo course's video lesson, once the pipeline has made it ready."""
    demo = stack.demo
    assert demo["video_id"], stack.log()
    path = f"/v1/products/{demo['course_id']}/lessons/{demo['video_lesson_id']}/playback"
    deadline = time.monotonic() + READY_WITHIN_SECONDS
    while (response := stack.call("GET", path, "demo-buyer")).status_code != 200:
        assert time.monotonic() < deadline, response.text
        time.sleep(0.5)
    return response.json()


def test_the_lesson_video_plays_in_chromium(spa_origin, demo_playback):
    outcome = player(spa_origin, demo_playback["hls_url"])
    assert outcome["ok"], outcome
    assert outcome["currentTime"] >= PLAY_SECONDS
    assert (outcome["videoWidth"], outcome["videoHeight"]) == (640, 360)
    assert [(level["width"], level["height"]) for level in outcome["levels"]] == [
        (variant["width"], variant["height"]) for variant in demo_playback["variants"]]


def test_a_forged_playback_url_does_not_play(spa_origin, demo_playback):
    hls_url = demo_playback["hls_url"]
    token = hls_url.split("/v1/playback/")[1].split("/")[0]
    body, signature = token.rsplit(".", 1)
    outcome = player(spa_origin, hls_url.replace(token, f"{body}.{signature[::-1]}"))
    assert not outcome["ok"] and "manifestLoadError" in outcome["error"], outcome
