"""A blast's email: text and HTML (the body escaped, never rendered), and a signed one-click unsubscribe link.

The link's token is `base64url(user \\0 creator)` + an HMAC-SHA256 under a key derived from the cursor secret for
this purpose only (`HMAC(cursor_secret, "unsubscribe")`), so it cannot be forged or turned into a cursor, and no
new secret has to be deployed (rotating the cursor secret invalidates old links: the next email has a new one).
The API answers `POST` (RFC 8058 one-click, `List-Unsubscribe-Post`) and `GET` (the link clicked) alike.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import html
from typing import Any

from chalicelib.config import get_settings
from chalicelib.integrations import mail
from chalicelib.services.messaging.errors import InvalidUnsubscribeToken

UNSUBSCRIBE_PATH = "/v1/unsubscribe"


def _key() -> bytes:
    return hmac.new(get_settings().secret("cursor_secret").encode(), b"unsubscribe", hashlib.sha256).digest()


def _sign(payload: bytes) -> str:
    digest = hmac.new(_key(), payload, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def unsubscribe_token(user_id: str, creator_id: str) -> str:
    payload = f"{user_id}\x00{creator_id}".encode()
    return f"{base64.urlsafe_b64encode(payload).decode().rstrip('=')}.{_sign(payload)}"


def read_token(token: str) -> tuple[str, str]:
    """`(user_id, creator_id)` of a genuine token; 400 `invalid_unsubscribe_token` otherwise."""
    try:
        body, signature = token.split(".", 1)
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        user_id, creator_id = payload.decode().split("\x00")
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise InvalidUnsubscribeToken("invalid unsubscribe link") from None
    if not hmac.compare_digest(signature.encode(), _sign(payload).encode()) or not user_id or not creator_id:
        raise InvalidUnsubscribeToken("invalid unsubscribe link")
    return user_id, creator_id


def send(to: str, user_id: str, blast: Any, creator_name: str) -> str:
    """Send one recipient's copy; the SES message id."""
    link = f"{blast.api_base_url or get_settings().public_app_url}{UNSUBSCRIBE_PATH}?token=" \
           f"{unsubscribe_token(user_id, blast.creator_id)}"
    subject = f"{creator_name}: {blast.subject}"
    text = f"{blast.body}\n\n--\nYou bought from {creator_name}. Unsubscribe from their announcements: {link}\n"
    body = html.escape(blast.body).replace("\n", "<br>")
    page = (f"<html><body><p>{body}</p><hr><p>You bought from {html.escape(creator_name)}. "
            f'<a href="{html.escape(link)}">Unsubscribe from their announcements</a></p></body></html>')
    headers = {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return mail.mailer().send_alternatives(to=to, subject=subject, text=text, html=page, headers=headers)
