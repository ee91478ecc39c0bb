"""JWT verification against a JWKS: Cognito on AWS, the local identity provider on a laptop.

Only RS256 is accepted and the key is chosen by `kid` from the JWKS, so `alg: none`, HS256 tokens
signed with the public key and tokens from other issuers all fail before any claim is trusted.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

import jwt

from chalicelib.config import Settings
from chalicelib.errors import Unauthenticated

ALGORITHM = "RS256"
LEEWAY_SECONDS = 5


@dataclass(frozen=True)
class Identity:
    """The verified caller."""

    user_id: str
    email: str | None = None
    name: str | None = None


class JwksSource(Protocol):
    def get(self, kid: str) -> dict[str, Any] | None:
        """The JWK for `kid`, or None when the issuer does not publish it."""


class StaticJwks:
    """A JWKS document held in memory (the local runtime writes one to a file)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self._keys = {key["kid"]: key for key in document.get("keys", []) if "kid" in key}

    @classmethod
    def from_file(cls, path: str) -> StaticJwks:
        with open(path, encoding="utf-8") as handle:
            return cls(json.load(handle))

    def get(self, kid: str) -> dict[str, Any] | None:
        return self._keys.get(kid)


class HttpJwks:
    """Cognito's published JWKS, cached; an unknown `kid` triggers at most one refetch per minute."""

    def __init__(self, url: str, ttl_seconds: int = 3600, min_refresh_seconds: int = 60) -> None:
        self._url = url
        self._ttl = ttl_seconds
        self._min_refresh = min_refresh_seconds
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def _fetch(self) -> None:
        with urllib.request.urlopen(self._url, timeout=3) as response:  # noqa: S310 - https URL from config
            document = json.load(response)
        self._keys = {key["kid"]: key for key in document.get("keys", []) if "kid" in key}
        self._fetched_at = time.monotonic()

    def get(self, kid: str) -> dict[str, Any] | None:
        with self._lock:
            age = time.monotonic() - self._fetched_at
            stale = not self._fetched_at or age > self._ttl
            if stale or (kid not in self._keys and age > self._min_refresh):
                self._fetch()
            return self._keys.get(kid)


class TokenVerifier:
    def __init__(self, issuer: str, audiences: tuple[str, ...], jwks: JwksSource) -> None:
        if not issuer or not audiences:
            raise ValueError("a token verifier needs an issuer and at least one audience")
        self._issuer = issuer
        self._audiences = set(audiences)
        self._jwks = jwks

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenVerifier:
        if settings.auth_jwks_file:
            jwks: JwksSource = StaticJwks.from_file(settings.auth_jwks_file)
        else:
            jwks = HttpJwks(settings.auth_jwks_url)
        return cls(settings.auth_issuer, settings.auth_audiences, jwks)

    def verify(self, token: str) -> Identity:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated("malformed token") from exc
        if header.get("alg") != ALGORITHM:
            raise Unauthenticated("unsupported token algorithm")
        jwk = self._jwks.get(str(header.get("kid", "")))
        if jwk is None:
            raise Unauthenticated("unknown signing key")
        try:
            claims = jwt.decode(
                token,
                key=jwt.PyJWK(jwk, algorithm=ALGORITHM).key,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "sub"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("token expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthenticated("invalid token") from exc
        self._check_audience(claims)
        return Identity(user_id=str(claims["sub"]), email=claims.get("email"), name=claims.get("name"))

    def _check_audience(self, claims: dict[str, Any]) -> None:
        # Cognito ID tokens carry `aud`; access tokens carry `client_id` instead.
        aud = claims.get("aud") or claims.get("client_id")
        presented = {aud} if isinstance(aud, str) else set(aud or [])
        if not presented & self._audiences:
            raise Unauthenticated("token not issued for this application")
        if claims.get("token_use", "id") not in ("id", "access"):
            raise Unauthenticated("invalid token use")
