"""Protected playback through the API on moto, with a fabricated ready video (what the pipeline leaves behind):
the lesson's access rule decides, the HLS playlists are rewritten, and every segment URL downloads exactly the
stored bytes (`requests` to presigned moto URLs is intercepted by `mock_aws`)."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.support.courses import grant
from tests.support.video import (
    RENDITIONS,
    SEGMENTS,
    create_video_buckets,
    fabricate_ready_video,
    make_video_course,
    path_of,
    raw_get,
)


@pytest.fixture
def watched(api):
    """alice's published course: both lessons play the same ready video; bob bought it, carol did not."""
    from chalicelib.services.courses import lessons

    create_video_buckets()
    course = make_video_course("alice")
    video = fabricate_ready_video("alice", duration_ms=15_000)
    for lesson_id in (course.free_lesson, course.paid_lesson):
        lessons.update_lesson("alice", course.product_id, lesson_id, {"video_asset_id": video.video_id})
    grant("bob", course.product_id)
    return api, course, video


def playback(api, course, lesson_id, user=None):
    return api.call("GET", f"/v1/products/{course.product_id}/lessons/{lesson_id}/playback", user)


def assert_signed(url: str) -> None:
    assert "X-Amz-Signature" in parse_qs(urlsplit(url).query), url


def test_a_buyer_plays_every_segment_of_every_rendition_byte_for_byte(watched):
    api, course, video = watched
    response = playback(api, course, course.paid_lesson, "bob")
    assert response.status_code == 200, response.json
    grant_ = response.json
    assert grant_["video_id"] == video.video_id and grant_["duration_seconds"] == 15
    assert [v["quality"] for v in grant_["variants"]] == ["720p", "360p"]
    assert grant_["variants"][0] == {"quality": "720p", "width": 1280, "height": 720, "bitrate_bps": 2_500_000}
    assert grant_["hls_url"].startswith("http://localhost/v1/playback/") and grant_["hls_url"].endswith("/master.m3u8")
    assert grant_["resume_position_seconds"] == 0
    assert requests.get(grant_["thumbnail_url"], timeout=5).content == video.objects[video.key("poster.jpg")]

    master = raw_get(api, grant_["hls_url"])
    assert master.status_code == 200
    assert master.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    assert master.headers["Cache-Control"] == "private, no-store"
    lines = master.body.decode().splitlines()
    assert lines[:3] == ["#EXTM3U", "#EXT-X-VERSION:7", "## written by the test pipeline"]  # tags kept
    rendition_urls = [line for line in lines if line and not line.startswith("#")]
    assert [url.rsplit("/", 2)[1] for url in rendition_urls] == list(RENDITIONS)
    play_token = rendition_urls[0].split("/")[5]
    assert play_token != grant_["hls_url"].split("/")[5]  # renditions use the longer-lived play token

    for url in rendition_urls:
        quality = url.rsplit("/", 2)[1]
        playlist = raw_get(api, url)
        assert playlist.status_code == 200, playlist.body
        text = playlist.body.decode()
        assert "#EXT-X-ENDLIST" in text and "#EXTINF:3.000000," in text
        map_url = text.split('#EXT-X-MAP:URI="')[1].split('"')[0]
        segment_urls = [line for line in text.splitlines() if line and not line.startswith("#")]
        for name, url_ in zip(SEGMENTS, [map_url, *segment_urls], strict=True):
            assert_signed(url_)
            fetched = requests.get(url_, timeout=5)
            assert fetched.status_code == 200
            assert fetched.content == video.objects[video.key(f"hls/{quality}/{name}")]


def test_segment_urls_live_as_long_as_the_viewing_window(watched):
    from chalicelib.services.video.playback import play_seconds

    api, course, _ = watched
    master = raw_get(api, playback(api, course, course.paid_lesson, "bob").json["hls_url"]).body.decode()
    rendition = raw_get(api, next(line for line in master.splitlines() if line.endswith("index.m3u8")))
    segment = next(line for line in rendition.body.decode().splitlines() if line.startswith("http"))
    expires = int(parse_qs(urlsplit(segment).query)["X-Amz-Expires"][0])
    assert play_seconds(15_000) - 5 <= expires <= play_seconds(15_000)


def test_storyboard_vtt_points_at_the_signed_sprite(watched):
    api, course, video = watched
    grant_ = playback(api, course, course.paid_lesson, "bob").json
    assert requests.get(grant_["storyboard"]["image_url"], timeout=5).content == \
        video.objects[video.key("storyboard.jpg")]
    vtt = raw_get(api, grant_["storyboard"]["vtt_url"])
    assert vtt.status_code == 200 and vtt.headers["Content-Type"] == "text/vtt"
    cues = [line for line in vtt.body.decode().splitlines() if "#xywh=" in line]
    assert [cue.split("#")[1] for cue in cues] == ["xywh=0,0,160,90", "xywh=160,0,160,90"]
    for cue in cues:
        assert_signed(cue.split("#")[0])
        assert requests.get(cue.split("#")[0], timeout=5).content == video.objects[video.key("storyboard.jpg")]


def test_resume_position_comes_from_the_learners_progress(watched):
    api, course, _ = watched
    saved = api.call("PUT", f"/v1/products/{course.product_id}/lessons/{course.paid_lesson}/progress", "bob",
                     {"video_progress_seconds": 42})
    assert saved.status_code == 200, saved.json
    assert playback(api, course, course.paid_lesson, "bob").json["resume_position_seconds"] == 42
    assert playback(api, course, course.free_lesson, "bob").json["resume_position_seconds"] == 0


def test_free_preview_plays_for_anyone_and_locked_lessons_answer_like_the_lesson_view(watched):
    api, course, video = watched
    for user in (None, "carol"):
        free = playback(api, course, course.free_lesson, user)
        assert free.status_code == 200, free.json
        assert raw_get(api, free.json["hls_url"]).status_code == 200
        locked = playback(api, course, course.paid_lesson, user)
        lesson_view = api.call("GET", f"/v1/products/{course.product_id}/lessons/{course.paid_lesson}", user)
        assert locked.status_code == lesson_view.status_code == 403
        assert locked.json["error"]["code"] == lesson_view.json["error"]["code"] == "lesson_locked"
        assert video.video_id not in str(locked.json)
    assert playback(api, course, course.paid_lesson, "alice").status_code == 200  # the owner


def test_a_lesson_without_video_or_a_missing_lesson_is_not_found(watched):
    from chalicelib.services.courses import lessons

    api, course, _ = watched
    text = lessons.add_lesson("alice", course.product_id, course.module_id,
                                     {"title": "Notes", "content_type": "text", "is_free_preview": True})["lesson_id"]
    assert playback(api, course, text, "bob").status_code == 404
    assert playback(api, course, "les_missing", "bob").status_code == 404


def test_expired_and_tampered_tokens_are_refused_in_the_error_envelope(watched, monkeypatch):
    from chalicelib.services.video import playback as service

    api, course, _ = watched
    hls_url = playback(api, course, course.paid_lesson, "bob").json["hls_url"]
    master = raw_get(api, hls_url).body.decode()
    rendition_url = next(line for line in master.splitlines() if line.endswith("index.m3u8"))

    later = time.time() + service.START_SECONDS + 1
    monkeypatch.setattr(service, "_now", lambda: later)
    expired = api.call("GET", path_of(hls_url))
    assert expired.status_code == 403 and expired.json["error"]["code"] == "playback_expired"
    assert raw_get(api, rendition_url).status_code == 200  # the play token still lives ...
    much_later = time.time() + service.PLAY_MAX_SECONDS + 1
    monkeypatch.setattr(service, "_now", lambda: much_later)
    assert api.call("GET", path_of(rendition_url)).json["error"]["code"] == "playback_expired"  # ... until its end
    monkeypatch.undo()

    token = hls_url.split("/")[5]
    tampered = hls_url.replace(token, token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"))
    refused = api.call("GET", path_of(tampered))
    assert refused.status_code == 404 and refused.json["error"]["code"] == "not_found"
    # A start token never opens a rendition, a play token never opens the master (no minting of new tokens).
    play = rendition_url.split("/")[5]
    assert api.call("GET", path_of(rendition_url.replace(play, token))).status_code == 404
    assert api.call("GET", path_of(hls_url.replace(token, play))).status_code == 404
    assert api.call("GET", path_of(rendition_url.replace("/720p/", "/1080p/"))).status_code == 404


def test_playback_urls_follow_the_host_and_stage_the_client_used(watched):
    from chalice.app import Request

    from chalicelib.api.playback import base_url

    def request(path, headers):
        return Request({"headers": headers, "multiValueQueryStringParameters": None, "pathParameters": {},
                        "requestContext": {"httpMethod": "GET", "resourcePath": "/x", "path": path},
                        "stageVariables": None, "body": None, "isBase64Encoded": False})

    assert base_url(request("/prod/v1/products/p/lessons/l/playback",
                            {"host": "abc.execute-api.us-east-1.amazonaws.com", "x-forwarded-proto": "https"})) == \
        "https://abc.execute-api.us-east-1.amazonaws.com/prod"
    assert base_url(request("/v1/products/p/lessons/l/playback", {"host": "127.0.0.1:8123"})) == \
        "http://127.0.0.1:8123"
