"""The video pipeline's domain: which uploads start a workflow, and what a finished transcode records.

- `start_for_upload`: an S3 "Object Created" for `uploads/<creator>/<video_id>/source` starts the state machine
  execution named after the video id, for an asset that exists, names that object and is not finished yet. The
  name makes it idempotent: a duplicate event (or a second complete) starts nothing new.
- `record_outputs`: the renditions and the asset's move to `ready` are ONE transaction (never a ready asset
  without its variants, nor variants of an asset that is not ready), then the lesson named at upload gets the
  video (`on_ready`). Safe to repeat: a ready asset is not written again, only re-attached.
"""

from __future__ import annotations

import re
from typing import Any

from pynamodb.exceptions import TransactWriteError

from chalicelib.config import get_settings
from chalicelib.errors import Conflict, InvalidInput, NotFound
from chalicelib.integrations import stepfunctions
from chalicelib.models import VideoAsset, VideoQualityVariant
from chalicelib.models.base import utcnow
from chalicelib.observability import Metric, annotate, count, logger, seconds
from chalicelib.services.core.db import condition_failed, transaction
from chalicelib.services.courses.lessons import attach_video
from chalicelib.services.video.assets import find, media_prefix

UPLOAD_KEY = re.compile(r"^uploads/(?P<creator_id>[^/]+)/(?P<video_id>[^/]+)/source$")
STARTABLE = ("pending", "uploading", "processing")  # the object exists, so the upload is complete whatever the row says
MAX_VARIANTS = 8
OUTPUT_KEYS = ("master_key", "thumbnail_key", "storyboard_key", "storyboard_vtt_key")


def start_for_upload(bucket: str, key: str) -> str | None:
    """Start the pipeline for an uploaded object; the execution arn, or None when there is nothing (new) to do."""
    settings = get_settings()
    match = UPLOAD_KEY.match(key)
    if bucket != settings.uploads_bucket or not match:
        logger.info("not a video upload: ignored", extra={"bucket": bucket, "key": key})
        return None
    video_id = match.group("video_id")
    annotate(video_id=video_id, user_id=match.group("creator_id"))
    asset = find(video_id)
    if asset is None:
        logger.warning("upload for an unknown video: ignored", extra={"video_id": video_id})
        return None
    if asset.original_key != key or asset.creator_id != match.group("creator_id"):
        logger.warning("upload key does not match the asset: ignored", extra={"video_id": video_id})
        return None
    if asset.status not in STARTABLE:
        logger.info("video already finished: ignored", extra={"video_id": video_id, "status": asset.status})
        return None
    arn = stepfunctions.start_execution(settings.video_state_machine_arn, video_id,
                                        {"video_id": video_id, "bucket": bucket, "key": key})
    logger.info("video pipeline started" if arn else "video pipeline already started: duplicate ignored",
                extra={"video_id": video_id})
    return arn


def _positive_int(value: Any, name: str, problems: list[str], *, allow_zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or (value == 0 and not allow_zero):
        problems.append(f"{name} must be a {'non-negative' if allow_zero else 'positive'} integer")
        return 0
    return value


def validate_outputs(video_id: str, outputs: dict[str, Any]) -> dict[str, Any]:
    """The rules a transcoder's outputs must meet before they are recorded (pure): every key inside this video's
    folder, a master playlist, 1..MAX_VARIANTS renditions with distinct names, positive sizes and bitrates."""
    problems: list[str] = []
    prefix = media_prefix(video_id)
    keys = {name: outputs.get(name) for name in OUTPUT_KEYS}
    if not keys["master_key"]:
        problems.append("master_key is required")
    for name, value in keys.items():
        if value is not None and (not isinstance(value, str) or not value.startswith(prefix) or ".." in value):
            problems.append(f"{name} must be a key under {prefix}")
    variants = outputs.get("variants")
    if not isinstance(variants, list) or not 1 <= len(variants) <= MAX_VARIANTS:
        problems.append(f"variants must list 1 to {MAX_VARIANTS} renditions")
        variants = []
    clean_variants = []
    for index, variant in enumerate(variants):
        if not isinstance(variant, dict):
            problems.append(f"variants[{index}] must be an object")
            continue
        quality, playlist = variant.get("quality"), variant.get("playlist_key")
        if not isinstance(quality, str) or not re.fullmatch(r"[A-Za-z0-9]{1,16}", quality):
            problems.append(f"variants[{index}].quality must be a short name such as 720p")
        if not isinstance(playlist, str) or not playlist.startswith(prefix) or ".." in playlist:
            problems.append(f"variants[{index}].playlist_key must be a key under {prefix}")
        clean_variants.append({
            "quality": quality, "playlist_key": playlist,
            **{name: _positive_int(variant.get(name), f"variants[{index}].{name}", problems)
               for name in ("width", "height")},
            "bitrate_bps": _positive_int(variant.get("bitrate"), f"variants[{index}].bitrate", problems),
            "size_bytes": _positive_int(variant.get("size_bytes"), f"variants[{index}].size_bytes", problems,
                                        allow_zero=True),
        })
    if len({v["quality"] for v in clean_variants}) != len(clean_variants):
        problems.append("variants must have distinct qualities")
    numbers = {name: _positive_int(outputs.get(name), name, problems) for name in ("duration_ms", "width", "height")}
    if problems:
        raise InvalidInput("the transcoder's outputs cannot be recorded", [{"msg": p} for p in problems])
    return {**keys, **numbers, "variants": clean_variants, "transcoder": str(outputs.get("transcoder") or ""),
            "job_id": outputs.get("job_id") or None, "video_codec": outputs.get("video_codec"),
            "audio_codec": outputs.get("audio_codec"), "original_size_bytes": outputs.get("original_size_bytes")}


def record_outputs(video_id: str, outputs: dict[str, Any]) -> None:
    """Write the renditions and move the asset to `ready` (one transaction), then attach it to its lesson."""
    clean = validate_outputs(video_id, outputs)
    asset = find(video_id)
    if asset is None:
        raise NotFound("video not found")
    if asset.status != "ready":
        if asset.status != "processing":
            raise InvalidInput(f"the video is {asset.status}, not processing: outputs not recorded")
        now = utcnow()
        actions = [VideoAsset.status.set("ready"), VideoAsset.processed_at.set(now), VideoAsset.updated_at.set(now),
                   VideoAsset.error_code.remove(), VideoAsset.processing_error.remove(),
                   VideoAsset.hls_master_key.set(clean["master_key"]), VideoAsset.duration_ms.set(clean["duration_ms"]),
                   VideoAsset.width.set(clean["width"]), VideoAsset.height.set(clean["height"])]
        optional = ((VideoAsset.thumbnail_key, clean["thumbnail_key"]),
                    (VideoAsset.storyboard_key, clean["storyboard_key"]),
                    (VideoAsset.storyboard_vtt_key, clean["storyboard_vtt_key"]),
                    (VideoAsset.transcoder, clean["transcoder"] or None),
                    (VideoAsset.transcode_job_id, clean["job_id"]),
                    (VideoAsset.video_codec, clean["video_codec"]), (VideoAsset.audio_codec, clean["audio_codec"]),
                    (VideoAsset.original_size_bytes, clean["original_size_bytes"]))
        actions += [attribute.set(value) for attribute, value in optional if value is not None]
        try:
            with transaction() as tx:
                for variant in clean["variants"]:
                    tx.save(VideoQualityVariant(video_id=video_id, created_at=now, updated_at=now, **variant))
                tx.update(asset, actions=actions, condition=VideoAsset.status == "processing")
        except TransactWriteError as exc:
            # Only a concurrent duplicate that already recorded the outputs is fine; anything else is re-raised.
            current = VideoAsset.get(video_id, consistent_read=True)
            if not condition_failed(exc) or current.status != "ready":
                raise
        else:  # this call moved it to ready (a concurrent duplicate lands in `except`): counted once
            count(Metric.VIDEOS_READY)
            seconds(Metric.VIDEO_PROCESSING_SECONDS, (now - (asset.uploaded_at or asset.created_at)).total_seconds())
        logger.info("video ready", extra={"video_id": video_id, "variants": len(clean["variants"])})
    on_ready(video_id)


def on_ready(video_id: str) -> str | None:
    """Attach a video that became `ready` to the lesson named at upload; the lesson id, or None.

    Safe to call again (an attached video is not written twice). Problems of content, not of infrastructure (the
    lesson or course is gone, the asset is not ready, a newer upload already holds the lesson), are logged and
    skipped: the video itself stays ready and attachable by hand.
    """
    asset = find(video_id)
    if asset is None or asset.status != "ready" or not (asset.product_id and asset.lesson_id):
        return None
    try:
        attached = attach_video(asset.creator_id, asset.product_id, asset.lesson_id, video_id)
    except (NotFound, Conflict, InvalidInput) as exc:
        logger.warning("video not attached", extra={"video_id": video_id, "lesson_id": asset.lesson_id,
                                                    "reason": exc.message})
        return None
    return asset.lesson_id if attached else None
