"""Step Functions, as the video pipeline uses it: start an execution once per name, complete task tokens.

A task token can go stale while a worker runs (its heartbeat or timeout expired, the execution was stopped, a
duplicate SQS delivery of a token already completed): AWS then answers TaskTimedOut / TaskDoesNotExist /
InvalidToken, raised here as `TaskGone` so callers drop the work instead of retrying it.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.integrations.aws import client

GONE = ("TaskTimedOut", "TaskDoesNotExist", "InvalidToken")
MAX_CAUSE_CHARS = 2000  # Step Functions allows 32 KiB; the cause ends up in the asset row and the API


class TaskGone(Exception):  # noqa: N818 - a state, not a failure of ours
    """The token no longer belongs to a waiting task: nothing can be reported to it."""


def _code(exc: Exception) -> str:
    return getattr(exc, "response", {}).get("Error", {}).get("Code", "")


def start_execution(state_machine_arn: str, name: str, payload: dict[str, Any]) -> str | None:
    """Start `name` with `payload`; the execution arn, or None when that name was already used.

    Step Functions makes names unique per state machine (for 90 days): the same name and input while it runs
    returns the running execution; a closed one, or other input, is refused — either way nothing new starts."""
    from botocore.exceptions import ClientError

    try:
        response = client("stepfunctions").start_execution(
            stateMachineArn=state_machine_arn, name=name, input=json.dumps(payload, sort_keys=True))
    except ClientError as exc:
        if _code(exc) == "ExecutionAlreadyExists":
            return None
        raise
    return response["executionArn"]


def _call(operation: str, **params: Any) -> None:
    from botocore.exceptions import ClientError

    try:
        getattr(client("stepfunctions"), operation)(**params)
    except ClientError as exc:
        if _code(exc) in GONE:
            raise TaskGone(_code(exc)) from None
        raise


def send_task_success(token: str, output: dict[str, Any]) -> None:
    _call("send_task_success", taskToken=token, output=json.dumps(output))


def send_task_failure(token: str, error: str, cause: str) -> None:
    _call("send_task_failure", taskToken=token, error=error[:256], cause=cause[:MAX_CAUSE_CHARS])


def send_task_heartbeat(token: str) -> None:
    _call("send_task_heartbeat", taskToken=token)
