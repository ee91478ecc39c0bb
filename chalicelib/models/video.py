"""Native video: one `VideoAsset` per uploaded file and its HLS renditions (`VideoQualityVariant`).

`video-assets` (`video_id`): the asset's whole lifecycle in one row; `by_creator` lists a creator's videos newest
first. Status: `pending` (upload session created) → `uploading` (parts requested or listed) → `processing` (upload
completed; the pipeline runs) → `ready` | `failed` (`error_code` + `processing_error` say why).

`video-variants` (`video_id`, `quality`): one row per HLS rendition the pipeline produced, written together with the
asset's move to `ready`; playback reads them with one Query.

S3 layout (see ARCHITECTURE "Native video"):
- uploads bucket: `uploads/<creator_id>/<video_id>/source` (the original; S3 "Object Created" starts the pipeline)
- media bucket: `videos/<video_id>/hls/master.m3u8`, `videos/<video_id>/hls/<quality>/index.m3u8` and its segments,
  `videos/<video_id>/poster.jpg`, `videos/<video_id>/storyboard.jpg` + `storyboard.vtt`,
  `videos/<video_id>/captions/<language>.vtt` (creators' WebVTT captions, services/video/captions.py)
"""

import math

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.models.base import TimestampedModel, table_meta

STATUSES = ("pending", "uploading", "processing", "ready", "failed")


class VideosByCreator(GlobalSecondaryIndex):
    """A creator's videos, newest first (the creator's video library and status polling lists)."""

    class Meta:
        index_name = "by_creator"
        projection = AllProjection()

    creator_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class VideoAsset(TimestampedModel):
    Meta = table_meta("video-assets")

    video_id = UnicodeAttribute(hash_key=True)
    creator_id = UnicodeAttribute()
    status = UnicodeAttribute(default="pending")
    filename = UnicodeAttribute()
    content_type = UnicodeAttribute()
    declared_size_bytes = NumberAttribute()
    # Optional lesson the video is for: attached automatically when it becomes ready.
    product_id = UnicodeAttribute(null=True)
    lesson_id = UnicodeAttribute(null=True)
    # Upload (uploads bucket).
    original_key = UnicodeAttribute()
    upload_id = UnicodeAttribute(null=True)  # S3 multipart upload id; cleared once completed or aborted
    part_size_bytes = NumberAttribute(default=0)
    part_count = NumberAttribute(default=0)
    original_size_bytes = NumberAttribute(null=True)  # of the stored object (HeadObject), not the declared size
    uploaded_at = UTCDateTimeAttribute(null=True)
    # Pipeline.
    execution_arn = UnicodeAttribute(null=True)
    transcoder = UnicodeAttribute(null=True)  # ffmpeg | mediaconvert
    transcode_job_id = UnicodeAttribute(null=True)
    duration_ms = NumberAttribute(null=True)
    width = NumberAttribute(null=True)
    height = NumberAttribute(null=True)
    video_codec = UnicodeAttribute(null=True)
    audio_codec = UnicodeAttribute(null=True)
    # Outputs (media bucket).
    hls_master_key = UnicodeAttribute(null=True)
    thumbnail_key = UnicodeAttribute(null=True)
    storyboard_key = UnicodeAttribute(null=True)
    storyboard_vtt_key = UnicodeAttribute(null=True)
    # Caption tracks: language → {"label", "key" (the media bucket's videos/<id>/captions/<language>.vtt), "cue_count"}
    captions = MapAttribute(null=True)
    error_code = UnicodeAttribute(null=True)  # e.g. not_video | too_short | too_long | too_large | transcode_failed
    processing_error = UnicodeAttribute(null=True)
    processed_at = UTCDateTimeAttribute(null=True)

    by_creator = VideosByCreator()

    @property
    def caption_tracks(self) -> dict[str, dict]:
        """The `captions` map as plain dicts (empty when none)."""
        return self.captions.as_dict() if self.captions else {}

    @property
    def duration_seconds(self) -> int | None:
        """The length as the API states it (one unit for durations): whole seconds, rounded up."""
        return None if self.duration_ms is None else math.ceil(int(self.duration_ms) / 1000)


class VideoQualityVariant(TimestampedModel):
    Meta = table_meta("video-variants")

    video_id = UnicodeAttribute(hash_key=True)
    quality = UnicodeAttribute(range_key=True)  # 1080p | 720p | 480p | 360p
    width = NumberAttribute()
    height = NumberAttribute()
    bitrate_bps = NumberAttribute(attr_name="bitrate")  # bits per second (the playlist's BANDWIDTH)
    playlist_key = UnicodeAttribute()  # media bucket key of the rendition's index.m3u8
    size_bytes = NumberAttribute()  # the rendition's segments and playlist together
