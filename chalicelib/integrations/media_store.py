"""S3 as the video pipeline uses it: read an upload, write renditions to the media bucket, measure them.

Only the pipeline's workers call this; playback signs media URLs elsewhere (the media bucket is never public).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from chalicelib.integrations.aws import client

CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t", ".m4s": "video/iso.segment",
                 ".mp4": "video/mp4", ".jpg": "image/jpeg", ".vtt": "text/vtt"}
UPLOAD_THREADS = 8


def size_of(bucket: str, key: str) -> int:
    return int(client("s3").head_object(Bucket=bucket, Key=key)["ContentLength"])


def download(bucket: str, key: str, path: Path) -> None:
    client("s3").download_file(bucket, key, str(path))


def upload_tree(directory: Path, bucket: str, prefix: str) -> dict[str, int]:
    """Upload every file under `directory` to `prefix` + its relative path; {key: size in bytes}."""
    files = sorted(path for path in directory.rglob("*") if path.is_file())
    s3 = client("s3")

    def put(path: Path) -> tuple[str, int]:
        key = prefix + path.relative_to(directory).as_posix()
        content_type = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
        s3.upload_file(str(path), bucket, key, ExtraArgs={"ContentType": content_type})
        return key, path.stat().st_size

    with ThreadPoolExecutor(max_workers=UPLOAD_THREADS) as pool:
        return dict(pool.map(put, files))


def prefix_size(bucket: str, prefix: str) -> int:
    """Total bytes of the objects under `prefix` (one listing page per 1,000 objects)."""
    total = 0
    for page in client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        total += sum(int(item["Size"]) for item in page.get("Contents", []))
    return total
