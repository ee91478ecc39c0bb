"""Integration fixtures: an in-process moto account with every table, and the Chalice test client."""

from __future__ import annotations

import json

import pytest
from moto import mock_aws

from local.resources import create_tables


@pytest.fixture
def aws():
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
