"""Lifecycle emails (accounts.emails outbox): every way of getting a product, completion, refund decisions and the
creator's new sale / refund request — each exactly once with its event, HTML + text in one layout, honouring the
recipient's email preferences (receipts always go) — and the creator's in-app notifications beside them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.integrations.payments import RefundResult
from chalicelib.models.base import utcnow
from tests.support import localstripe as ls
from tests.support import mail
from tests.support.localstripe import localstripe, stripe_gateway  # noqa: F401 - fixtures
from tests.support.orders import make_order
from tests.support.webhooks import buy, deliver, succeeded

BOB, ALICE = "bob@example.com", "alice@example.com"


def _subjects(to: str, since: int = 0) -> list[str]:
    return [m["Subject"] for m in mail.sent(to, since)]


def _kinds(user: str) -> list[str]:
    from chalicelib.models import Notification

    return [n.kind for n in Notification.query(user) if n.notification_id.startswith("ntf_")]


def _one_layout(message) -> None:
    """Both parts, one layout: the HTML page and the text carry the brand and the footer."""
    assert "Creator Marketplace" in mail.text(message) and "<!doctype html>" in mail.html(message)
    assert "Creator Marketplace" in mail.html(message)


def _set_preferences(api, user: str, **switches) -> dict:
    body = {"is_learning_email_enabled": True, "is_sales_email_enabled": True,
            "is_refund_requests_email_enabled": True, "is_messages_email_enabled": True, **switches}
    response = api.call("PUT", "/v1/me/email-preferences", user, body)
    assert response.status_code == 200, response.json
    return response.json


@pytest.fixture
def paid(api, localstripe, stripe_gateway):  # noqa: F811
    api.creator("alice")
    product = api.published("alice", title="Sourdough <Basics>", product_type="ebook", price_cents=2500)
    return {"product": product, **buy(api, localstripe, product["product_id"])}


def test_a_paid_purchase_mails_the_buyer_and_the_creator_once_and_notifies_the_creator(api, paid):
    before = len(ls.sent_mail())
    body = succeeded(paid, "evt_mail_once")
    assert deliver(api, body).json["outcome"] == "granted"
    for _ in range(3):
        assert deliver(api, body).json["outcome"] == "duplicate"
    [receipt] = mail.sent(BOB, before)
    assert receipt["Subject"] == "Your purchase: Sourdough <Basics>"
    assert "Paid: 25.00 USD" in mail.text(receipt) and "Sourdough &lt;Basics&gt;" in mail.html(receipt)
    assert "receipts are always sent" in mail.text(receipt)
    _one_layout(receipt)
    [sale] = mail.sent(ALICE, before)
    assert sale["Subject"] == "New sale: Sourdough <Basics> (25.00 USD)" and "/creator/sales" in mail.text(sale)
    assert _kinds("alice") == ["sale"]
    feed = api.call("GET", "/v1/notifications", "alice").json
    assert feed["unread_count"] == 1 and feed["items"][0]["title"] == "New sale: Sourdough <Basics>"


def test_the_creator_who_turned_sales_mail_off_is_notified_but_not_mailed(api, paid):
    assert api.call("GET", "/v1/me/email-preferences", "alice").json == {
        "is_learning_email_enabled": True, "is_sales_email_enabled": True, "is_refund_requests_email_enabled": True,
        "is_messages_email_enabled": True}
    assert _set_preferences(api, "alice", is_sales_email_enabled=False)["is_sales_email_enabled"] is False
    assert api.call("GET", "/v1/me/email-preferences", "alice").json["is_sales_email_enabled"] is False
    before = len(ls.sent_mail())
    assert deliver(api, succeeded(paid)).json["outcome"] == "granted"
    assert mail.sent(ALICE, before) == [] and len(mail.sent(BOB, before)) == 1
    assert _kinds("alice") == ["sale"]


def test_preferences_refuse_unknown_and_missing_switches(api):
    assert api.call("PUT", "/v1/me/email-preferences", "bob", {"is_receipt_email_enabled": False}).status_code == 422
    assert api.call("PUT", "/v1/me/email-preferences", "bob",
                    {"is_learning_email_enabled": False}).status_code == 422


def test_a_free_claim_is_receipted_once(api):
    api.creator("alice")
    product = api.published("alice", title="Free zine", pricing_type="free", price_cents=0)
    api.call("GET", "/v1/me", "bob")  # bob's address on file
    first = api.call("POST", f"/v1/products/{product['product_id']}/checkout", "bob", {})
    assert first.status_code in (200, 201), first.json
    api.call("POST", f"/v1/products/{product['product_id']}/checkout", "bob", {})
    assert _subjects(BOB) == ["It is yours: Free zine"]
    assert mail.sent(ALICE) == [] and _kinds("alice") == []  # a claim is not a sale


def test_a_free_course_enrollment_is_receipted_once(api):
    api.creator("alice")
    course, _ = _tiny_course(api, pricing_type="free", price_cents=0)
    api.call("GET", "/v1/me", "bob")
    for _ in range(2):
        api.call("POST", f"/v1/products/{course}/enroll", "bob", {})
    assert _subjects(BOB) == ["It is yours: Tiny course"]


def test_a_hundred_percent_coupon_is_a_purchase_at_zero(api):
    api.creator("alice")
    product = api.published("alice", title="Book", price_cents=1999)
    api.call("POST", "/v1/creator/coupons", "alice", {"code": "FREE100", "kind": "percent", "discount_percent": 100})
    response = api.call("POST", f"/v1/products/{product['product_id']}/checkout", "bob", {"coupon_code": "free100"})
    assert response.json["status"] == "granted", response.json
    [receipt] = mail.sent(BOB)
    assert "Paid: 0.00 USD (coupon FREE100)" in mail.text(receipt)
    assert _subjects(ALICE) == ["New sale: Book (0.00 USD)"] and _kinds("alice") == ["sale"]


def test_a_bundle_receipt_lists_what_it_gives(api):
    api.creator("alice")
    members = [api.published("alice", title=f"Book {n}", price_cents=1500)["product_id"] for n in range(2)]
    bundle = api.call("POST", "/v1/products", "alice", {
        "product_type": "bundle", "title": "Everything", "pricing_type": "fixed", "price_cents": 2000,
        "description": "All of it", "bundle_product_ids": members}).json["product_id"]
    assert api.call("POST", f"/v1/products/{bundle}/publish", "alice").status_code == 200
    api.call("POST", "/v1/creator/coupons", "alice", {"code": "ALL", "kind": "percent", "discount_percent": 100})
    assert api.call("POST", f"/v1/products/{bundle}/checkout", "bob", {"coupon_code": "ALL"}).status_code in (200, 201)
    [receipt] = mail.sent(BOB)
    assert "bundle Everything" in mail.text(receipt)
    assert "  - Book 0\n  - Book 1" in mail.text(receipt) and "<li>Book 1</li>" in mail.html(receipt)


def test_a_gift_tells_the_recipient_who_gave_it(api):
    api.creator("alice")
    product = api.published("alice", title="Gifted book")
    api.call("GET", "/v1/me", "bob")
    for _ in range(2):
        api.call("POST", f"/v1/products/{product['product_id']}/grants", "alice",
                 {"user_id": "bob", "access_type": "gifted"})
    assert _subjects(BOB) == ["Alice gave you Gifted book"]


def _tiny_course(api, **fields) -> tuple[str, str]:
    from chalicelib.services.catalog import products
    from chalicelib.services.courses import lessons, modules

    pid = api.product("alice", product_type="course", title="Tiny course", **fields)["product_id"]
    module = modules.add_module("alice", pid, {"title": "All"}).module_id
    lesson = lessons.add_lesson("alice", pid, module, {"title": "Only", "content_type": "text", "content": "hi"})
    products.publish_product("alice", pid)
    return pid, lesson["lesson_id"]


def test_completion_mails_the_certificate_link_once_unless_learning_mail_is_off(api):
    from tests.support.courses import grant

    api.creator("alice")
    course, lesson_id = _tiny_course(api, price_cents=900)
    for learner in ("bob", "carol"):
        grant(learner, course)
    _set_preferences(api, "carol", is_learning_email_enabled=False)
    api.call("GET", "/v1/me", "bob")
    for learner in ("bob", "bob", "carol"):
        done = api.call("PUT", f"/v1/products/{course}/lessons/{lesson_id}/progress", learner, {"is_completed": True})
        assert done.json["enrollment"]["is_completed"] is True, done.json
    from chalicelib.models import Enrollment

    [message] = mail.sent(BOB)
    assert message["Subject"] == "You completed Tiny course"
    assert f"/certificates/{Enrollment.get('bob', course).certificate_id}" in mail.text(message)
    assert "Congratulations, Bob" in mail.text(message) and "Turn it off" in mail.text(message)
    assert Enrollment.get("carol", course).certificate_id  # issued, not mailed
    assert mail.sent("carol@example.com") == []


class Refunds:
    """Stripe's refund answer: always succeeded, one refund per idempotency key."""

    def __init__(self) -> None:
        self.refunds: dict[str, RefundResult] = {}

    def create_refund(self, *, payment_intent_id, amount_cents, idempotency_key, metadata) -> RefundResult:
        return self.refunds.setdefault(idempotency_key, RefundResult(f"re_{len(self.refunds)}", "succeeded",
                                                                     amount_cents))


@pytest.fixture
def refunds(api, monkeypatch):
    monkeypatch.setattr("chalicelib.services.commerce.refunds._gateway", lambda: Refunds())
    api.call("GET", "/v1/me", "bob")
    return make_order(api, grant=True)


def _ask(api, order_id, **body):
    response = api.call("POST", f"/v1/orders/{order_id}/refund-requests", "bob", {"reason": "Too basic", **body})
    assert response.status_code == 201, response.json
    return response.json["request_id"]


def _decide(api, request_id, action, body=None):
    response = api.call("POST", f"/v1/creator/refund-requests/{request_id}/{action}", "alice", body or {})
    assert response.status_code == 200, response.json


def test_a_refund_request_mails_and_notifies_the_creator_once(api, refunds):
    request_id = _ask(api, refunds)
    [message] = mail.sent(ALICE)
    assert message["Subject"] == "Refund requested: A book (15.00 USD)"
    assert "Too basic" in mail.text(message) and request_id in mail.text(message)
    assert _kinds("alice") == ["refund_request"]
    _set_preferences(api, "alice", is_refund_requests_email_enabled=False)
    _decide(api, request_id, "deny")
    _ask(api, refunds)
    assert len(mail.sent(ALICE)) == 1 and _kinds("alice") == ["refund_request", "refund_request"]


def test_refund_decisions_are_mailed_to_the_buyer_once_each(api, refunds):
    first = _ask(api, refunds, amount_cents=500)
    _decide(api, first, "approve")
    _decide(api, first, "approve")  # a repeat: no second refund, no second email
    second = _ask(api, refunds, amount_cents=300)
    _decide(api, second, "deny", {"note": "You finished it"})
    _decide(api, second, "deny")
    third = _ask(api, refunds)
    _decide(api, third, "approve")
    subjects = [s.split(":")[0] for s in _subjects(BOB)]
    assert subjects == ["Partial refund issued", "Refund request declined", "Refund issued"]
    partial, denied, full = mail.sent(BOB)
    assert "5.00 USD" in mail.text(partial) and "You keep your access" in mail.text(partial)
    assert "3.00 USD" in mail.text(denied) and "Their note: You finished it" in mail.text(denied)
    assert "10.00 USD" in mail.text(full) and "Access to" in mail.text(full)


def test_a_failed_send_stays_queued_and_goes_once_later(api, paid):
    from chalicelib.integrations import mail as mail_integration
    from chalicelib.models import OutboxMail
    from chalicelib.services.accounts import emails

    mailer = mail_integration.mailer()

    def down(**kwargs):
        raise RuntimeError("SES unavailable")

    mailer.send_alternatives = down
    try:
        assert deliver(api, succeeded(paid)).status_code == 500
    finally:
        del mailer.send_alternatives
    order_id = paid["order"]["order_id"]
    assert OutboxMail.get(f"receipt:{order_id}").status == "pending" and mail.sent() == []
    assert emails.sweep() == 0  # too fresh: the request that queued them may still be sending them
    later = utcnow() + timedelta(minutes=2)
    assert emails.sweep(now=later) == 2  # the schedule's retry
    assert emails.sweep(now=later) == 0  # sent: out of the unsent index
    emails.deliver(f"receipt:{order_id}", f"sale:{order_id}")  # and a late redelivery sends nothing again
    assert len(mail.sent(BOB)) == 1 and len(mail.sent(ALICE)) == 1
    assert OutboxMail.get(f"receipt:{order_id}").status == "sent"


def test_the_schedule_sends_what_a_request_could_not(api, refunds):
    from chalicelib.integrations import mail as mail_integration
    from chalicelib.services.accounts import emails

    mailer = mail_integration.mailer()
    mailer.send_alternatives = lambda **kwargs: (_ for _ in ()).throw(RuntimeError("SES unavailable"))
    try:
        _ask(api, refunds)  # answered 201: the creator's email stays queued
    finally:
        del mailer.send_alternatives
    assert mail.sent(ALICE) == []
    assert emails.sweep(now=utcnow() + timedelta(minutes=2)) == 1
    assert _subjects(ALICE) == ["Refund requested: A book (15.00 USD)"]
