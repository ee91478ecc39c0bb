"""Lessons: their slugs, embed or native video, body, place in a module; and attaching a ready video to one."""

from __future__ import annotations

import re
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.errors import Conflict, InvalidInput, NotFound
from chalicelib.models import VideoAsset
from chalicelib.models.course import CourseItem, LessonBody, LessonNode, body_sk, lesson_sk
from chalicelib.services.core.ids import new_id
from chalicelib.services.courses import store
from chalicelib.services.courses.embeds import normalize_embed_url
from chalicelib.services.courses.outline import Outline

LESSON_BODY_FIELDS = ("content", "key_takeaways")


def slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].strip("-") or "lesson"


def _unique_slug(outline: Outline, wanted: str | None, title: str, lesson_id: str | None = None) -> str:
    taken = {lesson.slug for lesson in outline.lessons if lesson.lesson_id != lesson_id}
    if wanted:
        if wanted in taken:
            raise Conflict(f"lesson slug '{wanted}' is already used in this course")
        return wanted
    base, n = slugify(title), 2
    slug = base
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _check_lesson(fields: dict[str, Any]) -> dict[str, Any]:
    """Embeds only on `video_embed` lessons (normalized), which must have one."""
    if fields.get("video_url"):
        fields["video_url"] = normalize_embed_url(fields["video_url"])
    content_type = fields.get("content_type")
    if fields.get("video_url") and content_type != "video_embed":
        raise InvalidInput("video_url is only for video_embed lessons")
    if content_type == "video_embed" and not fields.get("video_url"):
        raise InvalidInput("a video_embed lesson needs a video_url")
    if fields.get("video_asset_id") and content_type != "video":
        raise InvalidInput("video_asset_id is only for video lessons")
    return fields


def ready_video_seconds(creator_id: str, video_id: str) -> int:
    """The duration a lesson stores for a video it may show: the creator's own (else 404, like a missing one) and
    `ready` (else 422). Whole seconds, rounded up: what the course stats add up."""
    try:
        asset = VideoAsset.get(video_id, consistent_read=True)
    except DoesNotExist:
        asset = None
    if asset is None or asset.creator_id != creator_id:
        raise NotFound("video not found")
    if asset.status != "ready":
        raise InvalidInput(f"this video is {asset.status}; only a ready video can be attached to a lesson",
                           [{"loc": ["body", "video_asset_id"], "msg": "the video must be ready",
                             "type": "value_error"}])
    return asset.duration_seconds or 0


def _video_fields(creator_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """A `video_asset_id` being set must name a video the lesson may show; its duration is copied onto the lesson
    (stats and outlines then need no asset reads). Clearing it clears the duration."""
    if "video_asset_id" not in fields:
        return fields
    asset_id = fields["video_asset_id"]
    return {**fields, "video_duration_seconds": ready_video_seconds(creator_id, asset_id) if asset_id else None}


def _split(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    body = {k: v for k, v in fields.items() if k in LESSON_BODY_FIELDS}
    node = {k: v for k, v in fields.items() if k not in LESSON_BODY_FIELDS}
    return node, body


def add_lesson(creator_id: str, product_id: str, module_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    store.owned_course(creator_id, product_id)
    lesson_id = new_id("les")
    node_fields, body_fields = _split(_video_fields(creator_id, _check_lesson(dict(fields))))

    def build(outline: Outline):
        store.require(outline.module(module_id), "module")
        siblings = outline.lessons_of(module_id)
        store.check_room(len(siblings), "module")
        slug = _unique_slug(outline, node_fields.pop("slug", None), node_fields["title"])
        lesson = LessonNode(product_id, lesson_sk(lesson_id), lesson_id=lesson_id, module_id=module_id,
                            position=len(siblings), slug=slug, **node_fields)
        body = LessonBody(product_id, body_sk(lesson_id), lesson_id=lesson_id, **body_fields)
        return [store.plan_save(lesson), store.plan_save(body)], (lesson, body)

    return lesson_view(*store.apply_change(product_id, build))


def update_lesson(creator_id: str, product_id: str, lesson_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    store.owned_course(creator_id, product_id)
    fields = _video_fields(creator_id, fields)

    def build(outline: Outline):
        lesson = store.require(outline.lesson(lesson_id), "lesson")
        merged = {"content_type": lesson.content_type, "video_url": lesson.video_url,
                  "video_asset_id": lesson.video_asset_id, **fields}
        _check_lesson(merged)
        node_fields, body_fields = _split({k: merged[k] for k in [*fields, "video_url"] if k in merged})
        if "slug" in node_fields or "title" in node_fields:
            wanted = node_fields.pop("slug", None) or lesson.slug
            node_fields["slug"] = _unique_slug(outline, wanted, lesson.title, lesson_id)
        for name, value in node_fields.items():
            setattr(lesson, name, value)
        plans = [store.plan_save(lesson)]
        body = store.load_body(product_id, lesson_id) or LessonBody(product_id, body_sk(lesson_id),
                                                                    lesson_id=lesson_id)
        if body_fields:
            for name, value in body_fields.items():
                setattr(body, name, value)
            plans.append(store.plan_save(body))
        return plans, (lesson, body)

    return lesson_view(*store.apply_change(product_id, build))


def attach_video(creator_id: str, product_id: str, lesson_id: str, video_id: str) -> bool:
    """Make a lesson play a ready video (`content_type=video`, its duration, no embed URL): what an upload named
    for the lesson does once ready. True when written; False when the lesson already shows it or a newer upload
    (ids sort by creation), which an older upload finishing late must not replace. 404 / 409 / 422 as any edit."""
    store.owned_course(creator_id, product_id)
    seconds = ready_video_seconds(creator_id, video_id)

    def shows_it_or_newer(lesson: LessonNode) -> bool:
        return lesson.content_type == "video" and (lesson.video_asset_id or "") >= video_id

    if shows_it_or_newer(store.require(store.load_outline(product_id).lesson(lesson_id), "lesson")):
        return False  # checked before taking the lock: a repeated call writes nothing

    def build(outline: Outline):
        lesson = store.require(outline.lesson(lesson_id), "lesson")
        if shows_it_or_newer(lesson):
            return [], False
        lesson.content_type, lesson.video_url = "video", None
        lesson.video_asset_id, lesson.video_duration_seconds = video_id, seconds
        return [store.plan_save(lesson)], True

    return store.apply_change(product_id, build)


def delete_lesson(creator_id: str, product_id: str, lesson_id: str) -> None:
    product = store.owned_course(creator_id, product_id)

    def build(outline: Outline):
        lesson = store.require(outline.lesson(lesson_id), "lesson")
        store.keep_a_lesson(product, outline, {lesson_id})
        inline = [q for q in outline.quizzes if q.lesson_id == lesson_id]
        store.delete_in_batches(product_id, [], inline)
        siblings = outline.lessons_of(lesson.module_id)
        plans = [store.plan_delete(lesson), store.plan_delete(CourseItem(product_id, body_sk(lesson_id)))]
        return plans + store.densify(siblings, lesson_id, "lesson_id"), None

    store.apply_change(product_id, build)


def reorder_lessons(creator_id: str, product_id: str, module_id: str, lesson_ids: list[str]) -> list[dict[str, Any]]:
    """The module's lessons in their new order, each in the full lesson shape (bodies in one BatchGetItem)."""
    store.owned_course(creator_id, product_id)

    def build(outline: Outline):
        store.require(outline.module(module_id), "module")
        return store.reorder(outline.lessons_of(module_id), lesson_ids, "lesson_id")

    ordered = store.apply_change(product_id, build)
    bodies = store.load_bodies(product_id, [lesson.lesson_id for lesson in ordered])
    return [lesson_view(lesson, bodies.get(lesson.lesson_id)) for lesson in ordered]


def move_lesson(creator_id: str, product_id: str, lesson_id: str, target_module_id: str,
                position: int | None) -> LessonNode:
    """Move a lesson to another module (or another place in its own), keeping both orders dense."""
    store.owned_course(creator_id, product_id)

    def build(outline: Outline):
        lesson = store.require(outline.lesson(lesson_id), "lesson")
        store.require(outline.module(target_module_id), "module")
        source = [s for s in outline.lessons_of(lesson.module_id) if s.lesson_id != lesson_id]
        target = source if target_module_id == lesson.module_id else outline.lessons_of(target_module_id)
        store.check_room(len(target), "module")
        index = len(target) if position is None else position
        if not 0 <= index <= len(target):
            raise InvalidInput(f"position must be between 0 and {len(target)}")
        new_target = [*target[:index], lesson, *target[index:]]
        plans = [store.plan_position(lesson, index, module_id=target_module_id)]
        plans += [store.plan_position(s, i) for i, s in enumerate(new_target) if s is not lesson and s.position != i]
        if target is not source:
            plans += [store.plan_position(s, i) for i, s in enumerate(source) if s.position != i]
        lesson.module_id, lesson.position = target_module_id, index
        return plans, lesson

    return store.apply_change(product_id, build)


def lesson_view(lesson: LessonNode, body: LessonBody | None) -> dict[str, Any]:
    data = {name: getattr(lesson, name) for name in LessonNode.get_attributes() if name not in ("sk", "kind")}
    data["content"] = body.content if body else ""
    data["key_takeaways"] = list(body.key_takeaways) if body else []
    return data
