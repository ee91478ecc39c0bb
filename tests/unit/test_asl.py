"""The video pipeline's ASL: every Task retries transient errors only and ends in MarkFailed when it cannot go on,
callback tasks cannot hang, every transition exists, placeholders are exactly `PLACEHOLDERS`, and moto's
interpreter (which runs it locally) accepts it."""

from __future__ import annotations

import json

import pytest

from infra.state_machine import DEFINITION, PLACEHOLDERS, placeholders_in, render

VALUES = {"VideoAssetsTable": "cm-test-video-assets",
          "VideoTasksQueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/cm-test-video-tasks",
          "MediaBucket": "cm-test-media"}
CALLBACK = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
# Verdicts on the file or the outputs: retrying them cannot change the answer.
REASON_CODES = ("not_video", "no_video_stream", "too_short", "too_long", "too_large", "transcode_failed",
                "record_failed")


@pytest.fixture(scope="module")
def asl() -> dict:
    return json.loads(render(VALUES))


def tasks(asl: dict) -> dict[str, dict]:
    return {name: state for name, state in asl["States"].items() if state["Type"] == "Task"}


def test_every_task_retries_with_backoff_and_catches_everything(asl):
    assert len(tasks(asl)) == 5
    for name, state in tasks(asl).items():
        assert state.get("Retry"), name
        for retrier in state["Retry"]:
            assert retrier["IntervalSeconds"] >= 1 and retrier["BackoffRate"] >= 1.5
            assert 1 <= retrier["MaxAttempts"] <= 5
            assert "States.ALL" not in retrier["ErrorEquals"] and "States.TaskFailed" not in retrier["ErrorEquals"]
        catch_all = [c for c in state["Catch"] if c["ErrorEquals"] == ["States.ALL"]]
        assert len(catch_all) == 1 and state["Catch"][-1] is catch_all[0], name  # the catch-all comes last
        if name == "MarkFailed":  # it cannot catch into itself: the execution still ends failed
            assert catch_all[0]["Next"] == "Failed"
        else:
            assert catch_all[0] == {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "MarkFailed"}


def test_reason_codes_are_never_retried_and_transient_errors_are(asl):
    retried = {error for state in tasks(asl).values() for r in state["Retry"] for error in r["ErrorEquals"]}
    assert not retried & set(REASON_CODES)
    for name in ("Probe", "Transcode", "Record"):
        errors = {e for r in asl["States"][name]["Retry"] for e in r["ErrorEquals"]}
        assert {"Video.Transient", "States.HeartbeatTimeout", "SQS.AmazonSQSException"} <= errors, name


def test_callback_tasks_have_heartbeats_and_timeouts(asl):
    callbacks = {name: s for name, s in tasks(asl).items() if s["Resource"] == CALLBACK}
    assert set(callbacks) == {"Probe", "Transcode", "Record"}
    for name, state in callbacks.items():
        assert isinstance(state["HeartbeatSeconds"], int) and isinstance(state["TimeoutSeconds"], int), name
        assert 60 <= state["HeartbeatSeconds"] < state["TimeoutSeconds"], name
        body = state["Parameters"]["MessageBody"]
        assert body["task"] == name.lower() and body["task_token.$"] == "$$.Task.Token"
        assert body["video_id.$"] == "$.video_id" and state["Parameters"]["QueueUrl"] == VALUES["VideoTasksQueueUrl"]


def test_worker_understands_every_task_the_machine_sends(asl):
    from chalicelib.services.video.steps import STEPS

    sent = {s["Parameters"]["MessageBody"]["task"] for s in tasks(asl).values() if s["Resource"] == CALLBACK}
    assert sent == set(STEPS)


def test_transitions_exist_and_every_state_is_reachable(asl):
    states = asl["States"]
    assert asl["StartAt"] in states
    edges: dict[str, set[str]] = {}
    for name, state in states.items():
        targets = {state[key] for key in ("Next", "Default") if key in state}
        targets |= {c["Next"] for c in state.get("Catch", []) + state.get("Choices", [])}
        assert targets <= set(states), (name, targets - set(states))
        assert targets or state["Type"] in ("Succeed", "Fail") or state.get("End"), name
        edges[name] = targets
    seen, todo = set(), [asl["StartAt"]]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(edges[name])
    assert seen == set(states)


def test_failures_store_error_and_cause_only_while_processing(asl):
    mark = asl["States"]["MarkFailed"]["Parameters"]
    values = mark["ExpressionAttributeValues"]
    assert values[":code"] == {"S.$": "$.error.Error"}
    assert "$.error.Cause" in values[":cause"]["S.$"]
    assert "error_code = :code" in mark["UpdateExpression"] and "processing_error = :cause" in mark["UpdateExpression"]
    assert mark["ConditionExpression"] == "#status = :processing"  # a ready video never turns failed
    assert mark["TableName"] == VALUES["VideoAssetsTable"]


def test_an_asset_that_is_not_processable_is_left_alone(asl):
    claim = asl["States"]["MarkProcessing"]
    assert claim["Catch"][0] == {"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "ResultPath": "$.error",
                                 "Next": "NotProcessable"}
    assert asl["States"]["NotProcessable"]["Type"] == "Fail"
    assert claim["Parameters"]["ExpressionAttributeValues"][":execution"] == {"S.$": "$$.Execution.Id"}


def test_placeholders_are_exactly_the_declared_ones():
    text = DEFINITION.read_text()
    assert placeholders_in(text) == set(PLACEHOLDERS)
    rendered = render(VALUES)
    assert "${" not in rendered and placeholders_in(rendered) == set()
    assert VALUES["MediaBucket"] in rendered


def test_render_refuses_missing_or_unknown_values_and_escapes():
    with pytest.raises(ValueError, match="missing"):
        render({k: v for k, v in VALUES.items() if k != "MediaBucket"})
    with pytest.raises(ValueError, match="unknown"):
        render({**VALUES, "Extra": "x"})
    with pytest.raises(ValueError, match="unknown"):
        render(VALUES, text='{"a": "${NotDeclared}", "b": "${MediaBucket}"}')
    quoted = json.loads(render({**VALUES, "MediaBucket": 'we"ird\\name'}, text='{"bucket": "${MediaBucket}"}'))
    assert quoted == {"bucket": 'we"ird\\name'}


def test_moto_interpreter_parses_it():
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    program, _ = AmazonStateLanguageParser.parse(render(VALUES))
    assert program is not None
