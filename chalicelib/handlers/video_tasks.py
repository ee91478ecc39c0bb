"""SQS worker for the video state machine's task steps (`video-tasks` queue): probe | transcode | record.

Each message carries a Step Functions task token (see statemachines/video_pipeline.asl.json). The worker first
sends a heartbeat — a token that is already closed (a duplicate delivery, a step that timed out and was retried)
means the work is no longer wanted, and it is dropped — then runs the task while a thread keeps heartbeating,
and completes the token: success with the task's output, or failure with an error name the state machine acts on.

Error names: a rejection's reason code (`not_video`, `no_video_stream`, `too_short`, `too_long`, `too_large`),
`transcode_failed`, `record_failed` — none retried — or `Video.Transient` for anything unexpected (a network
error, a throttled call), which the state machine retries with backoff. Causes never carry URLs (a presigned
URL holds a credential): they are stored on the asset and shown to its creator.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

HEARTBEAT_SECONDS = 30.0
PRESIGNED_URL_SECONDS = 900
TRANSIENT = "Video.Transient"


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


def classify(exc: Exception) -> tuple[str, str]:
    """(error name, cause) for a task that raised."""
    from chalicelib.errors import DomainError
    from chalicelib.integrations.probe import ProbeRejected, redact
    from chalicelib.integrations.transcoders import TranscodeFailed

    if isinstance(exc, ProbeRejected):
        return exc.code, exc.message
    if isinstance(exc, TranscodeFailed):
        return "transcode_failed", redact(str(exc))
    if isinstance(exc, DomainError):
        details = "; ".join(str(d.get("msg", "")) for d in exc.details)
        return "record_failed", exc.message + (f": {details}" if details else "")
    return TRANSIENT, redact(f"{type(exc).__name__}: {exc}")[:500]


def probe(message: dict[str, Any]) -> dict[str, Any]:
    """Is the upload a video we take? Its size, duration, display size and codecs."""
    from chalicelib.config import get_settings
    from chalicelib.integrations import media_store, storage
    from chalicelib.integrations.probe import check_size
    from chalicelib.integrations.probe import probe as run_probe

    settings = get_settings()
    bucket, key = message["bucket"], message["key"]
    size = media_store.size_of(bucket, key)
    check_size(size, settings.video_max_bytes)
    result = run_probe(storage.presign_object_get(bucket, key, PRESIGNED_URL_SECONDS),
                       min_seconds=settings.video_min_seconds, max_seconds=settings.video_max_seconds)
    return {**result.to_dict(), "size_bytes": size}


def transcode(message: dict[str, Any]) -> dict[str, Any] | None:
    """The ladder, poster and storyboard; None when the transcoder completes the token itself later."""
    from chalicelib.config import get_settings
    from chalicelib.integrations.probe import ProbeResult
    from chalicelib.integrations.transcoders import TranscodeRequest, get_transcoder

    settings = get_settings()
    request = TranscodeRequest(video_id=message["video_id"], task_token=message["task_token"],
                               source_bucket=message["bucket"], source_key=message["key"],
                               media_bucket=message.get("media_bucket") or settings.media_bucket,
                               probe=ProbeResult.from_dict(message["probe"]))
    return get_transcoder(settings.transcoder).transcode(request)


def record(message: dict[str, Any]) -> dict[str, Any]:
    """Store the renditions (what the transcoder did not measure comes from the probe) and mark the asset ready."""
    from chalicelib.services.video.pipeline import record_outputs

    probed = message.get("probe") or {}
    outputs = dict(message.get("outputs") or {})
    for name in ("duration_ms", "width", "height", "video_codec", "audio_codec"):
        if outputs.get(name) is None:
            outputs[name] = probed.get(name)
    outputs.setdefault("original_size_bytes", probed.get("size_bytes"))
    record_outputs(message["video_id"], outputs)
    return {"status": "ready"}


TASKS: dict[str, Callable[[dict[str, Any]], dict[str, Any] | None]] = {
    "probe": probe, "transcode": transcode, "record": record}


def handle(message: dict[str, Any]) -> None:
    """Run one task message and complete its token (raises only when the outcome could not be reported)."""
    from chalicelib.integrations import stepfunctions
    from chalicelib.observability import logger

    token, task = message.get("task_token"), message.get("task")
    log = {"task": task, "video_id": message.get("video_id")}
    if not isinstance(token, str) or not token or task not in TASKS:
        logger.error("not a video task message: dropped", extra=log)
        return
    try:
        stepfunctions.send_task_heartbeat(token)
    except stepfunctions.TaskGone:
        logger.warning("task token already closed: duplicate or timed-out task dropped", extra=log)
        return
    try:
        with Heartbeat(token):
            output = TASKS[task](message)
    except Exception as exc:
        error, cause = classify(exc)
        (logger.exception if error == TRANSIENT else logger.warning)("video task failed",
                                                                     extra={**log, "error": error})
        try:
            stepfunctions.send_task_failure(token, error, cause)
        except stepfunctions.TaskGone:
            logger.warning("task token gone: failure not reported", extra=log)
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
    for record_ in event:
        handle(json.loads(record_.body))
