"""Video asset records: the creator's view of them (404 for anyone else's), their renditions, and status moves.

A status moves only by a conditional write naming the statuses it may leave (`move`), so concurrent completes,
aborts and pipeline steps never overwrite each other's outcome.
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.errors import NotFound
from chalicelib.integrations.media_urls import media_urls
from chalicelib.models import VideoAsset, VideoQualityVariant
from chalicelib.models.base import utcnow
from chalicelib.services.core.db import condition_failed
from chalicelib.services.core.pagination import Page, paginate

THUMBNAIL_URL_SECONDS = 3600


def media_prefix(video_id: str) -> str:
    """Everything the pipeline writes for a video lives under this media-bucket prefix (see models/video.py)."""
    return f"videos/{video_id}/"


def find(video_id: str, consistent: bool = True) -> VideoAsset | None:
    try:
        return VideoAsset.get(video_id, consistent_read=consistent)
    except DoesNotExist:
        return None


def get_owned(creator_id: str | None, video_id: str) -> VideoAsset:
    """The caller's own asset; anybody else's answers 404, exactly like a missing one."""
    asset = find(video_id)
    if asset is None or asset.creator_id != creator_id:
        raise NotFound("video not found")
    return asset


def variants(video_id: str) -> list[VideoQualityVariant]:
    """The renditions, tallest first (one Query)."""
    rows = VideoQualityVariant.query(video_id, consistent_read=True)
    return sorted(rows, key=lambda v: int(v.height), reverse=True)


def caption_view(language: str, track: dict[str, Any]) -> dict[str, Any]:
    """A caption track as the API shows it (its file's key stays inside)."""
    return {"language": language, "label": track["label"], "cue_count": int(track["cue_count"])}


def detail(creator_id: str, video_id: str) -> dict[str, Any]:
    """Status polling: the asset, its renditions once ready, its caption tracks and a signed poster URL."""
    asset = get_owned(creator_id, video_id)
    thumbnail = media_urls().sign(asset.thumbnail_key, THUMBNAIL_URL_SECONDS) if asset.thumbnail_key else None
    return {**asset.attribute_values, "duration_seconds": asset.duration_seconds,
            "variants": variants(video_id) if asset.status == "ready" else [], "thumbnail_url": thumbnail,
            "captions": [caption_view(language, track) for language, track in sorted(asset.caption_tracks.items())]}


def list_videos(creator_id: str, limit: int, cursor: str | None) -> Page:
    """The caller's videos, newest first (Query on `by_creator`)."""
    return paginate(lambda **page: VideoAsset.by_creator.query(creator_id, scan_index_forward=False, **page),
                    f"videos|{creator_id}", cursor, limit)


def move(asset: VideoAsset, status: str, allowed_from: tuple[str, ...], **values: Any) -> bool:
    """Set `status` (and `values`; None removes) only if the stored status is one of `allowed_from`: False if it
    is not. `asset` reflects the stored item afterwards either way."""
    actions = [VideoAsset.status.set(status), VideoAsset.updated_at.set(utcnow())]
    for name, value in values.items():
        attribute = getattr(VideoAsset, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    try:
        asset.update(actions=actions, condition=VideoAsset.status.is_in(*allowed_from))
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        asset.refresh(consistent_read=True)
        return False
    return True
