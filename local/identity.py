"""The local identity provider: an RSA key pair, its JWKS, and tokens minted for demo users.

It stands in for Cognito on a laptop and in tests. The app verifies these tokens with exactly the
code it uses for Cognito (RS256, `kid`, `iss`, `aud`, `exp`); only the JWKS comes from a file.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://idp.local.creator-marketplace"
AUDIENCE = "creator-marketplace-local"


@dataclass(frozen=True)
class LocalIdp:
    private_pem: bytes
    kid: str
    issuer: str = ISSUER
    audience: str = AUDIENCE

    @classmethod
    def generate(cls, kid: str | None = None) -> LocalIdp:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        return cls(pem, kid or f"local-{int(time.time())}")

    @classmethod
    def load_or_create(cls, directory: Path) -> LocalIdp:
        """Keep the key pair across restarts so minted tokens stay valid until they expire."""
        key_file, kid_file = directory / "idp-private.pem", directory / "idp-kid"
        if key_file.exists() and kid_file.exists():
            return cls(key_file.read_bytes(), kid_file.read_text().strip())
        directory.mkdir(parents=True, exist_ok=True)
        idp = cls.generate()
        key_file.write_bytes(idp.private_pem)
        key_file.chmod(0o600)
        kid_file.write_text(idp.kid)
        return idp

    def jwks(self) -> dict:
        public = serialization.load_pem_private_key(self.private_pem, password=None).public_key()
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public))
        return {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def write_jwks(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.jwks()))
        return path

    def mint(self, user_id: str, *, email: str | None = None, name: str | None = None,
             ttl_seconds: int = 12 * 3600, **overrides) -> str:
        """An ID token shaped like Cognito's; `overrides` lets security tests forge bad ones."""
        now = int(time.time())
        claims = {"sub": user_id, "iss": self.issuer, "aud": self.audience, "iat": now,
                  "exp": now + ttl_seconds, "token_use": "id"}
        if email:
            claims["email"] = email
        if name:
            claims["name"] = name
        claims.update(overrides)
        claims = {name: value for name, value in claims.items() if value is not None}  # None drops a claim
        return jwt.encode(claims, self.private_pem, algorithm="RS256", headers={"kid": self.kid})

    def env(self, jwks_path: Path) -> dict[str, str]:
        """What the app needs in its environment to trust this provider."""
        return {"AUTH_ISSUER": self.issuer, "AUTH_AUDIENCE": self.audience, "AUTH_JWKS_FILE": str(jwks_path)}
