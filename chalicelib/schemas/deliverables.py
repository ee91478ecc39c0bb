"""Deliverable files: upload requests, file records, download URLs and the download log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StrictInt

from chalicelib.schemas.common import StrictBody


class FileUploadCreate(StrictBody):
    """`content_type` must be allow-listed and match the extension; `size_bytes` ≤ MAX_FILE_BYTES. The file is
    accepted only after `.../complete` verifies the stored object against these declarations."""

    filename: Annotated[str, Field(min_length=1, max_length=255)]
    content_type: Annotated[str, Field(min_length=3, max_length=120)]
    size_bytes: Annotated[StrictInt, Field(ge=1)]


class ProductFileOut(BaseModel):
    file_id: str
    product_id: str
    filename: str
    content_type: str
    size_bytes: int
    status: str
    rejection_reason: str | None = None
    created_at: datetime
    uploaded_at: datetime | None = None


class UploadInstructions(BaseModel):
    url: str
    method: str
    headers: dict[str, str]
    expires_in_seconds: int


class FileUploadOut(BaseModel):
    file: ProductFileOut
    upload: UploadInstructions


class ProductFileList(BaseModel):
    items: list[ProductFileOut]


class DownloadOut(BaseModel):
    url: str
    expires_in_seconds: int
    filename: str
    content_type: str
    size_bytes: int
    download_id: str


class DownloadLogOut(BaseModel):
    download_id: str
    file_id: str
    filename: str
    user_id: str
    access_reason: str
    ip: str | None = None
    user_agent: str | None = None
    downloaded_at: datetime


class DownloadLogPage(BaseModel):
    items: list[DownloadLogOut]
    next_cursor: str | None = None
