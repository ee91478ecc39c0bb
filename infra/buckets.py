"""The files bucket, defined once: `local/resources.py` creates it in the emulator and the CDK stack in AWS.

Plain data in the S3 API's own shapes (no CDK, no chalicelib import), so the local runtime can use it without
the CDK installed. Private, every public-access block on, SSE-S3 encryption, TLS only, and CORS that lets the
SPA's origin PUT uploads straight to presigned URLs (and GET/HEAD for in-browser downloads).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

PUBLIC_ACCESS_BLOCK = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                       "RestrictPublicBuckets": True}
ENCRYPTION = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
CORS_METHODS = ("PUT", "GET", "HEAD")
CORS_HEADERS = ("Content-Type",)
CORS_EXPOSE = ("ETag",)
CORS_MAX_AGE_SECONDS = 3000
ABORT_INCOMPLETE_UPLOADS_DAYS = 1


def cors_rules(origin: str) -> list[dict[str, Any]]:
    """`PutBucketCors` rules for the SPA origin (never '*')."""
    if not origin or origin.strip() == "*":
        raise ValueError("the files bucket's CORS needs the SPA origin, not '*'")
    return [{"AllowedOrigins": [origin], "AllowedMethods": list(CORS_METHODS), "AllowedHeaders": list(CORS_HEADERS),
             "ExposeHeaders": list(CORS_EXPOSE), "MaxAgeSeconds": CORS_MAX_AGE_SECONDS}]


def stage_cors_origin(stage: str) -> str:
    """The stage's CORS_ALLOW_ORIGIN from `.chalice/config.json`: the same origin the API answers."""
    stages = json.loads((ROOT / ".chalice" / "config.json").read_text()).get("stages", {})
    return stages.get(stage, {}).get("environment_variables", {}).get("CORS_ALLOW_ORIGIN", "")
