"""The mail integration without AWS: templates (one layout, escaped HTML), SES throttling retried, local .eml files."""

from __future__ import annotations

import email
import email.policy

import pytest
from botocore.exceptions import ClientError

from chalicelib.integrations import mail


class FakeSes:
    """`send_raw_email` failing with `errors` first, then answering a message id."""

    def __init__(self, *errors: str) -> None:
        self.errors = list(errors)
        self.calls = 0

    def send_raw_email(self, **kwargs):
        self.calls += 1
        if self.errors:
            code = self.errors.pop(0)
            raise ClientError({"Error": {"Code": code, "Message": "Maximum sending rate exceeded."
                                         if code == "Throttling" else "no"}}, "SendRawEmail")
        return {"MessageId": "0100-abcdef-message"}


def mailer(tmp_path=None, *errors: str) -> tuple[mail.SesMailer, FakeSes]:
    ses = FakeSes(*errors)
    sender = mail.SesMailer("no-reply@example.com", "us-east-1", verify_sender=False,
                            eml_dir=str(tmp_path) if tmp_path else "")
    sender._client = ses
    return sender, ses


def send(sender: mail.SesMailer) -> str:
    return sender.send_alternatives(to="bob@example.com", subject="Hi", text="text", html="<p>html</p>", headers={})


def test_throttling_is_retried_with_backoff(monkeypatch):
    sleeps = []
    monkeypatch.setattr(mail.time, "sleep", sleeps.append)
    sender, ses = mailer(None, "Throttling", "Throttling")
    assert send(sender) == "0100-abcdef-message"
    assert ses.calls == 3 and sleeps == [0.2, 0.4]


def test_other_errors_and_endless_throttling_fail(monkeypatch):
    monkeypatch.setattr(mail.time, "sleep", lambda seconds: None)
    sender, ses = mailer(None, "MessageRejected")
    with pytest.raises(ClientError):
        send(sender)
    assert ses.calls == 1
    sender, ses = mailer(None, *["Throttling"] * mail.THROTTLE_ATTEMPTS)
    with pytest.raises(ClientError):
        send(sender)
    assert ses.calls == mail.THROTTLE_ATTEMPTS


def test_locally_every_message_is_also_an_eml_file(tmp_path):
    sender, _ = mailer(tmp_path)
    send(sender)
    [path] = tmp_path.glob("*.eml")
    message = email.message_from_string(path.read_text(), policy=email.policy.default)
    assert message["To"] == "bob@example.com" and message["Subject"] == "Hi"
    assert message.get_body(("html",)).get_content().strip() == "<p>html</p>"
    assert mailer(None)[0]._eml_dir == ""  # on AWS nothing is written


def test_every_kind_renders_in_the_one_layout_with_html_escaped():
    params = {"product_title": "Tips & <Tricks>", "amount": "1.00 USD", "coupon_note": "", "order_id": "ord_1",
              "library_url": "https://app/library", "members": ["A <b>", "B"], "members_note": "",
              "creator_name": "Alice", "learner_name": "Bob", "course_title": "Course", "certificate_id": "cert_1",
              "certificate_url": "https://app/c", "note": "", "sales_url": "https://app/s", "reason": "r",
              "request_id": "rr_1", "requests_url": "https://app/r", "app_url": "https://app", "footer": "Footer.",
              "sender_name": "Carol <c>", "preview": "Is it <hard>?", "conversation_url": "https://app/m"}
    kinds = sorted(p.stem for p in mail.TEMPLATES.glob("*.txt") if p.stem != "layout")
    assert len(kinds) == 11
    for kind in kinds:
        subject, text, page = mail.render(kind, params)
        assert subject and "$" not in subject + text + page, kind
        assert text.rstrip().endswith("Footer.") and "Creator Marketplace" in page and "Footer." in page
        assert "<Tricks>" not in page and "<b>" not in page  # values are escaped in the HTML part
    assert "<li>A &lt;b&gt;</li>" in mail.render("bundle_purchase", params)[2]
