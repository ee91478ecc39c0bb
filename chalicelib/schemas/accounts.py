"""Users and creator accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.schemas.common import StrictBody


class CreatorAccountCreate(StrictBody):
    display_name: Annotated[str, Field(min_length=1, max_length=80)]
    bio: Annotated[str | None, Field(max_length=2000)] = None


class CreatorAccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user_id: str
    display_name: str
    bio: str | None = None
    created_at: datetime


class MeOut(BaseModel):
    user_id: str
    email: str | None = None
    display_name: str | None = None
    is_creator: bool
    creator_account: CreatorAccountOut | None = None
