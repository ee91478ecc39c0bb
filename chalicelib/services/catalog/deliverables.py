"""Files delivered with prompt packs, templates and ebooks: upload by presigned PUT, verify, download, log.

The emulator does not enforce presigned policies (size, type, expiry) and S3 itself only binds the
Content-Type header to a presigned PUT, not the size: `complete_upload` is the real guard. It reads the
stored object's metadata (HeadObject) and accepts it only when it exists, its size equals the declared size
(≤ MAX_FILE_BYTES), its content type is the declared, allow-listed one, and its leading bytes (one ranged GET of
`SNIFF_BYTES`) are that type's (`SIGNATURES`: PDF, ZIP and the ZIP-based EPUB/DOCX/XLSX/PPTX, PNG, JPEG; text
types UTF-8 without NUL); anything else is deleted and the file marked rejected with the reason (422). Only
`ready` files are ever offered to buyers.

Downloads: owner or active grant (`grants.full_access_reason`); anyone else — non-buyers, revoked or
suspended grants, strangers to a draft — gets 404. Each URL handed out is logged first (no log, no URL).
"""

from __future__ import annotations

import re
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.config import get_settings
from chalicelib.errors import Conflict, InvalidInput, NotFound
from chalicelib.integrations import storage
from chalicelib.models import DownloadLog, Product, ProductFile
from chalicelib.models.base import utcnow
from chalicelib.services.access import grants
from chalicelib.services.catalog import products
from chalicelib.services.core.db import condition_failed
from chalicelib.services.core.ids import new_id
from chalicelib.services.core.pagination import Page, paginate

DELIVERABLE_TYPES = ("prompt_pack", "template", "ebook")
UPLOAD_URL_SECONDS = 900
DOWNLOAD_URL_SECONDS = 300
MAX_FILES_PER_PRODUCT = 50
_OOXML = "application/vnd.openxmlformats-officedocument"
# content type → the file extensions it may carry
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "application/epub+zip": (".epub",),
    "application/zip": (".zip",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "application/json": (".json",),
    "text/csv": (".csv",),
    "text/plain": (".txt",),
    "text/markdown": (".md", ".markdown"),
    f"{_OOXML}.wordprocessingml.document": (".docx",),
    f"{_OOXML}.spreadsheetml.sheet": (".xlsx",),
    f"{_OOXML}.presentationml.presentation": (".pptx",),
}


SNIFF_BYTES = 4096  # how much of a stored file `complete` reads (one ranged GET) to check its real type
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")  # a ZIP's local file header, or an empty archive's end record
_TEXT = "text"
# content type → the leading bytes a file of that type starts with (`_TEXT`: UTF-8 text without NUL)
SIGNATURES: dict[str, tuple[bytes, ...] | str] = {
    "application/pdf": (b"%PDF-",),
    "application/epub+zip": _ZIP,
    "application/zip": _ZIP,
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "application/json": _TEXT,
    "text/csv": _TEXT,
    "text/plain": _TEXT,
    "text/markdown": _TEXT,
    f"{_OOXML}.wordprocessingml.document": _ZIP,
    f"{_OOXML}.spreadsheetml.sheet": _ZIP,
    f"{_OOXML}.presentationml.presentation": _ZIP,
}


def content_problem(content_type: str, head: bytes, truncated: bool) -> str | None:
    """Why the file's leading bytes are not a `content_type` file, or None when they are (pure)."""
    expected = SIGNATURES.get(content_type)
    if expected is None:
        return f"{content_type} files are not accepted"
    if expected == _TEXT:
        if b"\x00" in head:
            return f"the content is binary (a NUL byte), not {content_type} text"
        try:
            head.decode("utf-8") if not truncated else _decode_prefix(head)
        except UnicodeDecodeError:
            return f"the content is not UTF-8 text, as {content_type} must be"
        return None
    if not any(head.startswith(magic) for magic in expected):
        return f"the content does not start like a {content_type} file"
    return None


def _decode_prefix(head: bytes) -> str:
    """Decode the first bytes of a longer text: a character cut at the end is not an error."""
    import codecs

    return codecs.getincrementaldecoder("utf-8")().decode(head, final=False)


def safe_filename(filename: str) -> str:
    """The last path segment, with only letters, digits, space, dot, dash and underscore."""
    name = re.split(r"[\\/]", filename.strip())[-1]
    name = re.sub(r"[^A-Za-z0-9 ._-]+", "_", name).strip(" .")
    return name[:200]


def _detail(field: str, msg: str) -> list[dict[str, Any]]:
    return [{"loc": ["body", field], "msg": msg, "type": "value_error"}]


def _owned_deliverable(creator_id: str, product_id: str) -> Product:
    product = products.get_owned(creator_id, product_id)
    if product.product_type not in DELIVERABLE_TYPES:
        raise InvalidInput(f"{product.product_type} products have no downloadable files "
                           f"(only {', '.join(DELIVERABLE_TYPES)})")
    return product


def _file(product_id: str, file_id: str) -> ProductFile:
    try:
        return ProductFile.get(product_id, file_id, consistent_read=True)
    except DoesNotExist:
        raise NotFound("file not found") from None


# --- the creator's uploads ------------------------------------------------------------------------


def start_upload(creator_id: str, product_id: str, filename: str, content_type: str,
                 size_bytes: int) -> tuple[ProductFile, dict[str, Any]]:
    """A pending ProductFile and a presigned PUT for it (Content-Type bound, 15 minutes)."""
    _owned_deliverable(creator_id, product_id)
    limit = get_settings().max_file_bytes
    if content_type not in ALLOWED_TYPES:
        raise InvalidInput("this file type is not accepted", _detail("content_type", f"one of {sorted(ALLOWED_TYPES)}"))
    if not 0 < size_bytes <= limit:
        raise InvalidInput("file too large", _detail("size_bytes", f"at most {limit} bytes"))
    name = safe_filename(filename)
    if not name.lower().endswith(ALLOWED_TYPES[content_type]):
        raise InvalidInput("the file name's extension does not match its content type",
                           _detail("filename", f"expected {' or '.join(ALLOWED_TYPES[content_type])}"))
    existing = ProductFile.count(product_id, limit=MAX_FILES_PER_PRODUCT + 1)
    if existing >= MAX_FILES_PER_PRODUCT:
        raise Conflict(f"a product holds at most {MAX_FILES_PER_PRODUCT} files")
    file_id = new_id("fil")
    record = ProductFile(product_id, file_id, creator_id=creator_id, filename=name, content_type=content_type,
                         size_bytes=size_bytes, s3_key=f"products/{product_id}/files/{file_id}/{name}",
                         status="pending")
    record.save(condition=ProductFile.file_id.does_not_exist())
    upload = {"url": storage.presign_put(record.s3_key, content_type, UPLOAD_URL_SECONDS), "method": "PUT",
              "headers": {"Content-Type": content_type}, "expires_in_seconds": UPLOAD_URL_SECONDS}
    return record, upload


def complete_upload(creator_id: str, product_id: str, file_id: str) -> ProductFile:
    """Verify what was stored; `ready` (idempotent) or 422 with the object deleted and the file `rejected`."""
    _owned_deliverable(creator_id, product_id)
    record = _file(product_id, file_id)
    if record.status == "ready":
        return record
    if record.status == "rejected":
        raise Conflict("this upload was rejected; start a new one")
    stored = storage.head(record.s3_key)
    if stored is None:
        raise InvalidInput("nothing was uploaded for this file yet")
    problems = []
    if stored.size_bytes != record.size_bytes:
        problems.append(f"size is {stored.size_bytes} bytes, {record.size_bytes} were declared")
    if stored.size_bytes > get_settings().max_file_bytes:
        problems.append("size exceeds the limit")
    stored_type = stored.content_type.split(";")[0].strip().lower()
    if stored_type != record.content_type or stored_type not in ALLOWED_TYPES:
        problems.append(f"content type is {stored_type or 'missing'}, {record.content_type} was declared")
    elif not problems:  # the declarations hold: now what the bytes really are
        head = storage.read_prefix(record.s3_key, SNIFF_BYTES) or b""
        problem = content_problem(record.content_type, head, truncated=stored.size_bytes > len(head))
        if problem:
            problems.append(problem)
    if problems:
        storage.delete(record.s3_key)
        _set_status(record, "rejected", rejection_reason="; ".join(problems))
        raise InvalidInput("the uploaded file does not match what was declared; it was deleted",
                           [{"loc": ["file"], "msg": problem, "type": "value_error"} for problem in problems])
    _set_status(record, "ready", etag=stored.etag, uploaded_at=utcnow())
    return record


def _set_status(record: ProductFile, status: str, **values: Any) -> None:
    actions = [ProductFile.status.set(status)]
    actions += [getattr(ProductFile, name).set(value) for name, value in values.items()]
    try:
        record.update(actions=actions, condition=ProductFile.status == "pending")
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        raise Conflict("the file changed meanwhile; read it again") from None


def delete_file(creator_id: str, product_id: str, file_id: str) -> None:
    """The object first, then the record: a crash leaves a record without an object (not offered: it is
    re-verified on complete; a ready one fails at download), never an unreferenced object."""
    products.get_owned(creator_id, product_id)
    record = _file(product_id, file_id)
    storage.delete(record.s3_key)
    record.delete()


# --- reads ---------------------------------------------------------------------------------------


def _product_and_reason(user_id: str, product_id: str) -> tuple[Product, str]:
    try:
        product = Product.get(product_id)
    except DoesNotExist:
        raise NotFound("product not found") from None
    reason = grants.full_access_reason(user_id, products.state_of(product))
    if reason is None:
        raise NotFound("product not found")
    return product, reason


def list_files(user_id: str, product_id: str) -> list[ProductFile]:
    """The owner sees every file with its status; a holder of access the ready ones; anyone else 404."""
    _, reason = _product_and_reason(user_id, product_id)
    files = list(ProductFile.query(product_id, consistent_read=True))
    return files if reason == "owner" else [f for f in files if f.status == "ready"]


def download(user_id: str, product_id: str, file_id: str, ip: str | None, user_agent: str | None) -> dict:
    """Log the download, then a 5-minute attachment URL. 404 for anyone without access or a non-ready file."""
    _, reason = _product_and_reason(user_id, product_id)
    record = _file(product_id, file_id)
    if record.status != "ready":
        raise NotFound("file not found")
    now = utcnow()
    download_id = new_id("dl")
    DownloadLog(product_id, f"{now.isoformat()}#{download_id}", download_id=download_id, file_id=file_id,
                filename=record.filename, user_id=user_id, access_reason=reason, ip=(ip or None),
                user_agent=(user_agent or "")[:512] or None, downloaded_at=now).save()
    url = storage.presign_get(record.s3_key, record.filename, record.content_type, DOWNLOAD_URL_SECONDS)
    return {"url": url, "expires_in_seconds": DOWNLOAD_URL_SECONDS, "filename": record.filename,
            "content_type": record.content_type, "size_bytes": record.size_bytes, "download_id": download_id}


def download_log(creator_id: str, product_id: str, limit: int, cursor: str | None) -> Page:
    """The owner's view of who downloaded what, newest first."""
    products.get_owned(creator_id, product_id)
    return paginate(lambda **page: DownloadLog.query(product_id, scan_index_forward=False, **page),
                    f"downloads|{product_id}", cursor, limit)
