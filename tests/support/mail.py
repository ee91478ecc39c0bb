"""What moto's SES sent, parsed: every message (simple or raw) as an `EmailMessage`, filtered by recipient."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

from tests.support.localstripe import sent_mail


def _parsed(sent) -> EmailMessage:
    if hasattr(sent, "raw_data"):
        return email.message_from_string(sent.raw_data, policy=email.policy.default)
    message = EmailMessage()
    message["Subject"], message["To"] = sent.subject, ", ".join(sent.destinations["ToAddresses"])
    message.set_content(sent.body)
    return message


def sent(to: str | None = None, since: int = 0) -> list[EmailMessage]:
    """Messages sent (after the first `since`), to `to` when given."""
    messages = [_parsed(m) for m in sent_mail()[since:]]
    return [m for m in messages if to is None or m["To"] == to]


def text(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def html(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()
