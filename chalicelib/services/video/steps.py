"""The work of the state machine's worker steps (probe | transcode | record), and what a transcode job's event
means for its step. The handlers only carry task tokens and heartbeats; the decisions are made here.

Error names (`classify`): a rejection's reason code (`not_video`, `no_video_stream`, `too_short`, `too_long`,
`too_large`), `transcode_failed`, `record_failed` — none retried — or `Video.Transient` for anything unexpected,
which the state machine retries with backoff. Causes never carry URLs (a presigned URL holds a credential): they
are stored on the asset and shown to its creator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.config import get_settings
from chalicelib.errors import DomainError
from chalicelib.integrations import media_store, storage
from chalicelib.integrations.probe import ProbeRejected, ProbeResult, check_size, redact
from chalicelib.integrations.probe import probe as run_probe
from chalicelib.integrations.transcoders import get_transcoder, mediaconvert
from chalicelib.integrations.transcoders.base import TranscodeFailed, TranscodeRequest
from chalicelib.services.video import pipeline

PRESIGNED_URL_SECONDS = 900
TRANSIENT = "Video.Transient"
TRANSCODE_FAILED = "transcode_failed"
JOB_FAILED_STATUSES = ("ERROR", "CANCELED")


def probe(message: dict[str, Any]) -> dict[str, Any]:
    """Is the upload a video we take? Its size, duration, display size and codecs."""
    settings = get_settings()
    bucket, key = message["bucket"], message["key"]
    size = media_store.size_of(bucket, key)
    check_size(size, settings.video_max_bytes)
    result = run_probe(storage.presign_object_get(bucket, key, PRESIGNED_URL_SECONDS),
                       min_seconds=settings.video_min_seconds, max_seconds=settings.video_max_seconds)
    return {**result.to_dict(), "size_bytes": size}


def transcode(message: dict[str, Any]) -> dict[str, Any] | None:
    """The ladder, poster and storyboard; None when the transcoder completes the token itself later."""
    settings = get_settings()
    request = TranscodeRequest(video_id=message["video_id"], task_token=message["task_token"],
                               source_bucket=message["bucket"], source_key=message["key"],
                               media_bucket=message.get("media_bucket") or settings.media_bucket,
                               probe=ProbeResult.from_dict(message["probe"]))
    return get_transcoder(settings.transcoder).transcode(request)


def record(message: dict[str, Any]) -> dict[str, Any]:
    """Store the renditions (what the transcoder did not measure comes from the probe) and mark the asset ready."""
    probed = message.get("probe") or {}
    outputs = dict(message.get("outputs") or {})
    for name in ("duration_ms", "width", "height", "video_codec", "audio_codec"):
        if outputs.get(name) is None:
            outputs[name] = probed.get(name)
    outputs.setdefault("original_size_bytes", probed.get("size_bytes"))
    pipeline.record_outputs(message["video_id"], outputs)
    return {"status": "ready"}


STEPS: dict[str, Callable[[dict[str, Any]], dict[str, Any] | None]] = {
    "probe": probe, "transcode": transcode, "record": record}


def classify(exc: Exception) -> tuple[str, str]:
    """(error name, cause) for a step that raised."""
    if isinstance(exc, ProbeRejected):
        return exc.code, exc.message
    if isinstance(exc, TranscodeFailed):
        return TRANSCODE_FAILED, redact(str(exc))
    if isinstance(exc, DomainError):
        details = "; ".join(str(d.get("msg", "")) for d in exc.details)
        return "record_failed", exc.message + (f": {details}" if details else "")
    return TRANSIENT, redact(f"{type(exc).__name__}: {exc}")[:500]


@dataclass(frozen=True)
class JobOutcome:
    """What a transcode job's state change means for its step: `outputs` (succeed), `error` + `cause` (fail), or
    neither (a heartbeat: the job is still running)."""

    job: mediaconvert.JobEvent
    outputs: dict[str, Any] | None = None
    error: str | None = None
    cause: str | None = None


def job_outcome(event: dict[str, Any]) -> JobOutcome:
    """A MediaConvert "Job State Change": COMPLETE → the outputs, renditions measured in the media bucket;
    ERROR/CANCELED (or a COMPLETE without usable outputs) → `transcode_failed`; anything else → a heartbeat.
    A job without a task token is not ours: nothing is judged (the handler drops it)."""
    job = mediaconvert.parse_event(event)
    if not job.task_token or job.status not in (*JOB_FAILED_STATUSES, "COMPLETE"):
        return JobOutcome(job)
    if job.status in JOB_FAILED_STATUSES:
        return JobOutcome(job, error=TRANSCODE_FAILED, cause=mediaconvert.failure_cause(job))
    bucket = get_settings().media_bucket
    try:
        outputs = mediaconvert.outputs_from_event(job, bucket)
    except (KeyError, IndexError, ValueError) as exc:
        return JobOutcome(job, error=TRANSCODE_FAILED, cause=f"unusable job outputs: {exc}")
    for variant in outputs["variants"]:
        variant["size_bytes"] = media_store.prefix_size(bucket, mediaconvert.rendition_prefix(variant["playlist_key"]))
    return JobOutcome(job, outputs=outputs)
