"""Object storage (S3) behind small calls: put, presigned PUT/GET, head, delete, text reads, and multipart uploads.

The boto3 client comes from `integrations/aws.py` (lazy, cached per endpoint, SigV4 + path-style against the
emulator). URLs are SigV4-signed.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from chalicelib.config import get_settings
from chalicelib.integrations.aws import client


@dataclass(frozen=True)
class ObjectInfo:
    size_bytes: int
    content_type: str
    etag: str


def bucket() -> str:
    return get_settings().files_bucket


def presign_put(key: str, content_type: str, expires_in: int) -> str:
    """A URL that PUTs one object at `key`; the Content-Type header is part of the signature."""
    return client("s3").generate_presigned_url(
        "put_object", Params={"Bucket": bucket(), "Key": key, "ContentType": content_type}, ExpiresIn=expires_in)


def put(key: str, body: bytes, content_type: str, bucket_name: str | None = None) -> None:
    """Store `body` at `key` in the files bucket unless `bucket_name` is given (server-rendered documents such as
    certificates; caption files in the media bucket)."""
    client("s3").put_object(Bucket=bucket_name or bucket(), Key=key, Body=body, ContentType=content_type)


def presign_get(key: str, filename: str, content_type: str, expires_in: int) -> str:
    """A URL that downloads the object as an attachment named `filename`."""
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "").replace("?", "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": bucket(), "Key": key, "ResponseContentDisposition": disposition,
                              "ResponseContentType": content_type}, ExpiresIn=expires_in)


def head(key: str, bucket_name: str | None = None) -> ObjectInfo | None:
    """What is stored at `key` (in the files bucket unless `bucket_name` is given), or None when nothing is."""
    from botocore.exceptions import ClientError

    try:
        response = client("s3").head_object(Bucket=bucket_name or bucket(), Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return ObjectInfo(int(response["ContentLength"]), response.get("ContentType", ""),
                      response.get("ETag", "").strip('"'))


def read_prefix(key: str, length: int, bucket_name: str | None = None) -> bytes | None:
    """The object's first `length` bytes (a ranged GET: never the whole object), or None when nothing is stored."""
    from botocore.exceptions import ClientError

    try:
        response = client("s3").get_object(Bucket=bucket_name or bucket(), Key=key, Range=f"bytes=0-{length - 1}")
    except ClientError as exc:
        if _error_code(exc) in ("404", "NoSuchKey", "NotFound"):
            return None
        if _error_code(exc) == "InvalidRange":  # an empty object
            return b""
        raise
    return response["Body"].read(length)


def delete(key: str, bucket_name: str | None = None) -> None:
    client("s3").delete_object(Bucket=bucket_name or bucket(), Key=key)


def _error_code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def presign_object_get(bucket_name: str, key: str, expires_in: int) -> str:
    """A plain GET URL for one object (media segments, posters; the pipeline's probe reads uploads with it)."""
    return client("s3").generate_presigned_url("get_object", Params={"Bucket": bucket_name, "Key": key},
                                            ExpiresIn=expires_in)


def read_text(bucket_name: str, key: str) -> str | None:
    """A small UTF-8 object (a playlist, a WebVTT file), or None when nothing is stored at `key`."""
    from botocore.exceptions import ClientError

    try:
        response = client("s3").get_object(Bucket=bucket_name, Key=key)
    except ClientError as exc:
        if _error_code(exc) in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return response["Body"].read().decode("utf-8")


# --- multipart uploads (browser → S3 directly, in parallel, resumable) --------------------------------


class NoSuchUpload(Exception):
    """The multipart upload is gone: completed or aborted (or it never existed)."""


class PartsRejected(Exception):
    """S3 refused to complete the upload (a missing part, a wrong ETag, a part below 5 MiB but the last)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class UploadedPart:
    part_number: int
    etag: str
    size_bytes: int


def create_multipart(bucket_name: str, key: str, content_type: str) -> str:
    """Start a multipart upload; the object's Content-Type is fixed here. Returns the upload id."""
    return client("s3").create_multipart_upload(Bucket=bucket_name, Key=key, ContentType=content_type)["UploadId"]


def presign_upload_part(bucket_name: str, key: str, upload_id: str, part_number: int, expires_in: int) -> str:
    """A URL the browser PUTs one part's bytes to; the response's ETag header names the part on completion."""
    return client("s3").generate_presigned_url(
        "upload_part", Params={"Bucket": bucket_name, "Key": key, "UploadId": upload_id, "PartNumber": part_number},
        ExpiresIn=expires_in)


def list_parts(bucket_name: str, key: str, upload_id: str) -> list[UploadedPart]:
    """Every part stored so far (S3 pages by 1,000: followed to the end)."""
    from botocore.exceptions import ClientError

    parts: list[UploadedPart] = []
    marker = 0
    while True:
        try:
            page = client("s3").list_parts(Bucket=bucket_name, Key=key, UploadId=upload_id, PartNumberMarker=marker)
        except ClientError as exc:
            if _error_code(exc) == "NoSuchUpload":
                raise NoSuchUpload(upload_id) from None
            raise
        parts += [UploadedPart(int(p["PartNumber"]), p["ETag"].strip('"'), int(p["Size"]))
                  for p in page.get("Parts", [])]
        if not page.get("IsTruncated"):
            return parts
        marker = int(page["NextPartNumberMarker"])


def complete_multipart(bucket_name: str, key: str, upload_id: str, parts: list[tuple[int, str]]) -> None:
    """Assemble the object from `(part_number, etag)` pairs in part order."""
    from botocore.exceptions import ClientError

    listed = [{"PartNumber": number, "ETag": f'"{etag.strip(chr(34))}"'} for number, etag in sorted(parts)]
    try:
        client("s3").complete_multipart_upload(Bucket=bucket_name, Key=key, UploadId=upload_id,
                                            MultipartUpload={"Parts": listed})
    except ClientError as exc:
        code = _error_code(exc)
        if code == "NoSuchUpload":
            raise NoSuchUpload(upload_id) from None
        if code in ("InvalidPart", "InvalidPartOrder", "EntityTooSmall", "MalformedXML", "InvalidArgument"):
            raise PartsRejected(code, exc.response.get("Error", {}).get("Message", code)) from None
        raise


def abort_multipart(bucket_name: str, key: str, upload_id: str) -> None:
    """Drop the upload and its stored parts; an upload that is already gone is fine."""
    from botocore.exceptions import ClientError

    try:
        client("s3").abort_multipart_upload(Bucket=bucket_name, Key=key, UploadId=upload_id)
    except ClientError as exc:
        if _error_code(exc) != "NoSuchUpload":
            raise
