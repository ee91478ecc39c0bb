"""Test environment: fake AWS credentials, a test table prefix and a local identity provider.

The environment is set before any `chalicelib` import, because settings and table names are read once.
"""

from __future__ import annotations

import json
import os
import tempfile
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


@pytest.fixture
def api(aws, idp):
    from chalice.test import Client

    from app import app

    with Client(app) as client:
        yield Api(client, idp)
