"""boto3 clients for the video pipeline, created on first use and reused (boto3 costs ~260 ms to import).

Cached per (service, endpoint, region): botocore honours `AWS_ENDPOINT_URL` (the local emulator), and a process
that switches endpoints (tests) must never reuse a client bound to the old one. S3 clients sign SigV4 and use
path-style addressing behind an explicit endpoint, so presigned URLs work against the emulator on 127.0.0.1.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from chalicelib.config import get_settings

_clients: dict[tuple[str, str | None, str], Any] = {}
_lock = threading.Lock()


def client(service: str, endpoint_url: str | None = None) -> Any:
    """The process-wide client for `service` (`endpoint_url` overrides the environment's, e.g. MediaConvert)."""
    region = get_settings().region
    endpoint = endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
    key = (service, endpoint, region)
    found = _clients.get(key)
    if found is None:
        with _lock:
            found = _clients.get(key)
            if found is None:
                import boto3
                from botocore.config import Config

                config = Config(signature_version="s3v4", s3={"addressing_style": "path"} if endpoint else {}) \
                    if service == "s3" else None
                found = boto3.client(service, region_name=region, endpoint_url=endpoint_url, config=config)
                _clients[key] = found
    return found
