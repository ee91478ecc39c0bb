"""Users, creator accounts and the creators' public profiles (never the email)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from chalicelib.schemas.common import StrictBody, omittable

DisplayName = Annotated[str, Field(min_length=1, max_length=80)]
Bio = Annotated[str, Field(max_length=2000)]


def _https(url: str) -> str:
    if not url.startswith("https://"):
        raise ValueError("must be an https:// URL")
    return url


# 3-30 characters: letters, digits, `_` and `-` inside; compared case-insensitively (stored lower-case). The
# constraints are checked before the lower-casing, so the emitted schema says what is accepted.
Handle = Annotated[str, Field(min_length=3, max_length=30, pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?$"),
                   AfterValidator(str.lower)]
HttpsUrl = Annotated[str, Field(max_length=2048), AfterValidator(_https)]


class ProfileLink(StrictBody):
    label: Annotated[str, Field(min_length=1, max_length=40)]
    url: HttpsUrl


class CreatorAccountCreate(StrictBody):
    display_name: DisplayName
    bio: Bio | None = None


class CreatorProfileUpdate(StrictBody):
    """Partial update of the public profile: only the fields sent change; `null` clears bio, handle, avatar, links."""

    display_name: DisplayName = omittable()
    bio: Bio | None = None
    handle: Handle | None = None
    avatar_url: HttpsUrl | None = None
    links: Annotated[list[ProfileLink], Field(max_length=10)] | None = None


class MeUpdate(StrictBody):
    display_name: DisplayName


class CreatorAccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user_id: str
    display_name: str
    bio: str | None = None
    handle: str | None = None
    avatar_url: str | None = None
    links: list[ProfileLink] | None = None
    created_at: datetime


class CreatorCard(BaseModel):
    """What a product card shows of its creator."""

    user_id: str
    display_name: str
    handle: str | None = None
    avatar_url: str | None = None


class CreatorProfile(CreatorCard):
    """A creator's public profile: `GET /v1/creators/{id or handle}`, and on every product page."""

    bio: str | None = None
    links: list[ProfileLink] = []


class MeOut(BaseModel):
    user_id: str
    email: str | None = None
    display_name: str | None = None
    is_creator: bool
    creator_account: CreatorAccountOut | None = None


class EmailPreferencesIn(StrictBody):
    """Every optional email category, on or off. Receipts and legal mail always go and are not listed."""

    is_learning_email_enabled: bool = Field(description="course completion (with the certificate link)")
    is_sales_email_enabled: bool = Field(description="creators: a new sale")
    is_refund_requests_email_enabled: bool = Field(description="creators: a new refund request")
    is_messages_email_enabled: bool = Field(description="a new direct message (at most one email per conversation "
                                                        "per unread streak and per 15 minutes)")


class EmailPreferencesOut(BaseModel):
    is_learning_email_enabled: bool
    is_sales_email_enabled: bool
    is_refund_requests_email_enabled: bool
    is_messages_email_enabled: bool
