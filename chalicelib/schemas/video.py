"""Native video: upload sessions, asset records (status polling) and playback."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StrictInt

from chalicelib.schemas.common import StrictBody

Id = Annotated[str, Field(min_length=1, max_length=64)]
PartNumber = Annotated[StrictInt, Field(ge=1, le=1_000)]  # services/video/uploads.MAX_PARTS


# --- requests ---------------------------------------------------------------------------------------


class VideoUploadCreate(StrictBody):
    """`content_type` must be a video type we accept and `size_bytes` ≤ VIDEO_MAX_BYTES; both are checked again on
    the stored object. Naming a lesson of your course attaches the video to it once it is ready."""

    filename: Annotated[str, Field(min_length=1, max_length=255)]
    content_type: Annotated[str, Field(min_length=3, max_length=120)]
    size_bytes: StrictInt
    product_id: Id | None = None
    lesson_id: Id | None = None


class CompletedPart(StrictBody):
    part_number: PartNumber
    etag: Annotated[str, Field(min_length=1, max_length=128)]  # the ETag header S3 answered the part's PUT with


class VideoComplete(StrictBody):
    # each part once; 1,000 parts of the longest ETags still fit the API's 256 KiB body limit (10,000 did not)
    parts: Annotated[list[CompletedPart], Field(min_length=1, max_length=1_000)]


class CaptionsPut(StrictBody):
    """A WebVTT file as text (strict: `WEBVTT` first, blank-line separated cues with `mm:ss.ttt --> mm:ss.ttt`
    timings in order; at most 192 KiB; no cue after the video's end). `label`: what players show (default: the
    language code)."""

    vtt: Annotated[str, Field(min_length=6, max_length=200_000)]
    label: Annotated[str, Field(min_length=1, max_length=60)] | None = None


# --- responses --------------------------------------------------------------------------------------


class PartUrl(BaseModel):
    part_number: int
    url: str  # PUT the part's bytes here; keep the response's ETag header for `.../complete`


class UploadedPart(BaseModel):
    part_number: int
    etag: str
    size_bytes: int


class UploadSession(BaseModel):
    """Parts are `part_size_bytes` long except the last. `parts` has URLs for up to 100 parts still missing; ask
    `GET /v1/videos/{id}/upload` for the next ones (and after an interruption: it lists `uploaded_parts`)."""

    part_size_bytes: int
    part_count: int
    parts: list[PartUrl]
    uploaded_parts: list[UploadedPart]
    expires_at: datetime  # of the part URLs


class VideoOut(BaseModel):
    video_id: str
    status: str  # pending | uploading | processing | ready | failed
    filename: str
    content_type: str
    declared_size_bytes: int
    original_size_bytes: int | None = None  # as stored, once the upload is completed
    product_id: str | None = None
    lesson_id: str | None = None
    part_size_bytes: int
    part_count: int
    duration_seconds: int | None = None  # whole seconds, rounded up
    width: int | None = None
    height: int | None = None
    error_code: str | None = None  # aborted | upload_expired | too_large | size_mismatch | not_video | too_short …
    processing_error: str | None = None
    created_at: datetime
    updated_at: datetime
    uploaded_at: datetime | None = None
    processed_at: datetime | None = None


class CaptionTrack(BaseModel):
    language: str  # BCP 47 tag (en, pt-BR)
    label: str
    cue_count: int


class CaptionTrackOut(CaptionTrack):
    video_id: str  # the lesson's video, which the track belongs to


class VideoVariantOut(BaseModel):
    quality: str
    width: int
    height: int
    bitrate_bps: int
    size_bytes: int


class VideoDetail(VideoOut):
    variants: list[VideoVariantOut]
    captions: list[CaptionTrack] = []  # attached through a lesson showing the video (…/lessons/{id}/captions/…)
    thumbnail_url: str | None = None  # signed, one hour


class VideoUploadOut(BaseModel):
    video: VideoOut
    upload: UploadSession


class VideoPage(BaseModel):
    items: list[VideoOut]
    next_cursor: str | None = None


class PlaybackVariant(BaseModel):
    quality: str
    width: int
    height: int
    bitrate_bps: int


class Storyboard(BaseModel):
    image_url: str  # the sprite, signed
    vtt_url: str  # WebVTT cues `<signed sprite URL>#xywh=x,y,w,h`


class Subtitles(BaseModel):
    language: str  # BCP 47 tag (en, pt-BR)
    label: str
    url: str  # the WebVTT file, signed until `media_expires_at` (a <track> element or the player's subtitle API)


class PlaybackOut(BaseModel):
    """`hls_url` must be opened before `expires_at`; the playlists, segments, thumbnail and storyboard it leads to
    stay signed until `media_expires_at` (the video's length plus an hour, at most six hours)."""

    video_id: str
    hls_url: str
    expires_at: datetime
    media_expires_at: datetime
    thumbnail_url: str | None = None  # the poster frame
    storyboard: Storyboard | None = None
    subtitles: list[Subtitles] = []  # the creator's caption tracks, by language
    duration_seconds: int  # whole seconds, rounded up
    resume_position_seconds: int
    variants: list[PlaybackVariant]
