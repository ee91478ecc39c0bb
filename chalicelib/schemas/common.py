"""Shapes shared by every endpoint: the error envelope and the strict base for request bodies."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field


class StrictBody(BaseModel):
    """Request bodies: unknown fields are rejected, so nobody can mass-assign owner, status or stats."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def reject_nulls(model: BaseModel, names: tuple[str, ...]) -> None:
    """Partial updates: `null` may clear optional fields only; these must keep a value when sent."""
    cleared = [n for n in names if n in model.model_fields_set and getattr(model, n) is None]
    if cleared:
        raise ValueError(f"these fields cannot be null: {', '.join(cleared)}")


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
