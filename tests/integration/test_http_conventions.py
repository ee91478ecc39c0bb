"""The HTTP contract every endpoint shares: envelope, limits, CORS, correlation ids, logs."""

from __future__ import annotations

import io
import json

import pytest
import requests

from tests.support.served import serve


def test_health(api):
    response = api.call("GET", "/v1/health")
    assert response.status_code == 200 and response.json["status"] == "ok"


def test_malformed_json_is_400_in_the_envelope(api):
    api.creator("alice")
    response = api.call("POST", "/v1/products", "alice", body="{not json")
    assert response.status_code == 400
    assert response.json == {"error": {"code": "bad_request", "message": "request body is not valid JSON",
                                       "details": []}}
    assert api.call("POST", "/v1/products", "alice", body="[1, 2]").status_code == 400


def test_deeply_nested_bodies_are_400_and_write_nothing(api):
    """50,000 nested arrays (100 KB, under the size limit) used to exhaust the parser's stack: a 500."""
    api.creator("alice")
    for body in ("[" * 50_000 + "]" * 50_000, '{"title": ' + "[" * 40 + "]" * 40 + "}",
                 '{"a":' * 10_000 + "1" + "}" * 10_000):
        response = api.call("POST", "/v1/products", "alice", body=body)
        assert response.status_code == 400, response.json
        assert response.json["error"]["code"] == "bad_request"
    assert api.call("POST", "/v1/creator/account", "bob", body="[" * 50_000 + "]" * 50_000).status_code == 400
    assert api.call("GET", "/v1/creator/products", "alice").json["items"] == []


def test_oversized_bodies_are_413(api):
    api.creator("alice")
    body = json.dumps({"product_type": "ebook", "title": "x", "pricing_type": "free", "description": "a" * 300_000})
    response = api.call("POST", "/v1/products", "alice", body=body)
    assert response.status_code == 413 and response.json["error"]["code"] == "payload_too_large"
    assert api.call("GET", "/v1/creator/products", "alice").json["items"] == []


def test_unsupported_media_type_uses_the_envelope(api):
    response = api.call("POST", "/v1/creator/account", "alice", body="display_name=x",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415 and response.json["error"]["code"] == "unsupported_media_type"


def test_cors_allows_only_the_configured_origin(api):
    response = api.call("GET", "/v1/health")
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.test"


def test_correlation_id_is_echoed_or_generated(api):
    assert api.call("GET", "/v1/health", headers={"X-Correlation-Id": "abc-123"}).headers["X-Correlation-Id"] == \
        "abc-123"
    generated = api.call("GET", "/v1/health", headers={"X-Correlation-Id": "bad id\nwith newline"})
    assert generated.headers["X-Correlation-Id"] != "bad id\nwith newline"


def test_logs_are_json_with_correlation_id_and_never_contain_tokens(api):
    from chalicelib.observability import logger

    stream = io.StringIO()
    previous = logger.registered_handler.setStream(stream)
    logger.setLevel("INFO")
    try:
        token = api.token("alice")
        api.call("GET", "/v1/me", token=token, headers={"X-Correlation-Id": "trace-1"})
        api.call("GET", "/v1/me", token=token + "x")
    finally:
        logger.setLevel("WARNING")
        logger.registered_handler.setStream(previous)
    out = stream.getvalue()
    access = [entry for entry in map(json.loads, out.splitlines()) if entry.get("message") == "request"]
    assert access[0]["correlation_id"] == "trace-1" and access[0]["user_id"] == "alice"
    assert access[0]["status"] == 200 and access[1]["status"] == 401 and "user_id" not in access[1]
    assert token not in out and token.split(".")[2] not in out


def test_a_required_body_must_be_sent(api):
    """A missing body used to read as `{}`: a PATCH without one answered 200, an AI call ran and metered tokens."""
    api.creator("alice")
    product = api.product("alice")
    path = f"/v1/products/{product['product_id']}"
    for method, target in (("PATCH", path), ("POST", f"{path}/ai/description"), ("PATCH", "/v1/me")):
        response = api.call(method, target, "alice")
        assert response.status_code == 400, (target, response.json)
        assert response.json["error"] == {"code": "bad_request", "message": "this request needs a JSON body",
                                          "details": []}
    assert api.call("GET", "/v1/creator/ai/usage", "alice").json["items"] == []
    assert api.call("GET", path, "alice").json["updated_at"] == product["updated_at"]


def test_an_optional_body_may_be_left_out(api):
    api.creator("alice")
    product = api.published("alice", pricing_type="free", price_cents=0)
    response = api.call("POST", f"/v1/products/{product['product_id']}/checkout", "bob")
    assert response.status_code == 201 and response.json["status"] == "granted"


def test_bodies_are_validated_strictly_as_documented(api):
    """The document says integer and boolean: a string "1500" or "true" is a 422, not silently converted."""
    api.creator("alice")
    product = api.product("alice")
    path = f"/v1/products/{product['product_id']}"
    assert api.call("PATCH", path, "alice", {"price_cents": "1500"}).status_code == 422
    response = api.call("POST", f"{path}/ai/description", "alice", {"apply": "true"})
    assert response.status_code == 422 and response.json["error"]["details"][0]["loc"] == ["body", "apply"]


def test_routes_without_a_body_ignore_its_content_type(api):
    """415 is for routes that read a JSON body; the others never answer it (the document lists it only there)."""
    response = api.call("GET", "/v1/health", headers={"Content-Type": "text/plain"})
    assert response.status_code == 200


@pytest.fixture
def served(aws, monkeypatch):
    with serve(monkeypatch) as base_url:
        yield base_url


def test_unknown_routes_answer_404_in_the_envelope_without_echoing_headers(served):
    """chalice local (like API Gateway without gateway responses) answered 403 "Missing Authentication Token", and
    its variant echoed the caller's Authorization header back."""
    secret = "Bearer not-a-token-but-a-secret"
    for method, path in (("GET", "/v1/nope"), ("POST", "/nope/at/all"), ("OPTIONS", "/v1/nope"), ("GET", "/")):
        response = requests.request(method, f"{served}{path}", headers={"Authorization": secret}, timeout=10)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json() == {"error": {"code": "not_found", "message": "no route matches this method and path",
                                             "details": []}}
        assert response.headers["Access-Control-Allow-Origin"] == "https://app.test"
        assert "not-a-token" not in response.text and "not-a-token" not in str(response.headers)


def test_a_known_path_with_another_method_answers_405_with_allow(served):
    for method in ("DELETE", "TRACE", "QUERY"):
        response = requests.request(method, f"{served}/v1/health", timeout=10)
        assert response.status_code == 405, (method, response.text)
        assert response.headers["Allow"] == "GET"
        assert response.headers["Access-Control-Allow-Origin"] == "https://app.test"
        assert response.json()["error"]["code"] == "method_not_allowed"


def test_the_local_api_sends_without_nagle_delay(served, monkeypatch):
    """http.server writes a response's headers and body in two sends: with Nagle's algorithm on, the body waited
    for the client's delayed ACK, 40 ms added to every keep-alive request of `make run` and the fuzzer."""
    import socket

    import chalice.local

    options = []
    setup = chalice.local.ChaliceRequestHandler.setup

    def recording_setup(handler):
        setup(handler)
        options.append(handler.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    monkeypatch.setattr(chalice.local.ChaliceRequestHandler, "setup", recording_setup)
    with requests.Session() as session:
        for _ in range(2):
            assert session.get(f"{served}/v1/health", timeout=10).status_code == 200
    assert options and all(options), options
