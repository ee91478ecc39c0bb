"""Event-driven entry points of the video pipeline (both arrive through SQS, so failures are redriven/DLQ'd).

- `on_video_uploaded` (`video-uploads` queue): an EventBridge S3 "Object Created" event for the uploads bucket →
  `services.video_pipeline.start_for_upload`. Keys that are not uploads, unknown videos and duplicates are
  logged and dropped (they would only poison the queue); errors talking to AWS raise, so SQS redelivers.
- `on_mediaconvert_event` (`mediaconvert-events` queue): a "MediaConvert Job State Change" event for a job that
  carries a task token in its UserMetadata: COMPLETE → the outputs (renditions measured in S3) complete the
  Transcode step; ERROR/CANCELED → it fails with `transcode_failed`; anything else (PROGRESSING, STATUS_UPDATE,
  ...) is a heartbeat. Events of jobs without a token are not ours and are dropped.
"""

from __future__ import annotations

import json
from typing import Any

FAILED_STATUSES = ("ERROR", "CANCELED")


def _events(event: Any) -> list[dict[str, Any]]:
    from chalicelib.observability import logger

    found = []
    for record in event:
        try:
            body = json.loads(record.body)
        except ValueError:
            logger.warning("SQS message is not JSON: dropped")
            continue
        if isinstance(body, dict):
            found.append(body)
    return found


def on_video_uploaded(event: Any) -> None:
    from chalicelib.services.video.pipeline import start_for_upload

    for body in _events(event):
        detail = body.get("detail") or {}
        if body.get("detail-type") != "Object Created":
            continue
        start_for_upload(str((detail.get("bucket") or {}).get("name", "")),
                         str((detail.get("object") or {}).get("key", "")))


def on_mediaconvert_event(event: Any) -> None:
    from chalicelib.config import get_settings
    from chalicelib.integrations import media_store, stepfunctions
    from chalicelib.integrations.transcoders import mediaconvert
    from chalicelib.observability import logger

    bucket = get_settings().media_bucket
    for body in _events(event):
        job = mediaconvert.parse_event(body)
        log = {"video_id": job.video_id, "job_id": job.job_id, "status": job.status}
        if not job.task_token:
            logger.info("MediaConvert event without a task token: not ours", extra=log)
            continue
        try:
            if job.status == "COMPLETE":
                try:
                    outputs = mediaconvert.outputs_from_event(job, bucket)
                except (KeyError, IndexError, ValueError) as exc:
                    stepfunctions.send_task_failure(job.task_token, "transcode_failed", f"unusable job outputs: {exc}")
                    continue
                for variant in outputs["variants"]:
                    variant["size_bytes"] = media_store.prefix_size(
                        bucket, mediaconvert.rendition_prefix(variant["playlist_key"]))
                stepfunctions.send_task_success(job.task_token, outputs)
            elif job.status in FAILED_STATUSES:
                stepfunctions.send_task_failure(job.task_token, "transcode_failed", mediaconvert.failure_cause(job))
            else:
                stepfunctions.send_task_heartbeat(job.task_token)
        except stepfunctions.TaskGone:
            logger.warning("MediaConvert event for a closed task: dropped", extra=log)
            continue
        logger.info("MediaConvert event handled", extra=log)
