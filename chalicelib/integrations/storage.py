"""Object storage (S3) behind four calls: presign_put, presign_get, head, delete.

The boto3 client is created lazily (boto3 costs ~260 ms to import: cold start) and reused; botocore
honours `AWS_ENDPOINT_URL`, which points it at the emulator locally. Clients are cached per endpoint so a
process that switches endpoints (tests) never signs for the wrong one. URLs are SigV4-signed.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from chalicelib.config import get_settings

_clients: dict[tuple[str | None, str], Any] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class ObjectInfo:
    size_bytes: int
    content_type: str
    etag: str


def _client() -> Any:
    region = get_settings().region
    key = (os.environ.get("AWS_ENDPOINT_URL"), region)
    client = _clients.get(key)
    if client is None:
        with _lock:
            client = _clients.get(key)
            if client is None:
                import boto3
                from botocore.config import Config

                client = boto3.client("s3", region_name=region,
                                      config=Config(signature_version="s3v4", s3={"addressing_style": "path"}
                                                    if key[0] else {}))
                _clients[key] = client
    return client


def bucket() -> str:
    return get_settings().files_bucket


def presign_put(key: str, content_type: str, expires_in: int) -> str:
    """A URL that PUTs one object at `key`; the Content-Type header is part of the signature."""
    return _client().generate_presigned_url(
        "put_object", Params={"Bucket": bucket(), "Key": key, "ContentType": content_type}, ExpiresIn=expires_in)


def presign_get(key: str, filename: str, content_type: str, expires_in: int) -> str:
    """A URL that downloads the object as an attachment named `filename`."""
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "").replace("?", "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return _client().generate_presigned_url(
        "get_object", Params={"Bucket": bucket(), "Key": key, "ResponseContentDisposition": disposition,
                              "ResponseContentType": content_type}, ExpiresIn=expires_in)


def head(key: str) -> ObjectInfo | None:
    """What is stored at `key`, or None when nothing is."""
    from botocore.exceptions import ClientError

    try:
        response = _client().head_object(Bucket=bucket(), Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return ObjectInfo(int(response["ContentLength"]), response.get("ContentType", ""),
                      response.get("ETag", "").strip('"'))


def delete(key: str) -> None:
    _client().delete_object(Bucket=bucket(), Key=key)
