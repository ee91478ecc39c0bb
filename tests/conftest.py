"""Test environment: fake AWS credentials, a test table prefix and a local identity provider.

The environment is set before any `chalicelib` import, because settings and table names are read once. Under
pytest-xdist every worker is a process of its own and imports this module itself: its own state directory, key
pair, moto backends, ports and localstripe. Tests that share an expensive session fixture are grouped onto one
worker (`pytest_collection_modifyitems` below; see tests/README.md).
"""

from __future__ import annotations

import functools
import json
import os
import sys
import tempfile
from pathlib import Path

import pytest

from local.identity import LocalIdp
from tests.support import moto_speed
from tests.support.emulator import (
    drop_connections,
    free_port,
    fresh_aws,
    install_tables,
    isolate_dynamodb,
    reset_moto,
    share_botocore_data,
    share_one_client,
    watch_aws_calls,
)

_STATE = Path(tempfile.mkdtemp(prefix="cm-tests-"))
IDP = LocalIdp.generate(kid="test-key-1")
os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
    "STAGE": "test", "TABLE_PREFIX": "cm-test", "CORS_ALLOW_ORIGIN": "https://app.test",
    "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
    "POWERTOOLS_TRACE_DISABLED": "true",  # X-Ray is for Lambda; tests/integration/test_tracing.py turns it on
    **IDP.env(IDP.write_jwks(_STATE / "jwks.json")),
})
os.environ.pop("AWS_ENDPOINT_URL", None)


def pytest_configure(config: pytest.Config) -> None:
    """Speed-ups of the emulator for the test run (tests/support/emulator.py), before any botocore Session exists.
    In pytest only: tests/bench imports this module for its environment and measures moto as it is."""
    share_botocore_data()
    moto_speed.apply()
    watch_aws_calls()
    isolate_dynamodb()


# Session fixtures that are expensive to build, and the xdist group of the tests that use them: with
# `--dist loadgroup` a group runs on one worker, so each is built once per run instead of once per worker.
EXPENSIVE_FIXTURES = {
    "stack": "local-runtime",  # tests/e2e and tests/browser: `python -m local.run` (moto, chalice local, pump)
    "template": "cdk-synth",  # tests/infra: `chalice package` + the CDK synth of the prod stack
}


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which turns the group into a suffix of the node id
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test of an expensive group, and keep a group's tests together (in their order, where the group's
    first test was): without xdist too they then run one after another, so the local runtime can stop after the
    last of them (`pytest_runtest_teardown`) instead of idling to the end of the session."""
    for item in items:
        groups = {group for fixture, group in EXPENSIVE_FIXTURES.items() if fixture in item.fixturenames}
        assert len(groups) <= 1, f"{item.nodeid} uses the fixtures of two groups: {sorted(groups)}"
        if groups and item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(groups.pop()))
    first_at: dict[str, int] = {}
    for index, item in enumerate(items):
        marker = item.get_closest_marker("xdist_group")
        if marker is not None:
            first_at.setdefault(marker.args[0], index)

    def position(indexed: tuple[int, pytest.Item]) -> tuple[int, int]:
        index, item = indexed
        marker = item.get_closest_marker("xdist_group")
        return (first_at[marker.args[0]] if marker is not None else index, index)

    items[:] = [item for _, item in sorted(enumerate(items), key=position)]


_RUNTIMES: list = []  # the local runtime of this process, once started (at most one)


@pytest.hookimpl(trylast=True)  # after the test's own fixtures are torn down
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """The local runtime stops (with its Ctrl-C check) after the last test that uses it: its group's tests run one
    after another (above), and an idle runtime still polls its queues and streams for the rest of the session."""
    if _RUNTIMES and "stack" in item.fixturenames and (nextitem is None or "stack" not in nextitem.fixturenames):
        from tests.support import runtime

        runtime.ctrl_c(_RUNTIMES.pop())


@pytest.fixture(autouse=True)
def _session_settings_stay():
    """A test leaves the process's cached settings as the session's (`tests/support/payouts.settings_changed`
    shows how to change one): settings re-read inside chalice's test `Client` hold the dev stage's variables, and
    stayed cached for every later test of the worker (wrong tables, queues and buckets: failures far away)."""
    yield
    config = sys.modules.get("chalicelib.config")
    if config is not None and config.get_settings.cache_info().currsize:
        settings = config.get_settings()
        assert (settings.stage, settings.table_prefix) == ("test", "cm-test"), \
            f"this test left settings of stage {settings.stage!r} cached"


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """The local runtime (`python -m local.run`: moto server, `chalice local`, pump, localstripe, demo data) on free
    ports, for tests/e2e and tests/browser: started once per session (one worker runs its group), stopped after the
    group's last test with a Ctrl-C whose clean exit is checked (`runtime.ctrl_c`: a failure there is an error of
    that test); at the session's end if it is still running."""
    from tests.support import runtime

    started = runtime.start(tmp_path_factory.mktemp("local-runtime"))
    _RUNTIMES.append(started)
    try:
        yield started
    finally:
        if started in _RUNTIMES:
            _RUNTIMES.remove(started)
            runtime.ctrl_c(started)


@pytest.fixture
def idp() -> LocalIdp:
    return IDP


@functools.cache
def token_for(user: str) -> str:
    """A valid ID token for `user` from the test IdP, minted once per user and worker (signing loads the RSA key,
    ~45 ms; tokens live 12 h)."""
    return IDP.mint(user, email=f"{user}@example.com", name=user.title())


@pytest.fixture
def aws():
    """An in-process moto account with every table (not safe under concurrency: use server mode)."""
    with fresh_aws():
        yield


class Api:
    """A thin JSON wrapper over chalice's test client that signs requests as a given user."""

    def __init__(self, client, idp) -> None:
        self._client = client
        self._idp = idp

    def token(self, user: str) -> str:
        if self._idp is IDP:
            return token_for(user)
        return self._idp.mint(user, email=f"{user}@example.com", name=user.title())

    def call(self, method: str, path: str, user: str | None = None, body=None, token: str | None = None,
             headers: dict | None = None):
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if token or user:
            all_headers["Authorization"] = f"Bearer {token or self.token(user)}"
        raw = body if isinstance(body, (str, bytes)) or body is None else json.dumps(body)
        response = getattr(self._client.http, method.lower())(path, headers=all_headers, body=raw)
        response.json = json.loads(response.body) if response.body else None
        return response

    def creator(self, user: str) -> str:
        assert self.call("POST", "/v1/creator/account", user, {"display_name": user.title()}).status_code in (200, 201)
        return user

    def product(self, user: str, **fields):
        body = {"product_type": "ebook", "title": "A book", "pricing_type": "fixed", "price_cents": 1500,
                "description": "Read me", **fields}
        response = self.call("POST", "/v1/products", user, body)
        assert response.status_code == 201, response.json
        return response.json

    def published(self, user: str, **fields):
        product = self.product(user, **fields)
        if product["product_type"] == "course":  # publishing a course needs a lesson
            path = f"/v1/products/{product['product_id']}"
            module = self.call("POST", f"{path}/modules", user, {"title": "Module"}).json
            assert self.call("POST", f"{path}/modules/{module['module_id']}/lessons", user,
                             {"title": "Lesson"}).status_code == 201
        response = self.call("POST", f"/v1/products/{product['product_id']}/publish", user)
        assert response.status_code == 200, response.json
        return response.json


@pytest.fixture(scope="module")
def module_api():
    """One emulator and client for a whole module (access matrices: every test uses its own caller, so none
    disturbs another, and the content is built once instead of once per cell)."""
    from chalice.test import Client

    from app import app

    with fresh_aws(), Client(app) as client:
        yield Api(client, IDP)


@pytest.fixture
def api(aws, idp):
    from chalice.test import Client

    from app import app

    with Client(app) as client:
        yield Api(client, idp)


@pytest.fixture
def moto_server(monkeypatch):
    """moto in server mode on a free 127.0.0.1 port, with every table: the in-process mock is not thread-safe,
    so every concurrency test runs here (in this process, isolated like DynamoDB by `isolate_dynamodb`)."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    drop_connections()
    try:
        reset_moto()  # the server serves this process's backends: start from nothing, like `mock_aws`
        install_tables()
        share_one_client()  # made here, before any thread shares the models
        yield
    finally:
        drop_connections()
        server.stop()
        reset_moto()
