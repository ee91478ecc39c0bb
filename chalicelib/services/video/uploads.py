"""Upload sessions: the browser uploads a video straight to S3 in parts; we hand out part URLs and finish it.

The multipart upload id never leaves the server. Limits are refused at creation and checked again on the stored
object at completion (neither S3 nor moto binds a presigned part PUT to a size, so HeadObject is the guard).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from chalicelib.config import get_settings
from chalicelib.errors import Conflict, InvalidInput, NotFound
from chalicelib.integrations import storage
from chalicelib.models import VideoAsset
from chalicelib.models.base import utcnow
from chalicelib.services.accounts import users
from chalicelib.services.catalog.deliverables import safe_filename
from chalicelib.services.core.db import retry_on_conflict
from chalicelib.services.core.ids import new_id
from chalicelib.services.courses import store
from chalicelib.services.video.assets import get_owned, move
from chalicelib.services.video.errors import UploadClosed, UploadRejected

ALLOWED_TYPES = ("video/mp4", "video/quicktime", "video/webm", "video/x-matroska", "video/x-msvideo", "video/mpeg")
MIB = 1024 * 1024
MIN_PART_BYTES = 8 * MIB
MAX_PARTS = 1_000  # S3 allows 10,000, but the completion body must fit the API's body limit (schemas/video.py)
URL_BATCH = 100  # part URLs handed out per call; resuming hands out the next missing ones
PART_URL_SECONDS = 3600
OPEN = ("pending", "uploading")  # the upload can still receive parts
UPLOADED = ("processing", "ready")  # the upload was completed
MOVE_ATTEMPTS, MOVE_DELAY = 4, 0.01  # statuses only move forward: a lost move is judged again from the new status


def _changed_meanwhile() -> Conflict:
    return Conflict("the video changed meanwhile; retry")


def _detail(field: str, msg: str) -> list[dict[str, Any]]:
    return [{"loc": ["body", field], "msg": msg, "type": "value_error"}]


def part_plan(size_bytes: int) -> tuple[int, int]:
    """`(part_size_bytes, part_count)`: parts of ≥ 8 MiB (a whole number of MiB) and never more than MAX_PARTS."""
    part_size = max(MIN_PART_BYTES, math.ceil(size_bytes / MAX_PARTS / MIB) * MIB)
    return part_size, max(1, math.ceil(size_bytes / part_size))


def source_key(creator_id: str, video_id: str) -> str:
    """Where a video's source goes in the uploads bucket (the pipeline starts for objects at such keys)."""
    return f"uploads/{creator_id}/{video_id}/source"


def _check_target_lesson(creator_id: str, product_id: str | None, lesson_id: str | None) -> None:
    """The lesson named at upload must be in the caller's own course (404 otherwise)."""
    if bool(product_id) != bool(lesson_id):
        raise InvalidInput("name both product_id and lesson_id, or neither", _detail("lesson_id", "with product_id"))
    if not product_id:
        return
    store.owned_course(creator_id, product_id)
    if store.load_outline(product_id).lesson(lesson_id) is None:
        raise NotFound("lesson not found")


def _session(asset: VideoAsset, uploaded: list[storage.UploadedPart]) -> dict[str, Any]:
    """Presigned URLs for the next missing parts (at most URL_BATCH) and what S3 already holds."""
    settings = get_settings()
    done = {part.part_number for part in uploaded}
    missing = [n for n in range(1, int(asset.part_count) + 1) if n not in done][:URL_BATCH]
    urls = [{"part_number": n, "url": storage.presign_upload_part(settings.uploads_bucket, asset.original_key,
                                                                   asset.upload_id, n, PART_URL_SECONDS)}
            for n in missing]
    return {"part_size_bytes": int(asset.part_size_bytes), "part_count": int(asset.part_count), "parts": urls,
            "uploaded_parts": uploaded, "expires_at": utcnow() + timedelta(seconds=PART_URL_SECONDS)}


def start_upload(creator_id: str, filename: str, content_type: str, size_bytes: int,
                 product_id: str | None = None, lesson_id: str | None = None) -> tuple[VideoAsset, dict[str, Any]]:
    """A `pending` asset, its multipart upload, and part URLs. Creators only (403), limits refused here (422)."""
    users.require_creator(creator_id)
    settings = get_settings()
    content_type = content_type.strip().lower()
    if content_type not in ALLOWED_TYPES:
        raise InvalidInput("this video type is not accepted", _detail("content_type", f"one of {list(ALLOWED_TYPES)}"))
    if not 0 < size_bytes <= settings.video_max_bytes:
        raise InvalidInput(f"a video must be between 1 byte and {settings.video_max_bytes} bytes",
                           _detail("size_bytes", f"at most {settings.video_max_bytes} bytes"))
    name = safe_filename(filename)
    if not any(char.isalnum() for char in name):
        raise InvalidInput("the file name has no usable characters", _detail("filename", "letters or digits"))
    _check_target_lesson(creator_id, product_id, lesson_id)
    video_id = new_id("vid")
    key = source_key(creator_id, video_id)
    part_size, part_count = part_plan(size_bytes)
    # A crash after this call leaves an incomplete upload without a record: the bucket's lifecycle rule aborts it.
    upload_id = storage.create_multipart(settings.uploads_bucket, key, content_type)
    asset = VideoAsset(video_id, creator_id=creator_id, status="pending", filename=name, content_type=content_type,
                       declared_size_bytes=size_bytes, product_id=product_id, lesson_id=lesson_id, original_key=key,
                       upload_id=upload_id, part_size_bytes=part_size, part_count=part_count)
    asset.save(condition=VideoAsset.video_id.does_not_exist())
    return asset, _session(asset, [])


def upload_state(creator_id: str, video_id: str) -> tuple[VideoAsset, dict[str, Any]]:
    """Resume: the parts S3 holds and fresh URLs for the missing ones; `pending → uploading`."""
    asset = get_owned(creator_id, video_id)
    _require_open(asset)
    try:
        uploaded = storage.list_parts(get_settings().uploads_bucket, asset.original_key, asset.upload_id)
    except storage.NoSuchUpload:
        if storage.head(asset.original_key, get_settings().uploads_bucket) is not None:
            raise UploadClosed("this upload is being completed") from None
        # The bucket's lifecycle rule aborted it: nothing can be added to it any more.
        move(asset, "failed", OPEN, error_code="upload_expired",
             processing_error="the upload expired before it was completed; start a new one")
        raise UploadClosed("this upload expired; start a new one") from None
    if asset.status == "pending":
        move(asset, "uploading", ("pending",))
    return asset, _session(asset, uploaded)


def _require_open(asset: VideoAsset) -> None:
    if asset.status in UPLOADED:
        raise UploadClosed("this upload was already completed")
    if asset.status == "failed":
        raise UploadClosed(f"this upload is closed ({asset.error_code}); start a new one")


def _check_parts(asset: VideoAsset, parts: list[tuple[int, str]]) -> None:
    numbers = [number for number, _ in parts]
    expected = set(range(1, int(asset.part_count) + 1))
    if len(numbers) != len(set(numbers)) or set(numbers) != expected:
        missing = sorted(expected - set(numbers))[:20]
        raise InvalidInput(f"list each of the {len(expected)} parts exactly once, with the ETag S3 returned for it",
                           [{"loc": ["body", "parts"], "msg": "parts 1..part_count, each once", "type": "value_error",
                             "missing": missing}])


def complete_upload(creator_id: str, video_id: str, parts: list[tuple[int, str]]) -> VideoAsset:
    """Complete the multipart upload, verify the stored object, move to `processing` (the S3 event starts the
    pipeline). An asset already completed is returned unchanged without calling S3."""
    for _ in retry_on_conflict(MOVE_ATTEMPTS, MOVE_DELAY, _changed_meanwhile):
        asset = get_owned(creator_id, video_id)
        if asset.status in UPLOADED:
            return asset
        _require_open(asset)
        _check_parts(asset, parts)
        # The S3 event may reach the pipeline before our write below: it starts only for uploading/processing assets.
        upload_id = asset.upload_id
        if asset.status == "pending" and not move(asset, "uploading", ("pending",)):
            continue  # it changed meanwhile: judge the fresh state
        return _complete(asset, upload_id, parts)


def _complete(asset: VideoAsset, upload_id: str | None, parts: list[tuple[int, str]]) -> VideoAsset:
    settings = get_settings()
    try:
        storage.complete_multipart(settings.uploads_bucket, asset.original_key, upload_id, parts)
    except storage.PartsRejected as exc:
        raise UploadRejected(f"S3 refused to assemble the upload: {exc}",
                             [{"loc": ["body", "parts"], "msg": str(exc), "type": exc.code}]) from None
    except storage.NoSuchUpload:
        pass  # completed by a concurrent call (the object is there) or aborted (it is not): the head tells
    stored = storage.head(asset.original_key, settings.uploads_bucket)
    if stored is None:
        raise UploadClosed("this upload no longer exists; start a new one")
    problem = _size_problem(stored.size_bytes, int(asset.declared_size_bytes), settings.video_max_bytes)
    if problem:
        code, message = problem
        move(asset, "failed", (*OPEN, "processing"), error_code=code, processing_error=message, upload_id=None)
        storage.delete(asset.original_key, settings.uploads_bucket)
        raise UploadRejected(f"{message}; the upload was deleted", [{"loc": ["file"], "msg": message, "type": code}])
    if not move(asset, "processing", (*OPEN, "processing"), original_size_bytes=stored.size_bytes,
                uploaded_at=utcnow(), upload_id=None) and asset.status == "failed":
        storage.delete(asset.original_key, settings.uploads_bucket)  # aborted while we completed: no object survives
        raise UploadClosed(f"this upload is closed ({asset.error_code}); start a new one")
    return asset


def _size_problem(stored: int, declared: int, limit: int) -> tuple[str, str] | None:
    if stored > limit:
        return "too_large", f"the stored video is {stored} bytes, more than the {limit} bytes allowed"
    if stored != declared:
        return "size_mismatch", f"the stored video is {stored} bytes, {declared} were declared"
    return None


def abort_upload(creator_id: str, video_id: str) -> VideoAsset:
    """Abort the multipart upload (its parts are deleted) and mark the asset failed/aborted. Idempotent."""
    for _ in retry_on_conflict(MOVE_ATTEMPTS, MOVE_DELAY, _changed_meanwhile):
        asset = get_owned(creator_id, video_id)
        if asset.status == "failed" and asset.error_code == "aborted":
            return asset
        _require_open(asset)
        upload_id = asset.upload_id
        if not move(asset, "failed", OPEN, error_code="aborted",
                    processing_error="the upload was aborted by its creator", upload_id=None):
            continue  # it changed meanwhile: judge again from the fresh state
        storage.abort_multipart(get_settings().uploads_bucket, asset.original_key, upload_id)
        return asset
