"""Native video's AWS resources as plain data, shared by the CDK stack and the local runtime (like `infra/buckets.py`).

- Buckets: uploads (creators PUT multipart parts from the browser; S3 reports "Object Created" to EventBridge) and
  media (the HLS outputs; browsers GET segments through short-lived signed URLs only).
- Queues, one per purpose of `Settings.queue_name`, each with a dead-letter queue (`-dlq`). A queue's visibility
  timeout outlasts its handler (AWS refuses an event source mapping otherwise; tests/infra compares them).
- EventBridge rules: an object created under `uploads/` in the uploads bucket → `video-uploads`; a state change of
  a MediaConvert job of ours (progress, completion, failure) → `mediaconvert-events`. The jobs are told apart by
  their user metadata only, so two stages sharing an account and region would see each other's events (and
  drop them: the task token belongs to the other stage's state machine) — one stage per account is the rule.

No CDK and no boto3 here; names and the event patterns take the values the caller knows (a CloudFormation
reference in CDK, the emulator's names locally).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from infra.buckets import BucketSpec

UPLOADS_PREFIX = "uploads/"
# Browsers PUT parts to presigned UploadPart URLs and must read each part's ETag to complete the upload.
UPLOADS = BucketSpec(cors_methods=("PUT",), cors_headers=("Content-Type", "Content-MD5"), cors_expose=("ETag",),
                     event_bridge=True)
# Players (hls.js) GET segments, posters and storyboards cross-origin, sometimes with a Range header.
MEDIA = BucketSpec(cors_methods=("GET", "HEAD"), cors_headers=("Range",),
                   cors_expose=("Content-Length", "Content-Range", "ETag"))

DAY = 24 * 60 * 60
DLQ_SUFFIX = "-dlq"


@dataclass(frozen=True)
class QueueSpec:
    purpose: str  # `Settings.queue_name(purpose)` names it; Chalice derives the queue ARN from that name
    visibility_timeout_seconds: int  # ≥ the consuming function's timeout
    max_receive_count: int  # deliveries before a message moves to the DLQ
    retention_seconds: int = 4 * DAY
    dlq_retention_seconds: int = 14 * DAY  # the maximum: time to look at what failed

    def attributes(self) -> dict[str, str]:
        """`CreateQueue` attributes of the queue itself (the redrive policy needs the DLQ's ARN: `redrive_policy`)."""
        return {"VisibilityTimeout": str(self.visibility_timeout_seconds),
                "MessageRetentionPeriod": str(self.retention_seconds)}

    def dlq_attributes(self) -> dict[str, str]:
        return {"MessageRetentionPeriod": str(self.dlq_retention_seconds)}

    def redrive_policy(self, dlq_arn: str) -> dict[str, str]:
        return {"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn,
                                             "maxReceiveCount": str(self.max_receive_count)})}


QUEUES = (
    # S3 "Object Created" events: the handler only starts an execution.
    QueueSpec("video-uploads", visibility_timeout_seconds=6 * 60, max_receive_count=5),
    # The state machine's worker tasks (probe, transcode submission or FFmpeg run, record); the longest handler.
    QueueSpec("video-tasks", visibility_timeout_seconds=15 * 60, max_receive_count=3),
    # MediaConvert job state changes: the handler completes the task token.
    QueueSpec("mediaconvert-events", visibility_timeout_seconds=6 * 60, max_receive_count=5),
    # Blast fan-out steps (services/messaging/blasts.py): not video, but every queue of the stage is listed here
    # so CDK and the local runtime build them alike. Longer than a step (one page of ≤ 100 members).
    QueueSpec("blasts", visibility_timeout_seconds=6 * 60, max_receive_count=5),
)

# Final states complete the task token; PROGRESSING and the once-a-minute STATUS_UPDATE become heartbeats (the
# transcode task's HeartbeatSeconds would fail a long job otherwise). INPUT_INFORMATION, warnings, queue hops: not.
MEDIACONVERT_STATUSES = ("PROGRESSING", "STATUS_UPDATE", "COMPLETE", "ERROR", "CANCELED")
# The transcoder puts these into every job's UserMetadata, and `stage` (the stage's table prefix) too.
MEDIACONVERT_JOB_METADATA = ("task_token", "video_id")


@dataclass(frozen=True)
class RuleSpec:
    name: str  # suffix of the rule's name after the stage prefix
    description: str
    target: str  # the purpose of the queue it feeds
    pattern: dict[str, Any]


def uploads_pattern(uploads_bucket: str) -> dict[str, Any]:
    """An object created under `uploads/` in the uploads bucket (a completed multipart upload is one)."""
    return {"source": ["aws.s3"], "detail-type": ["Object Created"],
            "detail": {"bucket": {"name": [uploads_bucket]}, "object": {"key": [{"prefix": UPLOADS_PREFIX}]}}}


def mediaconvert_pattern(stage: str) -> dict[str, Any]:
    """A state change of a MediaConvert job of this stage's pipeline (its user metadata carries a task token, a video
    id and the stage: another stage in the same account and region never gets its events)."""
    ours = {**{key: [{"exists": True}] for key in MEDIACONVERT_JOB_METADATA}, "stage": [stage]}
    return {"source": ["aws.mediaconvert"], "detail-type": ["MediaConvert Job State Change"],
            "detail": {"status": list(MEDIACONVERT_STATUSES), "userMetadata": ours}}


def rules(uploads_bucket: str, stage: str) -> tuple[RuleSpec, ...]:
    return (
        RuleSpec("video-uploaded", "Video uploads start the pipeline", "video-uploads",
                 uploads_pattern(uploads_bucket)),
        RuleSpec("mediaconvert-jobs", "MediaConvert jobs of the video pipeline complete its task tokens",
                 "mediaconvert-events", mediaconvert_pattern(stage)),
    )


def state_machine_values(*, assets_table: str, tasks_queue_url: str, media_bucket: str) -> dict[str, str]:
    """What fills the ASL's placeholders (`infra.state_machine.PLACEHOLDERS`), in CDK and in the emulator alike."""
    return {"VideoAssetsTable": assets_table, "VideoTasksQueueUrl": tasks_queue_url, "MediaBucket": media_bucket}
