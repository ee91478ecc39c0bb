"""Lounge rooms and blasts: membership follows fulfilment exactly once through the real webhook service (duplicate
and reordered events, refund, dispute), the room's modes, and a blast fanned out through the queue by the handler
Lambda runs — with a worker that dies mid-batch and SES failing once."""

from __future__ import annotations

import pytest

from tests.support import localstripe as ls
from tests.support.localstripe import localstripe, stripe_gateway  # noqa: F401 - fixtures
from tests.support.messaging import blast_queue, claim, drain
from tests.support.webhooks import buy, deliver, succeeded


def _room(api, product_id, user):
    return api.call("GET", f"/v1/products/{product_id}/room", user)


@pytest.fixture
def course(api):
    api.creator("alice")
    return api.published("alice", title="Paid course", product_type="course", price_cents=2500)["product_id"]


@pytest.mark.usefixtures("stripe_gateway")
def test_membership_follows_payment_events_exactly_once(api, localstripe, course):  # noqa: F811
    bought = buy(api, localstripe, course)
    assert _room(api, course, "bob").status_code == 404  # paid but not yet fulfilled
    refund = ls.event("charge.refunded", ls.charge(bought["intent"]["id"], 2500, 2500))
    body = succeeded(bought)
    for event in (body, body, body):  # duplicates
        assert deliver(api, event).status_code == 200
    room = _room(api, course, "bob")
    assert room.status_code == 200 and room.json["member_count"] == 1
    assert room.json["creator"]["display_name"] == "Alice" and room.json["can_post"] is True
    dispute = ls.event("charge.dispute.created", ls.dispute(bought["intent"]["id"], "needs_response"))
    assert deliver(api, dispute).json["outcome"] == "suspended"
    assert _room(api, course, "bob").status_code == 404
    assert _room(api, course, "alice").json["member_count"] == 0
    won = ls.event("charge.dispute.closed", ls.dispute(bought["intent"]["id"], "won"))
    assert deliver(api, won).json["outcome"] == "restored"
    assert _room(api, course, "bob").json["member_count"] == 1
    deliver(api, refund)
    assert _room(api, course, "bob").status_code == 404
    assert _room(api, course, "alice").json["member_count"] == 0
    deliver(api, body)  # a late duplicate of the success changes nothing
    assert _room(api, course, "alice").json["member_count"] == 0


@pytest.mark.usefixtures("stripe_gateway")
def test_a_refund_before_the_success_never_makes_a_member(api, localstripe, course):  # noqa: F811
    bought = buy(api, localstripe, course)
    deliver(api, ls.event("charge.refunded", ls.charge(bought["intent"]["id"], 2500, 2500)))
    deliver(api, succeeded(bought))
    assert _room(api, course, "bob").status_code == 404
    assert _room(api, course, "alice").json["member_count"] == 0


def test_ten_concurrent_deliveries_make_one_member(moto_server, localstripe, monkeypatch):  # noqa: F811
    from chalicelib.integrations import mail, payments
    from chalicelib.services.access import grants
    from chalicelib.services.accounts import users
    from chalicelib.services.catalog import products
    from chalicelib.services.commerce import checkout

    gateway = payments.StripeGateway(localstripe.api_key, ls.SECRET, localstripe.url)
    monkeypatch.setattr(payments, "gateway", lambda: gateway)
    mail.mailer.cache_clear()
    try:
        users.open_creator_account("alice", "alice@example.com", "Alice", None)
        product = products.create_product("alice", {"product_type": "ebook", "title": "Busy", "description": "d",
                                                   "pricing_type": "fixed", "price_cents": 1000})
        products.publish_product("alice", product.product_id)
        order = checkout.checkout("bob", "bob@example.com", product.product_id, None, None)
        intent = ls.pay_with_test_card(localstripe, order["client_secret"].split("_secret_")[0])
        outcomes = ls.deliver_burst(gateway, ls.event("payment_intent.succeeded", intent, "evt_room_burst"))
        assert sorted(outcomes) == ["duplicate"] * 9 + ["granted"]
        assert grants.holder_count(product.product_id) == 1
    finally:
        mail.mailer.cache_clear()


def test_room_modes_and_archive(api):
    api.creator("alice")
    free = api.published("alice", title="Free", pricing_type="free", price_cents=0)["product_id"]
    claim(api, "bob", free)
    posts = f"/v1/products/{free}/room/posts"
    assert api.call("POST", posts, "bob", {"body": "hi all"}).status_code == 201
    assert api.call("PATCH", f"/v1/products/{free}/room", "bob", {"mode": "announcements"}).status_code == 404
    assert api.call("PATCH", f"/v1/products/{free}/room", "alice", {"mode": "announcements"}).json[
        "mode"] == "announcements"
    refused = api.call("POST", posts, "bob", {"body": "hello?"})
    assert refused.status_code == 403 and refused.json["error"]["code"] == "room_read_only"
    assert api.call("POST", posts, "alice", {"body": "Welcome"}).status_code == 201
    items = api.call("GET", posts, "bob").json["items"]
    assert [(p["body"], p["sender_display_name"]) for p in items] == [("Welcome", "Alice"), ("hi all", "Bob")]
    assert api.call("POST", f"/v1/products/{free}/archive", "alice").status_code == 200
    assert api.call("POST", posts, "alice", {"body": "closed"}).status_code == 403
    assert api.call("GET", posts, "bob").status_code == 200  # read-only, still readable by members


def test_the_creator_sets_up_a_drafts_room_before_launch_nobody_else_sees_it(api):
    api.creator("alice")
    draft = api.product("alice", title="Soon")["product_id"]
    room = f"/v1/products/{draft}/room"
    assert api.call("GET", room, "bob").status_code == 404
    assert api.call("PATCH", room, "alice", {"mode": "announcements"}).json["mode"] == "announcements"
    assert api.call("POST", f"/v1/products/{draft}/publish", "alice").status_code == 200
    assert api.call("GET", room, "alice").json["mode"] == "announcements"  # the same room, published


def test_a_blast_reaches_every_member_once_despite_a_dying_worker(api, monkeypatch):
    """Two targeted products, a person holding both, one unsubscribed member, small pages (several steps); the
    worker dies while notifying the 4th recipient and SES fails once: redelivered steps neither repeat nor lose."""
    from chalicelib.integrations import mail
    from chalicelib.services.messaging import blasts, notifications

    mail.mailer.cache_clear()
    monkeypatch.setattr(blasts, "PAGE_SIZE", 2)
    api.creator("alice")
    one = api.published("alice", title="One", pricing_type="free", price_cents=0)["product_id"]
    two = api.published("alice", title="Two", pricing_type="free", price_cents=0)["product_id"]
    members = ["bob", "carol", "dan", "eve", "fay"]
    for user in members:
        api.call("GET", "/v1/me", user)  # their user rows, with their emails
        claim(api, user, one)
    claim(api, "bob", two)
    claim(api, "gus", two)  # gus has no email address on file: notified, not emailed
    pump, queue = blast_queue()

    first = api.call("POST", "/v1/creator/blasts", "alice", {"product_ids": [one], "subject": "Hi", "body": "First"})
    assert first.status_code == 202 and first.json["status"] == "queued"
    drain(pump, queue)
    mailed = _mails("Alice: Hi")
    assert len(mailed) == 5
    link = mailed[0]["List-Unsubscribe"].strip("<>")
    leaving = mailed[0]["To"]
    token = link.split("token=")[1]
    assert api.call("POST", f"/v1/unsubscribe?token={token}").status_code == 200  # one click
    forged = api.call("POST", f"/v1/unsubscribe?token={token[:-2]}xx")
    assert forged.status_code == 400 and forged.json["error"]["code"] == "invalid_unsubscribe_token"

    calls = {"notify": 0, "ses": 0}
    real_add, real_send = notifications.add, mail.mailer().send_alternatives

    def dying_add(*args, **kwargs):
        calls["notify"] += 1
        if calls["notify"] == 4:
            raise RuntimeError("worker died")
        return real_add(*args, **kwargs)

    def flaky_send(**kwargs):
        calls["ses"] += 1
        if calls["ses"] == 2:
            raise ConnectionError("SES unavailable")
        return real_send(**kwargs)

    monkeypatch.setattr(notifications, "add", dying_add)
    monkeypatch.setattr(mail.mailer(), "send_alternatives", flaky_send)
    blast = api.call("POST", "/v1/creator/blasts", "alice", {"product_ids": [one, two], "subject": "News",
                                                             "body": "Second <script>x</script>"}).json
    assert drain(pump, queue)["failures"] == 2  # the death and the SES failure, each redelivered
    for user in [*members, "gus"]:
        ids = [n["blast_id"] for n in api.call("GET", "/v1/notifications", user).json["items"] if n["kind"] == "blast"]
        assert ids.count(blast["blast_id"]) == 1, user
    sent = _mails("Alice: News")
    recipients = sorted(m["To"] for m in sent)
    assert len(recipients) == len(set(recipients)) == 4 and leaving not in recipients  # 5 with email, 1 left
    assert sent[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, page = (part.get_payload(decode=True).decode() for part in sent[0].get_payload())
    assert "Second <script>x</script>" in text and "&lt;script&gt;" in page and "<script>" not in page
    status = api.call("GET", f"/v1/creator/blasts/{blast['blast_id']}", "alice").json
    assert (status["status"], status["sent_count"], status["emailed_count"], status["suppressed_count"]) == (
        "sent", 6, 4, 2)
    room = api.call("GET", f"/v1/products/{two}/room/posts", "gus").json["items"]
    assert room[0]["kind"] == "announcement" and room[0]["body"].startswith("Second")


def _mails(subject: str) -> list:
    """Sent raw mails with this subject, parsed (headers unfolded)."""
    import email
    import email.policy

    parsed = [email.message_from_string(m.raw_data, policy=email.policy.default) for m in ls.sent_mail()
              if hasattr(m, "raw_data")]
    return [m for m in parsed if m["Subject"] == subject]
