"""Test environment: fake AWS credentials, a test table prefix and a local identity provider.

The environment is set before any `chalicelib` import, because settings and table names are read once.
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
import threading
from pathlib import Path

import pytest
from moto import mock_aws

from local.identity import LocalIdp

_STATE = Path(tempfile.mkdtemp(prefix="cm-tests-"))
IDP = LocalIdp.generate(kid="test-key-1")
os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
    "STAGE": "test", "TABLE_PREFIX": "cm-test", "CORS_ALLOW_ORIGIN": "https://app.test",
    "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
    **IDP.env(IDP.write_jwks(_STATE / "jwks.json")),
})
os.environ.pop("AWS_ENDPOINT_URL", None)


@pytest.fixture
def idp() -> LocalIdp:
    return IDP



@pytest.fixture
def aws():
    """An in-process moto account with every table (not safe under concurrency: use server mode)."""
    from local.resources import create_tables

    with mock_aws():
        create_tables()
        yield


class Api:
    """A thin JSON wrapper over chalice's test client that signs requests as a given user."""

    def __init__(self, client, idp) -> None:
        self._client = client
        self._idp = idp

    def token(self, user: str) -> str:
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
        response = self.call("POST", f"/v1/products/{product['product_id']}/publish", user)
        assert response.status_code == 200, response.json
        return response.json


@pytest.fixture(scope="module")
def module_api():
    """One emulator and client for a whole module (access matrices: every test uses its own caller, so none
    disturbs another, and the content is built once instead of once per cell). Tokens are cached."""
    import functools

    from chalice.test import Client
    from moto import mock_aws

    from app import app
    from local.resources import create_tables

    with mock_aws():
        create_tables()
        with Client(app) as client:
            shared = Api(client, IDP)
            shared.token = functools.lru_cache(maxsize=None)(shared.token)
            yield shared


@pytest.fixture
def api(aws, idp):
    from chalice.test import Client

    from app import app

    with Client(app) as client:
        yield Api(client, idp)


def drop_connections() -> None:
    """Forget every cached PynamoDB connection: the next call builds a new botocore client, which picks up
    `AWS_ENDPOINT_URL` and the call-counting hook (both are read only when a client is created)."""
    from pynamodb.models import Model

    from chalicelib.services.core import db

    pending = [Model]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if "_connection" in cls.__dict__:
            cls._connection = None
    db._connection = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serialize_moto_writes(monkeypatch) -> None:
    """Give moto DynamoDB's isolation: moto 5.2.5 applies a transaction item by item without a lock and, when
    one item fails, restores table snapshots taken when it began, wiping writes other threads committed
    meanwhile. DynamoDB never does either, so writes are serialized here (reads stay concurrent)."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    for name in ("transact_write_items", "put_item", "update_item", "delete_item"):
        original = getattr(DynamoDBBackend, name)

        def locked(*args, _original=original, **kwargs):
            with lock:
                return _original(*args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, locked)


@pytest.fixture
def moto_server(monkeypatch):
    """moto in server mode on a free 127.0.0.1 port, with every table: the in-process mock is not thread-safe,
    so every concurrency test runs here (the server is in this process: see `serialize_moto_writes`)."""
    from moto.server import ThreadedMotoServer

    from local.resources import create_tables

    serialize_moto_writes(monkeypatch)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    drop_connections()
    try:
        create_tables()  # also creates every model's client here, before any thread shares it
        yield
    finally:
        drop_connections()
        server.stop()
