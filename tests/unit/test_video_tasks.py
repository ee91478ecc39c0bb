"""The video task worker: stale tokens dropped, outcomes reported with the error names the state machine acts on,
heartbeats while a task runs, and no URL (a credential) in any cause."""

from __future__ import annotations

import json
import threading

import pytest
from chalice.app import SQSEvent

from chalicelib.errors import InvalidInput
from chalicelib.handlers import video_tasks
from chalicelib.integrations import stepfunctions
from chalicelib.integrations.probe import ProbeRejected
from chalicelib.integrations.transcoders.base import TranscodeFailed
from chalicelib.services.video import steps


class Sfn:
    """Records what the worker tells Step Functions; `gone` makes every call answer TaskGone."""

    def __init__(self, monkeypatch, gone: bool = False) -> None:
        self.calls: list[tuple] = []
        self.gone = gone
        self.beat = threading.Event()
        for name in ("send_task_success", "send_task_failure", "send_task_heartbeat"):
            monkeypatch.setattr(stepfunctions, name, self._record(name))

    def _record(self, name):
        def call(*args):
            self.calls.append((name, *args))
            if name == "send_task_heartbeat" and len(self.calls) > 1:
                self.beat.set()
            if self.gone:
                raise stepfunctions.TaskGone("TaskTimedOut")
        return call


def message(task="probe", **fields):
    return {"task": task, "task_token": "tok", "video_id": "vid_1", "bucket": "b", "key": "k", **fields}


def run(*messages) -> None:
    video_tasks.run_video_task(SQSEvent({"Records": [{"body": json.dumps(m), "receiptHandle": "r", "messageId": "1"}
                                                     for m in messages]}, None))


def with_task(monkeypatch, task: str, outcome):
    def fake(msg):
        if isinstance(outcome, Exception):
            raise outcome
        return outcome(msg) if callable(outcome) else outcome
    monkeypatch.setitem(steps.STEPS, task, fake)


def test_success_is_reported_with_the_task_output(monkeypatch):
    sfn = Sfn(monkeypatch)
    with_task(monkeypatch, "probe", {"duration_ms": 3000})
    run(message())
    assert sfn.calls == [("send_task_heartbeat", "tok"), ("send_task_success", "tok", {"duration_ms": 3000})]


def test_a_closed_token_means_the_work_is_not_done(monkeypatch):
    sfn = Sfn(monkeypatch, gone=True)
    ran = []
    with_task(monkeypatch, "transcode", lambda msg: ran.append(msg))
    run(message("transcode"))
    assert ran == [] and sfn.calls == [("send_task_heartbeat", "tok")]


@pytest.mark.parametrize("exc,error", [
    (ProbeRejected("too_short", "0.4 s is shorter than the minimum of 1 s"), "too_short"),
    (TranscodeFailed("FFmpeg could not make the HLS renditions (exit code 1)"), "transcode_failed"),
    (InvalidInput("the transcoder's outputs cannot be recorded", [{"msg": "variants must list 1 to 8 renditions"}]),
     "record_failed"),
    (ConnectionError("reset by peer"), "Video.Transient"),
])
def test_failures_are_reported_with_the_error_names_the_machine_acts_on(monkeypatch, exc, error):
    sfn = Sfn(monkeypatch)
    with_task(monkeypatch, "record", exc)
    run(message("record"))
    ((name, token, reported, cause),) = sfn.calls[1:]
    assert (name, token, reported) == ("send_task_failure", "tok", error)
    assert cause and (error != "record_failed" or "variants must list" in cause)


def test_causes_never_carry_urls(monkeypatch):
    sfn = Sfn(monkeypatch)
    with_task(monkeypatch, "probe", OSError("GET https://b.s3.amazonaws.com/k?X-Amz-Security-Token=SECRET failed"))
    run(message())
    cause = sfn.calls[-1][3]
    assert "SECRET" not in cause and "<url>" in cause and cause.startswith("OSError")


def test_a_failure_for_a_closed_token_is_dropped_and_garbage_is_ignored(monkeypatch):
    sfn = Sfn(monkeypatch)
    with_task(monkeypatch, "probe", ValueError("boom"))
    monkeypatch.setattr(stepfunctions, "send_task_failure", lambda *a: (_ for _ in ()).throw(
        stepfunctions.TaskGone("TaskTimedOut")))
    run(message(), {"task": "probe"}, {"task": "dance", "task_token": "tok"})  # no raise: nothing to redeliver
    assert sfn.calls == [("send_task_heartbeat", "tok")]


def test_a_submitted_job_leaves_the_token_to_its_completion_event(monkeypatch):
    sfn = Sfn(monkeypatch)
    with_task(monkeypatch, "transcode", None)
    run(message("transcode"))
    assert sfn.calls == [("send_task_heartbeat", "tok")]


def test_heartbeats_keep_coming_while_a_task_runs(monkeypatch):
    sfn = Sfn(monkeypatch)
    monkeypatch.setattr(video_tasks, "HEARTBEAT_SECONDS", 0.01)
    with_task(monkeypatch, "transcode", lambda msg: sfn.beat.wait(10) and {"ok": True})
    run(message("transcode"))
    beats = [c for c in sfn.calls if c[0] == "send_task_heartbeat"]
    assert len(beats) >= 2 and sfn.calls[-1] == ("send_task_success", "tok", {"ok": True})


def test_record_takes_what_the_transcoder_did_not_measure_from_the_probe(monkeypatch):
    from chalicelib.services.video import pipeline

    seen = {}
    monkeypatch.setattr(pipeline, "record_outputs", lambda video_id, outputs: seen.update(outputs, id=video_id))
    probe = {"duration_ms": 3000, "width": 1920, "height": 1080, "video_codec": "h264", "audio_codec": None,
             "size_bytes": 777}
    assert steps.record(message("record", probe=probe, outputs={"duration_ms": 3040, "master_key": "m"})) == {
        "status": "ready"}
    assert seen == {"id": "vid_1", "duration_ms": 3040, "master_key": "m", "width": 1920, "height": 1080,
                    "video_codec": "h264", "audio_codec": None, "original_size_bytes": 777}
