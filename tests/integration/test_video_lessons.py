"""Native videos on lessons: attaching through the builder (only your own ready video), the duration feeding the
course stats and outline, uploads naming a lesson, and `on_ready` attaching automatically (idempotent)."""

from __future__ import annotations

import pytest

from tests.support.video import create_video_buckets, fabricate_ready_video, make_video_course


@pytest.fixture
def course(api):
    create_video_buckets()
    return make_video_course("alice")


def lesson_path(course, lesson_id):
    return f"/v1/products/{course.product_id}/lessons/{lesson_id}"


def attach(api, course, lesson_id, video_id, user="alice", **fields):
    return api.call("PATCH", lesson_path(course, lesson_id), user, {"video_asset_id": video_id, **fields})


def outline_lesson(api, course, lesson_id, user=None):
    detail = api.call("GET", f"/v1/products/{course.product_id}", user).json
    return next(lesson for module in detail["outline"] for lesson in module["lessons"]
                if lesson["lesson_id"] == lesson_id), detail


def test_a_ready_video_attaches_and_its_duration_feeds_the_stats(api, course):
    video = fabricate_ready_video("alice", duration_ms=125_400)
    response = attach(api, course, course.paid_lesson, video.video_id)
    assert response.status_code == 200, response.json
    assert response.json["video_asset_id"] == video.video_id
    assert response.json["video_duration_seconds"] == 126 and response.json["estimated_duration_seconds"] == 0

    lesson, detail = outline_lesson(api, course, course.paid_lesson)
    assert lesson["has_video"] is True and lesson["video_duration_seconds"] == 126
    assert lesson["estimated_duration_seconds"] == 126  # the video's when the creator set none
    assert detail["total_duration_seconds"] == 126
    other, _ = outline_lesson(api, course, course.free_lesson)
    assert other["has_video"] is False and other["video_duration_seconds"] is None

    # The creator's own estimate wins, and the total follows it.
    api.call("PATCH", lesson_path(course, course.paid_lesson), "alice", {"estimated_duration_seconds": 600})
    lesson, detail = outline_lesson(api, course, course.paid_lesson)
    assert lesson["estimated_duration_seconds"] == 600 and detail["total_duration_seconds"] == 600

    # Detaching clears the duration.
    detached = attach(api, course, course.paid_lesson, None, estimated_duration_seconds=0)
    assert detached.status_code == 200, detached.json
    assert detached.json["video_asset_id"] is None and detached.json["video_duration_seconds"] is None
    lesson, detail = outline_lesson(api, course, course.paid_lesson)
    assert lesson["has_video"] is False and detail["total_duration_seconds"] == 0


def test_a_new_video_lesson_can_be_created_with_its_video(api, course):
    video = fabricate_ready_video("alice", duration_ms=61_000)
    created = api.call("POST", f"/v1/products/{course.product_id}/modules/{course.module_id}/lessons", "alice",
                       {"title": "Sound", "content_type": "video", "video_asset_id": video.video_id})
    assert created.status_code == 201, created.json
    assert created.json["video_duration_seconds"] == 61
    assert api.call("GET", f"/v1/products/{course.product_id}", None).json["total_duration_seconds"] == 61


@pytest.mark.parametrize("status", ["pending", "uploading", "processing", "failed"])
def test_only_a_ready_video_attaches(api, course, status):
    video = fabricate_ready_video("alice", status=status)
    response = attach(api, course, course.paid_lesson, video.video_id)
    assert response.status_code == 422, response.json
    assert status in response.json["error"]["message"] and "ready" in response.json["error"]["message"]
    assert response.json["error"]["details"][0]["loc"] == ["body", "video_asset_id"]


def test_another_creators_or_a_missing_video_is_not_found(api, course):
    api.creator("mallory")
    theirs = fabricate_ready_video("mallory")
    assert attach(api, course, course.paid_lesson, theirs.video_id).status_code == 404
    assert attach(api, course, course.paid_lesson, "vid_nope").status_code == 404
    lesson, _ = outline_lesson(api, course, course.paid_lesson)
    assert lesson["has_video"] is False


def test_a_video_needs_a_video_lesson(api, course):
    video = fabricate_ready_video("alice")
    response = attach(api, course, course.paid_lesson, video.video_id, content_type="text")
    assert response.status_code == 422, response.json


def test_uploads_may_name_only_a_lesson_of_your_own_course(api, course):
    body = {"filename": "a.mp4", "content_type": "video/mp4", "size_bytes": 100}
    own = api.call("POST", "/v1/videos/uploads", "alice",
                   {**body, "product_id": course.product_id, "lesson_id": course.paid_lesson})
    assert own.status_code == 201, own.json
    assert own.json["video"]["lesson_id"] == course.paid_lesson
    assert api.call("POST", "/v1/videos/uploads", "alice",
                    {**body, "product_id": course.product_id, "lesson_id": "les_nope"}).status_code == 404
    api.creator("mallory")
    stolen = api.call("POST", "/v1/videos/uploads", "mallory",
                      {**body, "product_id": course.product_id, "lesson_id": course.paid_lesson})
    assert stolen.status_code == 404


def test_on_ready_attaches_to_the_lesson_named_at_upload_once(api, course):
    from chalicelib.services.courses.store import load_outline
    from chalicelib.services.video import pipeline

    video = fabricate_ready_video("alice", duration_ms=30_000, product_id=course.product_id,
                                  lesson_id=course.paid_lesson)
    assert pipeline.on_ready(video.video_id) == course.paid_lesson
    lesson = load_outline(course.product_id).lesson(course.paid_lesson)
    assert (lesson.content_type, lesson.video_asset_id, lesson.video_duration_seconds) == (
        "video", video.video_id, 30)
    version = load_outline(course.product_id).content_version
    assert pipeline.on_ready(video.video_id) is None  # a repeat writes nothing
    assert load_outline(course.product_id).content_version == version
    assert api.call("GET", f"/v1/products/{course.product_id}").json["total_duration_seconds"] == 30


def test_on_ready_replaces_an_embed_but_never_a_newer_upload(api, course):
    from chalicelib.services.courses import lessons
    from chalicelib.services.courses.store import load_outline
    from chalicelib.services.video import pipeline

    older = fabricate_ready_video("alice", product_id=course.product_id, lesson_id=course.free_lesson)
    newer = fabricate_ready_video("alice", product_id=course.product_id, lesson_id=course.free_lesson)
    lessons.update_lesson("alice", course.product_id, course.free_lesson,
                                 {"content_type": "video_embed", "video_url": "https://youtu.be/dQw4w9WgXcQ"})
    assert pipeline.on_ready(newer.video_id) == course.free_lesson
    lesson = load_outline(course.product_id).lesson(course.free_lesson)
    assert (lesson.content_type, lesson.video_url, lesson.video_asset_id) == ("video", None, newer.video_id)
    assert pipeline.on_ready(older.video_id) is None  # finished late: the newer upload stays
    assert load_outline(course.product_id).lesson(course.free_lesson).video_asset_id == newer.video_id


def test_on_ready_skips_what_it_cannot_attach_without_failing(api, course):
    from chalicelib.services.courses import lessons
    from chalicelib.services.video import pipeline

    gone = fabricate_ready_video("alice", product_id=course.product_id, lesson_id=course.paid_lesson)
    lessons.delete_lesson("alice", course.product_id, course.paid_lesson)
    assert pipeline.on_ready(gone.video_id) is None
    processing = fabricate_ready_video("alice", status="processing", product_id=course.product_id,
                                       lesson_id=course.free_lesson)
    assert pipeline.on_ready(processing.video_id) is None
    assert pipeline.on_ready(fabricate_ready_video("alice").video_id) is None  # names no lesson
    assert pipeline.on_ready("vid_missing") is None
