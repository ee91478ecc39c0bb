"""Signed, short-lived URLs to objects of the media bucket: the ONLY way media leaves it.

Two implementations behind one interface, chosen by settings:
- `CloudFrontUrls` (AWS: `MEDIA_CDN_DOMAIN`, `MEDIA_CDN_KEY_ID`, `MEDIA_CDN_PRIVATE_KEY`): CloudFront signed URLs
  for a distribution whose behaviour requires a trusted key group; the bucket itself is reachable only through it.
- `S3Urls` (local runtime, tests): presigned S3 GETs on the media bucket.

`sign_all` signs many keys at once. A rendition's playlist lists hundreds of segments; CloudFront signs them with
ONE custom policy over their common folder (`https://<cdn>/videos/<id>/hls/720p/*`, expiring together), so a long
video costs one RSA signature instead of one per segment. The URLs still only open that folder, until expiry.
"""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import quote

from chalicelib.config import Settings, get_settings


class MediaUrls(Protocol):
    def sign(self, key: str, expires_in: int) -> str:
        """A URL that GETs the object at `key` for `expires_in` seconds."""

    def sign_all(self, keys: Sequence[str], expires_in: int) -> list[str]:
        """`sign` for each key, in order (implementations may share one signature)."""


class S3Urls:
    """Presigned S3 GETs (SigV4) on one bucket."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def sign(self, key: str, expires_in: int) -> str:
        from chalicelib.integrations import storage

        return storage.presign_object_get(self.bucket, key, expires_in)

    def sign_all(self, keys: Sequence[str], expires_in: int) -> list[str]:
        return [self.sign(key, expires_in) for key in keys]


def rsa_signer(private_key_pem: str) -> Callable[[bytes], bytes]:
    """CloudFront's signature: RSA PKCS#1 v1.5 over SHA-1 with the key group's private key."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    return lambda message: key.sign(message, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 (CloudFront's choice)


class CloudFrontUrls:
    """CloudFront signed URLs (botocore's CloudFrontSigner): canned policy for one key, custom policy for many."""

    def __init__(self, domain: str, key_id: str, private_key_pem: str) -> None:
        from botocore.signers import CloudFrontSigner

        self.domain = domain.removeprefix("https://").rstrip("/")
        self._signer = CloudFrontSigner(key_id, rsa_signer(private_key_pem))

    def url(self, key: str) -> str:
        return f"https://{self.domain}/{quote(key, safe='/')}"

    def sign(self, key: str, expires_in: int) -> str:
        return self._signer.generate_presigned_url(self.url(key), date_less_than=_expiry(expires_in))

    def sign_all(self, keys: Sequence[str], expires_in: int) -> list[str]:
        folder = posixpath.commonpath([posixpath.dirname(key) for key in keys]) if keys else ""
        if len(keys) < 2 or not folder:  # never a policy over the whole distribution
            return [self.sign(key, expires_in) for key in keys]
        resource = f"{self.url(folder)}/*"
        policy = self._signer.build_policy(resource, _expiry(expires_in))
        query = self._signer.generate_presigned_url(resource, policy=policy).split("?", 1)[1]
        return [f"{self.url(key)}?{query}" for key in keys]


def _expiry(expires_in: int) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=expires_in)


def from_settings(settings: Settings) -> MediaUrls:
    if settings.media_cdn_domain:
        return CloudFrontUrls(settings.media_cdn_domain, settings.media_cdn_key_id,
                              settings.secret("media_cdn_private_key"))
    return S3Urls(settings.media_bucket)


@functools.lru_cache(maxsize=1)
def media_urls() -> MediaUrls:
    """The process-wide signer (the RSA key is parsed once)."""
    return from_settings(get_settings())
