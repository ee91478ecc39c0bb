"""Transactional mail behind a small interface: SES (moto's SES locally and in tests).

The boto3 client is created on first use. Outside prod the sender identity is verified on first use,
because the emulator only sends from verified identities; in prod it is verified once, out of band.
"""

from __future__ import annotations

import functools
from typing import Any, Protocol

from chalicelib.config import get_settings


class Mailer(Protocol):
    def send(self, *, to: str, subject: str, text: str) -> str: ...

    def send_alternatives(self, *, to: str, subject: str, text: str, html: str, headers: dict[str, str]) -> str: ...


class SesMailer:
    def __init__(self, sender: str, region: str, verify_sender: bool) -> None:
        self._sender = sender
        self._region = region
        self._verify_sender = verify_sender
        self._client: Any = None

    def _ses(self) -> Any:
        if self._client is None:
            import boto3

            client = boto3.client("ses", region_name=self._region)
            if self._verify_sender:
                client.verify_email_identity(EmailAddress=self._sender)
            self._client = client
        return self._client

    def send(self, *, to: str, subject: str, text: str) -> str:
        response = self._ses().send_email(
            Source=self._sender, Destination={"ToAddresses": [to]},
            Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                     "Body": {"Text": {"Data": text, "Charset": "UTF-8"}}},
        )
        return response["MessageId"]

    def send_alternatives(self, *, to: str, subject: str, text: str, html: str, headers: dict[str, str]) -> str:
        """A text and an HTML part with extra headers (`List-Unsubscribe`…), which only a raw message can carry."""
        from email.mime.multipart import MIMEMultipart
        from email.mime.text import MIMEText

        message = MIMEMultipart("alternative")
        message["Subject"], message["From"], message["To"] = subject, self._sender, to
        for name, value in headers.items():
            message[name] = value
        message.attach(MIMEText(text, "plain", "utf-8"))
        message.attach(MIMEText(html, "html", "utf-8"))
        response = self._ses().send_raw_email(Source=self._sender, Destinations=[to],
                                              RawMessage={"Data": message.as_string()})
        return response["MessageId"]


@functools.lru_cache(maxsize=1)
def mailer() -> Mailer:
    settings = get_settings()
    return SesMailer(settings.mail_from, settings.region, verify_sender=settings.stage != "prod")
