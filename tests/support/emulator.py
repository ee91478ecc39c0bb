"""moto for the tests: fresh tables cheaply, server mode made safe for concurrency, DynamoDB call counting, free ports.

Each pytest-xdist worker is its own process, so everything here (moto's backends, the pristine tables, botocore's
data cache, PynamoDB's connections) is per worker; nothing is shared between workers.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import socket
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import botocore.loaders
import botocore.session

T = TypeVar("T")


def share_botocore_data() -> None:
    """Let every botocore Session of this process share one data loader (and so its cache of parsed JSON).

    botocore parses endpoints.json, partitions and each service model once per Session, ~0.2 s per Session.
    Sessions are still made often in tests: boto3 clients under each fresh `mock_aws`, and the models' shared
    client again after every `drop_connections` (moto server mode, `count_calls`). The data files are read-only
    and a Session never writes to what its loader returns, so sharing changes nothing but the time spent."""
    if not isinstance(botocore.session.create_loader, functools._lru_cache_wrapper):
        botocore.session.create_loader = functools.cache(botocore.loaders.create_loader)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def drop_connections() -> None:
    """Forget every cached PynamoDB connection, the models' shared client and the mailer's SES client: the next
    call builds a new botocore client, which picks up `AWS_ENDPOINT_URL` and the call-counting hook (both are read
    only when a client is created). Without it a client made under the in-process mock would go to real AWS in
    server mode."""
    from pynamodb.models import Model

    from chalicelib.integrations import mail
    from chalicelib.models import base
    from chalicelib.services.core import db

    mail.mailer.cache_clear()

    pending = [Model]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if "_connection" in cls.__dict__:
            cls._connection = None
    db._connection = None
    base.forget_shared_client()


def share_one_client() -> None:
    """Make the models' one shared client (`chalicelib.models.base`) and every model's connection to it now, before
    the threads of a server-mode test share the models."""
    from chalicelib.models import ALL_MODELS
    from chalicelib.services.core import db

    for model in ALL_MODELS:
        model._get_connection()
    db.transaction()


# --- tables ----------------------------------------------------------------------------------------------

_pristine: dict[tuple, tuple[str, str, dict[str, Any]]] = {}  # table names -> (account, region, empty tables)


def _table_names() -> tuple[str, ...]:
    from chalicelib.models import ALL_MODELS

    return tuple((model.Meta.region, model.Meta.table_name) for model in ALL_MODELS)


def install_tables() -> None:
    """Every table of `chalicelib.models` (with its indexes) in the running moto, empty.

    The first call in a process creates them for real (`local.resources.create_tables`, the runner's own code),
    and keeps a copy of moto's empty tables; later calls put a deep copy of those into moto's DynamoDB backend
    (the copy moto itself takes to roll a transaction back): ~30 ms instead of ~100 DynamoDB calls. moto must be
    freshly reset (a new `mock_aws`, or `reset_moto()` before a server-mode test)."""
    from moto.dynamodb.models import dynamodb_backends

    from local.resources import create_tables

    key = _table_names()
    if key not in _pristine:
        assert not any(backend.tables for regional in dynamodb_backends.values() for backend in regional.values()), \
            "install_tables() needs an empty moto: start a new mock_aws or reset_moto()"
        create_tables()
        holders = [(account, region, backend) for account, regional in dynamodb_backends.items()
                   for region, backend in regional.items() if backend.tables]
        assert len(holders) == 1, [(account, region) for account, region, _ in holders]
        account, region, backend = holders[0]
        assert {name for _, name in key} <= set(backend.tables), "create_tables() did not create every table"
        _pristine[key] = (account, region, copy.deepcopy(dict(backend.tables)))
        return
    account, region, tables = _pristine[key]
    backend = dynamodb_backends[account][region]
    assert not backend.tables, "install_tables() needs an empty moto: start a new mock_aws or reset_moto()"
    backend.tables.update(copy.deepcopy(tables))


def _tables_backend() -> Any:
    """The moto DynamoDB backend `install_tables` put the tables in (same account and region every time)."""
    from moto.dynamodb.models import dynamodb_backends

    account, region, _ = _pristine[_table_names()]
    return dynamodb_backends[account][region]


class _CallWatch:
    """Names the AWS services called while `watching` (a botocore `before-call` hook in every new Session)."""

    def __init__(self) -> None:
        self.watching = 0
        self.services: set[str] = set()

    def __call__(self, model, **_kwargs) -> None:
        if self.watching:
            self.services.add(model.service_model.service_name)


_CALLS = _CallWatch()


def watch_aws_calls() -> None:
    """Register `_CALLS` with every botocore Session created from now on (tests/conftest.py does it at import)."""
    from botocore.handlers import BUILTIN_HANDLERS

    if ("before-call", _CALLS) not in BUILTIN_HANDLERS:
        BUILTIN_HANDLERS.append(("before-call", _CALLS))


_prebuilt: dict[tuple, tuple[Any, dict[str, Any]]] = {}


def prebuilt(name: str, build: Callable[[], T]) -> T:
    """What `build()` returns and writes, built once per worker and restored for every later test.

    For a fixture that builds the same data for many tests (a course with quizzes is ~40 DynamoDB calls): the first
    call runs `build()` on the freshly installed, still empty tables and keeps a copy of its result and of moto's
    tables afterwards; a later call, again on empty tables, puts a copy of those tables into moto and returns a copy
    of the result (same ids, same items, ~30 ms). Every test still starts from exactly the state `build()` leaves.
    `build()` may only write DynamoDB (checked: any other AWS call, e.g. an S3 upload, fails the first build) and
    must not depend on the test (its parameters, monkeypatches). If anything was written before the call, `build()`
    simply runs."""
    backend = _tables_backend()
    if any(len(table) for table in backend.tables.values()):
        return build()
    key = (name, _table_names())
    if key in _prebuilt:
        result, tables = _prebuilt[key]
        backend.tables.clear()
        backend.tables.update(copy.deepcopy(tables))
        return copy.deepcopy(result)
    _CALLS.watching += 1
    _CALLS.services.clear()
    try:
        result = build()
    finally:
        _CALLS.watching -= 1
    others = _CALLS.services - {"dynamodb"}
    assert not others, f"prebuilt({name!r}) can only restore DynamoDB, but its build also called {sorted(others)}"
    _prebuilt[key] = (copy.deepcopy(result), copy.deepcopy(dict(backend.tables)))
    return result


def prebuilt_fixture(fixture: Callable[..., T]) -> Callable[..., T]:
    """`@pytest.fixture` then `@prebuilt_fixture`: the fixture's value and writes come from `prebuilt` (its result
    must be plain data: it is deep-copied for each test)."""
    name = f"{fixture.__module__}.{fixture.__qualname__}"

    @functools.wraps(fixture)  # pytest reads the fixture's parameters through __wrapped__
    def restored(*args: Any, **kwargs: Any) -> T:
        return prebuilt(name, lambda: fixture(*args, **kwargs))

    return restored


def reset_moto() -> None:
    """Empty every moto backend of this process (what `mock_aws` does when it starts and stops)."""
    from moto.core.base_backend import BackendDict

    BackendDict.reset()


@contextlib.contextmanager
def fresh_aws(**config: Any) -> Iterator[None]:
    """An in-process moto account with every table (not safe under concurrency: use server mode)."""
    from moto import mock_aws

    from chalicelib.integrations import mail

    with mock_aws(config=config or None):
        install_tables()
        mail.mailer.cache_clear()  # SES verifies its sender once per client: a fresh account needs a fresh client
        yield


# --- server mode -------------------------------------------------------------------------------------------


def isolate_dynamodb() -> None:
    """DynamoDB's isolation for moto, in process and in server mode: the one implementation the local runtime also
    applies (`local/moto_fixes.py`: a lock per DynamoDB request, transactions checked first and undone item by
    item instead of copying whole tables — which also makes every transactional test faster)."""
    from local import moto_fixes

    moto_fixes.isolate_dynamodb()


# --- DynamoDB call counting ----------------------------------------------------------------------------------


@contextlib.contextmanager
def count_calls() -> Iterator[Any]:
    """`with count_calls() as calls:` counts the DynamoDB calls made inside, by operation."""
    from tests.bench.ddb_counter import COUNTER

    drop_connections()
    with COUNTER.record() as calls:
        yield calls
