"""The buckets, defined once: `local/resources.py` creates them in the emulator and the CDK stack in AWS.

Plain data in the S3 API's own shapes (no CDK, no chalicelib import), so the local runtime can use it without
the CDK installed. Every bucket is private, every public-access block on, SSE-S3 encrypted, TLS only, and aborts
multipart uploads left incomplete; what differs is its CORS (which browser requests from the SPA's origin it
answers) and whether S3 reports its object events to EventBridge. The video buckets are in `infra/video.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from infra import chalice_stage

PUBLIC_ACCESS_BLOCK = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                       "RestrictPublicBuckets": True}
ENCRYPTION = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
CORS_MAX_AGE_SECONDS = 3000
ABORT_INCOMPLETE_UPLOADS_DAYS = 1


@dataclass(frozen=True)
class BucketSpec:
    """What sets one bucket apart from the baseline above."""

    cors_methods: tuple[str, ...]
    cors_headers: tuple[str, ...] = ("Content-Type",)
    cors_expose: tuple[str, ...] = ("ETag",)
    event_bridge: bool = False  # S3 sends "Object Created" (and other) events to the default event bus
    # Versioned, an overwritten or deleted object's old version kept this many days (None: not versioned).
    noncurrent_version_days: int | None = None

    def cors_rules(self, origin: str) -> list[dict[str, Any]]:
        """`PutBucketCors` rules for the SPA origin (never '*')."""
        if not origin or origin.strip() == "*":
            raise ValueError("a bucket's CORS needs the SPA origin, not '*'")
        return [{"AllowedOrigins": [origin], "AllowedMethods": list(self.cors_methods),
                 "AllowedHeaders": list(self.cors_headers), "ExposeHeaders": list(self.cors_expose),
                 "MaxAgeSeconds": CORS_MAX_AGE_SECONDS}]

    def lifecycle(self) -> dict[str, Any]:
        """`PutBucketLifecycleConfiguration`: stale multipart uploads are aborted (their parts cost money)."""
        return {"Rules": [{"ID": "abort-incomplete-multipart-uploads", "Status": "Enabled", "Filter": {"Prefix": ""},
                           "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": ABORT_INCOMPLETE_UPLOADS_DAYS}}]}


# Deliverable files: the browser PUTs uploads to presigned URLs and GETs downloads. Creators' only copy of what
# they sell: versioned, so a deleted or overwritten file can be restored for 30 days (README: Data that is kept).
FILES = BucketSpec(cors_methods=("PUT", "GET", "HEAD"), noncurrent_version_days=30)


def cors_rules(origin: str) -> list[dict[str, Any]]:
    """The files bucket's CORS rules for the SPA origin."""
    return FILES.cors_rules(origin)


def stage_cors_origin(stage: str) -> str:
    """The stage's CORS_ALLOW_ORIGIN from `.chalice/config.json`: the same origin the API answers."""
    return chalice_stage.variable(stage, "CORS_ALLOW_ORIGIN")
