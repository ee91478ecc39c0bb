"""WebVTT captions of a lesson's video: attached by the course's creator, played with the video, searchable.

A caption track belongs to the video the lesson shows (`video_asset_id`): its file is
`videos/<video_id>/captions/<language>.vtt` in the media bucket (under the video's own prefix, so playback may sign
it) and the asset's `captions` map holds language → label, key and cue count. The creator attaches it through a
lesson of their own course: the course must be theirs and not archived, the lesson must show a video, and the
video must be theirs (404 otherwise, like a missing one). The file must be strict WebVTT (`core.webvtt`: 422
`invalid_captions` with the line), at most MAX_CAPTION_BYTES, with at least one cue and none starting after the
video ends; a video holds at most MAX_TRACKS languages. Attaching the same language again replaces it.

Search: captions are course content. After the write the course's content version moves on (an empty course edit),
so the products stream carries the change to the search indexer, which reads the tracks of the course's videos and
indexes their cues with second offsets (`search.indexer`). Another course showing the same video picks the new
captions up with its own next edit (or a `reindex`).
Playback: `playback.grant` lists each track as a subtitles entry with a signed URL, only after the lesson's access
check, expiring with the video's other media.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pynamodb.exceptions import UpdateError

from chalicelib.config import get_settings
from chalicelib.errors import Conflict, InvalidInput, NotFound
from chalicelib.integrations import storage
from chalicelib.models import VideoAsset
from chalicelib.models.base import utcnow
from chalicelib.services.core import webvtt
from chalicelib.services.core.db import condition_failed, retry_on_conflict
from chalicelib.services.courses import store
from chalicelib.services.video.assets import caption_view, get_owned, media_prefix
from chalicelib.services.video.errors import InvalidCaptions

MAX_CAPTION_BYTES = 192 * 1024  # a long lecture's captions are ~100 KB; the JSON body carrying them is ≤ 256 KiB
MAX_TRACKS = 20
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$")  # a BCP 47 tag: en, pt-BR, zh-Hant-TW
CONTENT_TYPE = "text/vtt; charset=utf-8"
ATTEMPTS = 5


def caption_key(video_id: str, language: str) -> str:
    return f"{media_prefix(video_id)}captions/{language}.vtt"


def _problem(field: str, message: str) -> list[dict[str, Any]]:
    return [{"loc": ["body" if field == "vtt" else "path", field], "msg": message, "type": "value_error"}]


def _lesson_video(creator_id: str, product_id: str, lesson_id: str, language: str) -> VideoAsset:
    if not LANGUAGE.match(language):
        raise InvalidInput("the language must be a code such as en or pt-BR",
                           _problem("language", "a BCP 47 language tag: 2–3 lower-case letters, optional subtags"))
    store.owned_course(creator_id, product_id)
    lesson = store.require(store.load_outline(product_id).lesson(lesson_id), "lesson")
    if lesson.content_type != "video" or not lesson.video_asset_id:
        raise InvalidInput("this lesson shows no uploaded video: attach one before its captions")
    return get_owned(creator_id, lesson.video_asset_id)


def validate(vtt: str, duration_ms: int | None) -> list[webvtt.Cue]:
    """The cues of an acceptable caption file, else 422 `invalid_captions` saying where it is wrong."""
    size = len(vtt.encode("utf-8"))
    if size > MAX_CAPTION_BYTES:
        raise InvalidCaptions("the captions file is too large",
                              _problem("vtt", f"{size} bytes; at most {MAX_CAPTION_BYTES}"))
    try:
        cues = webvtt.parse(vtt)
    except webvtt.InvalidWebVTT as exc:
        raise InvalidCaptions("this is not a valid WebVTT file", _problem("vtt", str(exc))) from None
    if not cues:
        raise InvalidCaptions("the captions file has no cues", _problem("vtt", "at least one cue"))
    if duration_ms and cues[-1].start_ms >= int(duration_ms):
        raise InvalidCaptions("a cue starts after the video ends",
                              _problem("vtt", f"the last cue starts at {cues[-1].start_ms} ms; the video lasts "
                                              f"{int(duration_ms)} ms"))
    return cues


def put_captions(creator_id: str, product_id: str, lesson_id: str, language: str, vtt: str,
                 label: str | None) -> dict[str, Any]:
    """Store (or replace) the lesson video's captions in `language`; the track as the API shows it."""
    asset = _lesson_video(creator_id, product_id, lesson_id, language)
    cues = validate(vtt, asset.duration_ms)
    if language not in asset.caption_tracks and len(asset.caption_tracks) >= MAX_TRACKS:
        raise Conflict(f"a video holds at most {MAX_TRACKS} caption languages; delete one first")
    key = caption_key(asset.video_id, language)
    body = vtt if vtt.endswith("\n") else f"{vtt}\n"  # request bodies arrive stripped
    storage.put(key, body.encode("utf-8"), CONTENT_TYPE, bucket_name=get_settings().media_bucket)
    track = {"label": label or language, "key": key, "cue_count": len(cues)}
    _change_tracks(asset, lambda tracks: tracks.__setitem__(language, track))
    _course_content_changed(product_id)
    return {"video_id": asset.video_id, **caption_view(language, track)}


def delete_captions(creator_id: str, product_id: str, lesson_id: str, language: str) -> None:
    """Detach the track (players stop getting it at once), then delete its file; 404 when there is none."""
    asset = _lesson_video(creator_id, product_id, lesson_id, language)
    if language not in asset.caption_tracks:
        raise NotFound("captions not found")
    _change_tracks(asset, lambda tracks: tracks.pop(language, None))
    storage.delete(caption_key(asset.video_id, language), get_settings().media_bucket)
    _course_content_changed(product_id)


def _change_tracks(asset: VideoAsset, change: Callable[[dict[str, Any]], Any]) -> None:
    """Apply `change` to the asset's tracks: a conditional write on `updated_at`, re-read and retried on a race."""
    for _ in retry_on_conflict(ATTEMPTS, 0.01, lambda: Conflict("the video changed meanwhile; try again")):
        tracks = asset.caption_tracks
        change(tracks)
        captions = VideoAsset.captions.set(tracks) if tracks else VideoAsset.captions.remove()
        try:
            asset.update(actions=[captions, VideoAsset.updated_at.set(utcnow())],
                         condition=VideoAsset.updated_at == asset.updated_at)
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            asset.refresh(consistent_read=True)
            continue
        return


def _course_content_changed(product_id: str) -> None:
    """An empty course edit: the content version moves on and the product's stats are refreshed, which is how
    every course change reaches the search indexer (the products stream)."""
    store.apply_change(product_id, lambda outline: ([], None))
