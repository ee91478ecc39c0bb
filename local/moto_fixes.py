"""Where moto 5.2.5 departs from AWS in ways the product depends on, made to behave like AWS.

- `SendTaskFailure` drops `cause`: its response handler passes only `error` to the backend, although the
  state-machine interpreter's backend accepts and stores the cause. The video pipeline stores the Cause a worker
  sends as the asset's `processing_error`, so locally every failure would read "null".

`apply()` is called by the local runtime (before the emulator serves requests) and by tests that execute state
machines; pass pytest's `monkeypatch.setattr` to scope it to one test.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any


def _send_task_failure(self: Any) -> Any:
    from moto.core.responses import EmptyResult

    backend = self.stepfunction_backend
    token, error = self._get_param("taskToken"), self._get_param("error")
    if "cause" in inspect.signature(backend.send_task_failure).parameters:
        backend.send_task_failure(token, error=error, cause=self._get_param("cause"))
    else:  # the non-executing backend ignores failures altogether
        backend.send_task_failure(token, error=error)
    return EmptyResult()


def apply(set_attribute: Callable[[Any, str, Any], None] = setattr) -> None:
    from moto.stepfunctions.responses import StepFunctionResponse

    set_attribute(StepFunctionResponse, "send_task_failure", _send_task_failure)
