"""Transactional mail behind a small interface: SES (moto's SES locally and in tests), and its templates.

The boto3 client is created on first use. Outside prod the sender identity is verified on first use,
because the emulator only sends from verified identities; in prod it is verified once, out of band.
SES throttling (`Throttling`, "Maximum sending rate exceeded") is retried with backoff before a send fails.

Templates (`mail_templates/`): one layout family, `layout.txt` + `layout.html`, and per kind `<kind>.txt` (its
first line is the subject) and `<kind>.html`; `$name` placeholders, values HTML-escaped in the HTML part, a list
value rendered as a bulleted list. They are rendered here rather than stored as SES templates so the headers
(`List-Unsubscribe`) and the local `.eml` copy are exactly what was sent.

Locally (`MAIL_EML_DIR`, set by the local runtime) every message sent is also written as an `.eml` file there and
its path logged (`email written`), to open in any mail client.
"""

from __future__ import annotations

import functools
import html
import re
import string
import time
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path
from typing import Any, Protocol

from chalicelib.config import get_settings
from chalicelib.observability import logger

TEMPLATES = Path(__file__).with_name("mail_templates")
THROTTLE_ATTEMPTS = 4
THROTTLE_DELAY_SECONDS = 0.2
_THROTTLED = ("Throttling", "ThrottlingException", "TooManyRequestsException")


class Mailer(Protocol):
    def send(self, *, to: str, subject: str, text: str) -> str: ...

    def send_alternatives(self, *, to: str, subject: str, text: str, html: str, headers: dict[str, str]) -> str: ...


def throttled(exc: Exception) -> bool:
    """SES refused for the sending rate: worth retrying (anything else is not)."""
    error = getattr(exc, "response", {}).get("Error", {})
    return error.get("Code") in _THROTTLED or "Maximum sending rate exceeded" in str(error.get("Message", ""))


class SesMailer:
    def __init__(self, sender: str, region: str, verify_sender: bool, eml_dir: str = "") -> None:
        self._sender = sender
        self._region = region
        self._verify_sender = verify_sender
        self._eml_dir = eml_dir
        self._client: Any = None

    def _ses(self) -> Any:
        if self._client is None:
            import boto3

            client = boto3.client("ses", region_name=self._region)
            if self._verify_sender:
                client.verify_email_identity(EmailAddress=self._sender)
            self._client = client
        return self._client

    def _call(self, operation: str, **kwargs: Any) -> str:
        """One SES call, retried on throttling with exponential backoff; the message id."""
        from botocore.exceptions import ClientError

        for attempt in range(THROTTLE_ATTEMPTS):
            try:
                return getattr(self._ses(), operation)(**kwargs)["MessageId"]
            except ClientError as exc:
                if not throttled(exc) or attempt == THROTTLE_ATTEMPTS - 1:
                    raise
                time.sleep(THROTTLE_DELAY_SECONDS * 2 ** attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def send(self, *, to: str, subject: str, text: str) -> str:
        message_id = self._call(
            "send_email", Source=self._sender, Destination={"ToAddresses": [to]},
            Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                     "Body": {"Text": {"Data": text, "Charset": "UTF-8"}}})
        self._keep(self._headed(MIMEText(text, "plain", "utf-8"), to, subject, {}), message_id)
        return message_id

    def send_alternatives(self, *, to: str, subject: str, text: str, html: str, headers: dict[str, str]) -> str:
        """A text and an HTML part with extra headers (`List-Unsubscribe`…), which only a raw message can carry."""
        message = MIMEMultipart("alternative")
        self._headed(message, to, subject, headers)
        message.attach(MIMEText(text, "plain", "utf-8"))
        message.attach(MIMEText(html, "html", "utf-8"))
        message_id = self._call("send_raw_email", Source=self._sender, Destinations=[to],
                                RawMessage={"Data": message.as_string()})
        self._keep(message, message_id)
        return message_id

    def _headed(self, message: Message, to: str, subject: str, headers: dict[str, str]) -> Message:
        message["Subject"], message["From"], message["To"] = subject, self._sender, to
        for name, value in headers.items():
            message[name] = value
        return message

    def _keep(self, message: Message, message_id: str) -> None:
        """Locally: the message as an `.eml` file in the state folder, its path in the log."""
        if not self._eml_dir:
            return
        folder = Path(self._eml_dir)
        folder.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", str(message["Subject"]).lower()).strip("-")[:40]
        path = folder / f"{time.strftime('%Y%m%dT%H%M%S')}-{slug}-{message_id[:12]}.eml"
        path.write_text(message.as_string())
        logger.info("email written", extra={"path": str(path), "to": message["To"], "subject": message["Subject"]})


@functools.lru_cache(maxsize=1)
def mailer() -> Mailer:
    settings = get_settings()
    return SesMailer(settings.mail_from, settings.region, verify_sender=settings.stage != "prod",
                     eml_dir=settings.mail_eml_dir)


# --- templates -----------------------------------------------------------------------------------------------


def _values(params: dict[str, Any], as_html: bool) -> dict[str, str]:
    def one(value: Any) -> str:
        if isinstance(value, list):
            if as_html:
                return "<ul>" + "".join(f"<li>{html.escape(str(item))}</li>" for item in value) + "</ul>"
            return "\n".join(f"  - {item}" for item in value)
        return html.escape(str(value)) if as_html else str(value)

    return {name: one(value) for name, value in params.items()}


@functools.cache
def _template(name: str) -> str:
    return (TEMPLATES / name).read_text()


def render(kind: str, params: dict[str, Any]) -> tuple[str, str, str]:
    """`(subject, text, html)` of `kind` with `params` (a missing parameter raises KeyError: a bug, not mail)."""
    subject_line, _, text_body = _template(f"{kind}.txt").partition("\n")
    subject = string.Template(subject_line.removeprefix("Subject: ")).substitute(params)
    text_values, html_values = _values(params, False), _values(params, True)
    text = string.Template(_template("layout.txt")).substitute(
        body=string.Template(text_body.strip("\n")).substitute(text_values), **text_values)
    page = string.Template(_template("layout.html")).substitute(
        subject=html.escape(subject), body=string.Template(_template(f"{kind}.html")).substitute(html_values),
        **html_values)
    return subject, text, page
