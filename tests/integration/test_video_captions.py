"""Captions of a lesson's video: attached by the course's creator (strict WebVTT, 422 on junk), served in playback as
signed subtitles only to those who may play the lesson, and found by library search at their second offset (the
course's change reaches the index through the products stream, as on `make run`)."""

from __future__ import annotations

import pytest
import requests

from tests.support.courses import grant
from tests.support.search import Indexing
from tests.support.video import create_video_buckets, fabricate_ready_video, make_video_course

PAID_VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
Welcome back to the lighting lesson.

00:00:42.500 --> 00:00:46.000
A softbox at forty five degrees removes harsh shadows.
"""
FREE_VTT = "WEBVTT\n\n00:03.000 --> 00:05.000\nHello and welcome, this is the tripod lesson.\n"


@pytest.fixture
def studio(api):
    """alice's course: the free lesson and the paid lesson each show a ready video of hers (30 s)."""
    from chalicelib.services.courses import lessons

    create_video_buckets()
    course = make_video_course("alice")
    for lesson_id in (course.free_lesson, course.paid_lesson):
        video = fabricate_ready_video("alice", duration_ms=30_000 if lesson_id == course.free_lesson else 60_000)
        lessons.update_lesson("alice", course.product_id, lesson_id, {"video_asset_id": video.video_id})
    return course


def put_captions(api, course, lesson_id, vtt, language="en", user="alice", **fields):
    return api.call("PUT", f"/v1/products/{course.product_id}/lessons/{lesson_id}/captions/{language}", user,
                    {"vtt": vtt, **fields})


def library(api, user, q):
    response = api.call("GET", f"/v1/library/search?q={q}", user)
    assert response.status_code == 200, response.json
    return [(hit["kind"], hit["lesson_id"], hit["start_seconds"], hit["language"]) for hit in response.json["items"]]


def playback(api, course, lesson_id, user=None):
    return api.call("GET", f"/v1/products/{course.product_id}/lessons/{lesson_id}/playback", user)


def test_captions_are_found_at_their_second_by_holders_and_previews_see_free_lessons_only(api, studio):
    course, indexing = studio, Indexing()
    stored = put_captions(api, course, course.paid_lesson, PAID_VTT, label="English")
    assert stored.status_code == 200, stored.json
    assert (stored.json["language"], stored.json["label"], stored.json["cue_count"]) == ("en", "English", 2)
    video = api.call("GET", f"/v1/videos/{stored.json['video_id']}", "alice").json  # the creator's view
    assert video["captions"] == [{"language": "en", "label": "English", "cue_count": 2}]
    assert put_captions(api, course, course.free_lesson, FREE_VTT, language="pt-BR").status_code == 200
    grant("bob", course.product_id)
    assert api.call("POST", f"/v1/products/{course.product_id}/enroll", "carol").status_code in (200, 201)
    indexing.sync()

    assert library(api, "bob", "softbox+shadows") == [("captions", course.paid_lesson, 42, "en")]
    assert library(api, "bob", "tripod") == [("captions", course.free_lesson, 3, "pt-BR")]
    assert library(api, "carol", "tripod") == [("captions", course.free_lesson, 3, "pt-BR")]  # a preview learner
    assert library(api, "carol", "softbox") == []  # a paid lesson's captions
    assert library(api, "dave", "tripod") == []  # holds nothing

    assert api.call("DELETE", f"/v1/products/{course.product_id}/lessons/{course.paid_lesson}/captions/en",
                    "alice").status_code == 204
    indexing.sync()
    assert library(api, "bob", "softbox") == []


def test_playback_lists_signed_subtitles_only_for_those_who_may_play(api, studio):
    course = studio
    assert put_captions(api, course, course.paid_lesson, PAID_VTT, label="English").status_code == 200
    grant("bob", course.product_id)
    allowed = playback(api, course, course.paid_lesson, "bob")
    assert allowed.status_code == 200, allowed.json
    (track,) = allowed.json["subtitles"]
    assert (track["language"], track["label"]) == ("en", "English") and "X-Amz-Signature" in track["url"]
    assert requests.get(track["url"], timeout=5).text == PAID_VTT
    refused = playback(api, course, course.paid_lesson, "carol")
    assert refused.status_code in (403, 404) and "subtitles" not in refused.json
    assert playback(api, course, course.free_lesson).json["subtitles"] == []  # that video has none


JUNK = [  # (file, what the first detail says); the parser's own cases: tests/unit/test_webvtt.py
    ("1\n00:00:01,000 --> 00:00:02,000\nan SRT file\n", "line 1"),
    ("WEBVTT\n\n00:01.000 --> 00:00.500\nbackwards\n", "line 3"),
    ("WEBVTT\nKind: captions\n", "at least one cue"),
    ("WEBVTT\n\n01:00.000 --> 01:02.000\nafter the end\n", "the video lasts 30000 ms"),
]


def test_junk_captions_are_422_with_where_they_are_wrong(api, studio):
    for vtt, words in JUNK:
        response = put_captions(api, studio, studio.free_lesson, vtt)
        assert response.status_code == 422, response.json
        error = response.json["error"]
        assert error["code"] == "invalid_captions" and words in error["details"][0]["msg"], error
    assert playback(api, studio, studio.free_lesson).json["subtitles"] == []  # nothing was stored


def test_only_the_courses_creator_attaches_captions_to_a_lesson_showing_a_video(api, studio):
    from chalicelib.services.courses import lessons

    api.creator("mallory")
    assert put_captions(api, studio, studio.paid_lesson, PAID_VTT, user="mallory").status_code == 404
    assert put_captions(api, studio, studio.paid_lesson, PAID_VTT, language="English").status_code == 422
    assert put_captions(api, studio, studio.paid_lesson, "WEBVTT\n" + "x" * 200_001).status_code == 422
    text = lessons.add_lesson("alice", studio.product_id, studio.module_id, {"title": "Notes", "content_type": "text"})
    assert put_captions(api, studio, text["lesson_id"], PAID_VTT).status_code == 422
    missing = api.call("DELETE", f"/v1/products/{studio.product_id}/lessons/{studio.paid_lesson}/captions/fr", "alice")
    assert missing.status_code == 404
