"""Shapes shared by every endpoint: the error envelope and the strict base for request bodies."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field


class StrictBody(BaseModel):
    """Request bodies: unknown fields are rejected, so nobody can mass-assign owner, status or stats."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def omittable() -> Any:
    """The default of a field a body may leave out but never send as `null` (one rule for create and update).

    The field keeps its non-nullable type, so an explicit null is a 422 naming the field and the OpenAPI schema
    has no `null` for it; left out, it reads None and `model_dump(exclude_unset=True)` omits it. Fields that may
    really be cleared with null are typed `X | None = None` instead.
    """
    return Field(default=None, json_schema_extra=_no_default)


class StrictQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[dict[str, Any]] = []


class ErrorEnvelope(BaseModel):
    error: ErrorBody


class Health(BaseModel):
    status: str
    stage: str


class PageQuery(StrictQuery):
    limit: Annotated[int, Field(ge=1)] | None = None  # capped by page_limit(); 0 or less is a 422
    cursor: str | None = None
