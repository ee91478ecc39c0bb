"""Where moto 5.2.5 departs from AWS in ways the product depends on, made to behave like AWS.

- **Isolation.** moto serves requests on many threads and applies a transaction item by item without a lock, so
  concurrent clients see half-applied transactions, double-apply conditional writes, and now and then hit a 500
  ("dictionary changed size during iteration" in a Query). `isolate_dynamodb` runs every DynamoDB request under
  one lock: requests are serializable, as DynamoDB's transactions are with respect to other writes and GetItem.
- **Transactions without table copies.** moto deep-copies every table a transaction touches before applying it
  (to roll back), and keeps the copies referenced: ~40 ms and ~1.3 MB retained per transaction on a 2,000-item
  table, growing with the table. `transact_write_items` below checks every condition first (nothing is written if
  one fails, with the per-item cancellation reasons moto gives today), keeps an undo log of the previous version of
  each item it touches, and restores only those items if a write still fails.
- **Request routing.** moto's server lists its own package folder for every request, under a lock every request
  takes (`route_without_listing_moto`: read once).
- `SendTaskFailure` drops `cause`: its response handler passes only `error` to the backend, although the
  state-machine interpreter's backend accepts and stores the cause. The video pipeline stores the Cause a worker
  sends as the asset's `processing_error`, so locally every failure would read "null".

One implementation for the local runtime and the tests: `apply()` is called by the local runtime before the
emulator serves requests, the test suite calls `isolate_dynamodb()` once at start-up, and tests that execute
state machines call `apply(monkeypatch.setattr)` to scope the Step Functions fix to themselves.
"""

from __future__ import annotations

import copy
import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any

DYNAMODB_LOCK = threading.RLock()  # one per process: the emulator's DynamoDB requests run one at a time
MAX_TRANSACTION_ITEMS = 100


def _send_task_failure(self: Any) -> Any:
    from moto.core.responses import EmptyResult

    backend = self.stepfunction_backend
    token, error = self._get_param("taskToken"), self._get_param("error")
    if "cause" in inspect.signature(backend.send_task_failure).parameters:
        backend.send_task_failure(token, error=error, cause=self._get_param("cause"))
    else:  # the non-executing backend ignores failures altogether
        backend.send_task_failure(token, error=error)
    return EmptyResult()


def _locked(call_action: Callable[[Any], Any]) -> Callable[[Any], Any]:
    @functools.wraps(call_action)
    def call_action_locked(self: Any) -> Any:
        with DYNAMODB_LOCK:
            return call_action(self)

    call_action_locked.__moto_fix__ = True  # type: ignore[attr-defined]
    return call_action_locked


class _UndoLog:
    """The previous version of each item a transaction touches (None: it did not exist), to put back on failure."""

    def __init__(self) -> None:
        self._entries: list[tuple[Any, Any, Any, Any]] = []
        self._stream_lengths: dict[int, tuple[Any, int]] = {}

    def capture(self, table: Any, hash_key: Any, range_key: Any) -> None:
        self._entries.append((table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))))
        shard = table.stream_shard
        if shard is not None:
            self._stream_lengths.setdefault(id(shard), (shard, len(shard.items)))

    def restore(self) -> None:
        for table, hash_key, range_key, previous in reversed(self._entries):
            holder, slot = (table.items[hash_key], range_key) if table.has_range_key else (table.items, hash_key)
            if previous is None:
                holder.pop(slot, None)
            else:
                holder[slot] = previous
        for shard, length in self._stream_lengths.values():  # a rolled-back write never reaches the stream
            del shard.items[length:]


def _key_of(backend: Any, op_type: str, op: dict[str, Any]) -> tuple[Any, Any, Any]:
    table = backend.get_table(op["TableName"])
    if op_type == "Put":
        attrs = op["Item"]
        key = {table.hash_key_attr: attrs[table.hash_key_attr]}
        if table.range_key_attr is not None:
            key[table.range_key_attr] = attrs[table.range_key_attr]
    else:
        key = op["Key"]
    return (table, *backend.get_keys_value(table, key))


def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    """DynamoDB's TransactWriteItems: all or nothing, every condition checked before any write."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > MAX_TRANSACTION_ITEMS:
        raise TooManyTransactionsException()
    plan, seen = [], set()
    for item in transact_items:
        if len(item) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(item.items()))
        if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
            raise ValueError("Unsupported transaction operation")
        table, hash_key, range_key = _key_of(self, op_type, op)
        if (table.name, hash_key, range_key) in seen:
            raise MultipleTransactionsException()
        seen.add((table.name, hash_key, range_key))
        plan.append((op_type, op, table, hash_key, range_key))

    reasons: list[tuple[Any, Any, Any]] = []
    for _op_type, op, table, hash_key, range_key in plan:
        reasons.append((None, None, None))
        condition = op.get("ConditionExpression")
        if condition is None:
            continue
        current = table.get_item(hash_key, range_key)
        check = get_filter_expression(condition, op.get("ExpressionAttributeNames"),
                                      op.get("ExpressionAttributeValues"))
        if not check.expr(current):
            old = current.to_json()["Attributes"] if (
                op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current) else None
            reasons[-1] = ("ConditionalCheckFailed", "The conditional request failed", old)
    if any(code for code, _, _ in reasons):
        raise TransactionCanceledException(reasons)

    undo = _UndoLog()
    for index, (op_type, op, table, hash_key, range_key) in enumerate(plan):
        if op_type == "ConditionCheck":
            continue
        undo.capture(table, hash_key, range_key)
        names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
        try:
            if op_type == "Put":
                self.put_item(op["TableName"], op["Item"], expression_attribute_names=names,
                              expression_attribute_values=values)
            elif op_type == "Delete":
                self.delete_item(op["TableName"], op["Key"], expression_attribute_names=names,
                                 expression_attribute_values=values)
            else:
                self.update_item(op["TableName"], op["Key"], update_expression=op["UpdateExpression"],
                                 expression_attribute_names=names, expression_attribute_values=values)
        except Exception as exc:
            undo.restore()
            if isinstance(exc, MockValidationException):
                raise
            reasons[index] = (type(exc).__name__, str(exc), None)
            raise TransactionCanceledException(reasons) from exc


def isolate_dynamodb(set_attribute: Callable[[Any, str, Any], None] = setattr) -> None:
    """Serialize the emulator's DynamoDB requests and replace its table-copying transactions (idempotent)."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.responses import DynamoHandler

    if not getattr(DynamoHandler.call_action, "__moto_fix__", False):
        set_attribute(DynamoHandler, "call_action", _locked(DynamoHandler.call_action))
    set_attribute(DynamoDBBackend, "transact_write_items", transact_write_items)


def route_without_listing_moto(set_attribute: Callable[[Any, str, Any], None] = setattr) -> None:
    """moto's server finds the service of every request by listing moto's package folder (`os.listdir` and an
    `isdir` per entry, ~300 system calls), inside the lock all requests take: the folder does not change while the
    emulator runs, so its list is read once (its one caller only asks whether a name is in it)."""
    from moto import backends

    names = frozenset(backends.list_of_moto_modules())
    set_attribute(backends, "list_of_moto_modules", lambda: names)


def apply(set_attribute: Callable[[Any, str, Any], None] = setattr) -> None:
    from moto.stepfunctions.responses import StepFunctionResponse

    isolate_dynamodb(set_attribute)
    route_without_listing_moto(set_attribute)
    set_attribute(StepFunctionResponse, "send_task_failure", _send_task_failure)
