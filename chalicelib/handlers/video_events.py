"""Event-driven entry points of the video pipeline (both arrive through SQS, so failures are redriven/DLQ'd).

- `on_video_uploaded` (`video-uploads` queue): an EventBridge S3 "Object Created" event for the uploads bucket →
  `services.video.pipeline.start_for_upload`, which logs and drops what is not (new) work; errors talking to AWS
  raise, so SQS redelivers.
- `on_mediaconvert_event` (`mediaconvert-events` queue): a "MediaConvert Job State Change" event →
  `services.video.steps.job_outcome`, whose verdict completes, fails or heartbeats the Transcode step's token.
  Events of jobs without a token are not ours and are dropped, as are events for tokens already closed.
"""

from __future__ import annotations

import json
from typing import Any


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
    from chalicelib.integrations import stepfunctions
    from chalicelib.observability import Metric, annotate, count, logger
    from chalicelib.services.video.steps import job_outcome

    for body in _events(event):
        outcome = job_outcome(body)
        job = outcome.job
        log = {"video_id": job.video_id, "job_id": job.job_id, "status": job.status}
        annotate(video_id=job.video_id)
        if not job.task_token:
            logger.info("MediaConvert event without a task token: not ours", extra=log)
            continue
        try:
            if outcome.outputs is not None:
                stepfunctions.send_task_success(job.task_token, outcome.outputs)
            elif outcome.error:
                stepfunctions.send_task_failure(job.task_token, outcome.error, outcome.cause or "")
                count(Metric.VIDEOS_FAILED)  # transcode_failed is not retried by the state machine
            else:
                stepfunctions.send_task_heartbeat(job.task_token)
        except stepfunctions.TaskGone:
            logger.warning("MediaConvert event for a closed task: dropped", extra=log)
            continue
        logger.info("MediaConvert event handled", extra=log)
