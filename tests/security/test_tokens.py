"""Token forgery: every malformed, foreign or tampered token answers 401 in the error envelope."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from local.identity import LocalIdp


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def claims(idp: LocalIdp, **over) -> dict:
    now = int(time.time())
    return {"sub": "eve", "iss": idp.issuer, "aud": idp.audience, "iat": now, "exp": now + 600, "token_use": "id",
            **over}


def unsigned(header: dict, payload: dict, signature: bytes = b"") -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}.{b64(signature)}"


def hs256_with_public_key(idp: LocalIdp) -> str:
    """The classic key-confusion attack: HMAC-sign with the RSA public key as the secret."""
    public_pem = serialization.load_pem_private_key(idp.private_pem, None).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    signing_input = unsigned({"alg": "HS256", "typ": "JWT", "kid": idp.kid}, claims(idp)).rsplit(".", 1)[0]
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def tampered(idp: LocalIdp) -> str:
    header, _, signature = idp.mint("eve").split(".")
    return f"{header}.{b64(json.dumps(claims(idp, sub='alice')).encode())}.{signature}"


FORGERIES = {
    "expired": lambda idp: idp.mint("eve", ttl_seconds=-120),
    "wrong issuer": lambda idp: idp.mint("eve", iss="https://evil.example"),
    "wrong audience": lambda idp: idp.mint("eve", aud="another-app"),
    "no audience": lambda idp: idp.mint("eve", aud=None),
    "unknown kid": lambda idp: jwt.encode(claims(idp), idp.private_pem, algorithm="RS256", headers={"kid": "nope"}),
    "other key, same kid": lambda idp: LocalIdp.generate(kid=idp.kid).mint("eve"),
    "alg none": lambda idp: unsigned({"alg": "none", "kid": idp.kid}, claims(idp)),
    "HS256 with the public key": hs256_with_public_key,
    "tampered payload": tampered,
    "RS512": lambda idp: jwt.encode(claims(idp), idp.private_pem, algorithm="RS512", headers={"kid": idp.kid}),
    "no exp": lambda idp: jwt.encode({k: v for k, v in claims(idp).items() if k != "exp"}, idp.private_pem,
                                     algorithm="RS256", headers={"kid": idp.kid}),
    "garbage": lambda idp: "not-a-jwt",
    "refresh token use": lambda idp: idp.mint("eve", token_use="refresh"),
}


@pytest.mark.parametrize("name", FORGERIES)
def test_forged_tokens_are_rejected(api, idp, name):
    response = api.call("GET", "/v1/me", token=FORGERIES[name](idp))
    assert response.status_code == 401, response.json
    assert response.json["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["", "Basic dXNlcjpwYXNz", "Bearer", "Bearer    "])
def test_missing_or_malformed_authorization_header(api, header):
    response = api.call("GET", "/v1/me", headers={"Authorization": header} if header else None)
    assert response.status_code == 401
    assert set(response.json["error"]) == {"code", "message", "details"}


def test_a_forged_token_is_refused_even_where_auth_is_optional(api, idp):
    assert api.call("GET", "/v1/products", token=FORGERIES["alg none"](idp)).status_code == 401


def test_valid_id_and_access_tokens_are_accepted(api, idp):
    assert api.call("GET", "/v1/me", token=idp.mint("eve")).status_code == 200
    access = idp.mint("eve", aud=None, client_id=idp.audience, token_use="access")
    assert api.call("GET", "/v1/me", token=access).json["user_id"] == "eve"


def test_anonymous_writes_answer_401(api):
    response = api.call("POST", "/v1/products", body={"product_type": "ebook", "title": "x", "pricing_type": "free"})
    assert response.status_code == 401
