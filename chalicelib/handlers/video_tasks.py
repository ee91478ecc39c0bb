"""SQS worker for the video state machine's task steps (`video-tasks` queue): probe | transcode | record.

Each message carries a Step Functions task token (see statemachines/video_pipeline.asl.json). The worker first
sends a heartbeat — a token that is already closed (a duplicate delivery, a step that timed out and was retried)
means the work is no longer wanted, and it is dropped — then runs the task while a thread keeps heartbeating,
and completes the token: success with the task's output, or failure with the error name `services.video.steps`
gives it (which the state machine acts on). The work itself is `services.video.steps`.
"""

from __future__ import annotations

import json
import threading
from typing import Any

HEARTBEAT_SECONDS = 30.0


class Heartbeat:
    """Sends a heartbeat for `token` every `every` seconds while the block runs; stops for good once the token is
    gone. A failed heartbeat is logged, never raised: the task's own outcome is what gets reported."""

    def __init__(self, token: str, every: float | None = None) -> None:
        self._token = token
        self._every = every or HEARTBEAT_SECONDS
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="video-task-heartbeat", daemon=True)

    def _beat(self) -> None:
        from chalicelib.integrations import stepfunctions
        from chalicelib.observability import logger

        while not self._stop.wait(self._every):
            try:
                stepfunctions.send_task_heartbeat(self._token)
            except stepfunctions.TaskGone:
                logger.warning("task token gone while working; heartbeats stop")
                return
            except Exception:  # the next beat may get through; the step's HeartbeatSeconds is the judge
                logger.exception("heartbeat failed")

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def handle(message: dict[str, Any]) -> None:
    """Run one task message and complete its token (raises only when the outcome could not be reported)."""
    from chalicelib.integrations import stepfunctions
    from chalicelib.observability import Metric, annotate, count, logger
    from chalicelib.services.video import steps

    token, task = message.get("task_token"), message.get("task")
    log = {"task": task, "video_id": message.get("video_id")}
    annotate(video_id=message.get("video_id"))
    if not isinstance(token, str) or not token or task not in steps.STEPS:
        logger.error("not a video task message: dropped", extra=log)
        return
    try:
        stepfunctions.send_task_heartbeat(token)
    except stepfunctions.TaskGone:
        logger.warning("task token already closed: duplicate or timed-out task dropped", extra=log)
        return
    try:
        with Heartbeat(token):
            output = steps.STEPS[task](message)
    except Exception as exc:
        error, cause = steps.classify(exc)
        report = logger.exception if error == steps.TRANSIENT else logger.warning
        report("video task failed", extra={**log, "error": error})
        try:
            stepfunctions.send_task_failure(token, error, cause)
        except stepfunctions.TaskGone:
            logger.warning("task token gone: failure not reported", extra=log)
            return
        if error != steps.TRANSIENT:  # the state machine retries only transient errors: the video has failed
            count(Metric.VIDEOS_FAILED)
        return
    if output is None:
        logger.info("video task submitted; its completion event closes the token", extra=log)
        return
    try:
        stepfunctions.send_task_success(token, output)
    except stepfunctions.TaskGone:
        logger.warning("task token gone: result dropped", extra=log)
        return
    logger.info("video task done", extra=log)


def run_video_task(event: Any) -> None:
    """`@app.on_sqs_message` on the `video-tasks` queue (batch size 1)."""
    for record in event:
        handle(json.loads(record.body))
