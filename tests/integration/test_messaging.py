"""Direct messages, the inbox and notifications over HTTP: who may start a conversation, text rules, block, limits,
unread counts, `since` and 304 polling (services/messaging)."""

from __future__ import annotations

import pytest

from tests.support.messaging import claim


@pytest.fixture
def shop(api):
    """alice sells a paid ebook and a free one; bob claimed the free one (a buyer); carol is a prospect."""
    api.creator("alice")
    paid = api.published("alice", title="Paid")["product_id"]
    free = api.published("alice", title="Free", pricing_type="free", price_cents=0)["product_id"]
    claim(api, "bob", free)
    return {"paid": paid, "free": free}


def _start(api, user, product_id, body="Hello!", **extra):
    return api.call("POST", "/v1/conversations", user, {"product_id": product_id, "body": body, **extra})


def test_a_prospect_messages_the_creator_and_both_inboxes_follow(api, shop):
    started = _start(api, "carol", shop["paid"], "Is chapter 3 <b>hard</b>?\n")
    assert started.status_code == 201, started.json
    assert started.json["body"] == "Is chapter 3 <b>hard</b>?\n"  # stored and answered exactly as sent
    inbox = api.call("GET", "/v1/creator/inbox", "alice").json
    assert inbox["unread_count"] == 1 and len(inbox["items"]) == 1
    entry = inbox["items"][0]
    assert entry["other_party"]["display_name"] == "Carol" and "email" not in entry["other_party"]
    assert entry["product_ids"] == [shop["paid"]] and entry["unread_count"] == 1
    conversation_id = entry["conversation_id"]
    # a second start about another product continues the same conversation with a second context
    again = _start(api, "carol", shop["free"], "And the free one?")
    assert again.status_code == 200
    detail = api.call("GET", f"/v1/conversations/{conversation_id}", "alice").json
    assert sorted(detail["product_ids"]) == sorted([shop["paid"], shop["free"]]) and detail["unread_count"] == 2
    by_product = api.call("GET", f"/v1/creator/inbox?product_id={shop['free']}", "alice").json["items"]
    assert [item["conversation_id"] for item in by_product] == [conversation_id]
    # the reply marks alice's side read; carol has one unread and one notification
    reply = api.call("POST", f"/v1/conversations/{conversation_id}/messages", "alice", {"body": "Not at all."})
    assert reply.status_code == 201
    assert api.call("GET", "/v1/creator/inbox", "alice").json["unread_count"] == 0
    mine = api.call("GET", "/v1/conversations?is_unread=true", "carol").json
    assert mine["unread_count"] == 1 and mine["items"][0]["last_message_preview"] == "Not at all."
    notes = api.call("GET", "/v1/notifications", "carol").json
    assert notes["unread_count"] == 1 and notes["items"][0]["kind"] == "message"
    messages = api.call("GET", f"/v1/conversations/{conversation_id}/messages", "carol").json["items"]
    assert [m["body"] for m in messages] == ["Not at all.", "And the free one?", "Is chapter 3 <b>hard</b>?\n"]
    read = api.call("POST", f"/v1/conversations/{conversation_id}/read", "carol", {})
    assert read.status_code == 200 and read.json["unread_count"] == 0
    assert api.call("GET", "/v1/conversations?is_unread=true", "carol").json["items"] == []


def test_who_may_start_a_conversation(api, shop):
    api.creator("dave")
    draft = api.product("alice", title="Draft")["product_id"]
    assert _start(api, "carol", draft).status_code == 404  # no messaging a creator through an unpublished product
    assert _start(api, "carol", shop["paid"], recipient_id="bob").status_code == 403  # no cold messages to buyers
    assert _start(api, "alice", shop["paid"], recipient_id="carol").status_code == 403  # carol bought nothing
    assert _start(api, "dave", shop["free"], recipient_id="bob").status_code == 403  # not dave's product
    assert _start(api, "alice", shop["free"], recipient_id="bob").status_code == 201  # alice's own buyer
    assert _start(api, "carol", "prd_nope").status_code == 404


def test_text_rules(api, shop):
    assert _start(api, "carol", shop["paid"], "").status_code == 422
    assert _start(api, "carol", shop["paid"], " \n\t ").status_code == 422
    assert _start(api, "carol", shop["paid"], "x" * 4001).status_code == 422
    assert _start(api, "carol", shop["paid"], "x" * 4000).status_code == 201


def test_another_users_conversation_is_404(api, shop):
    _start(api, "carol", shop["paid"])
    conversation_id = api.call("GET", "/v1/conversations", "carol").json["items"][0]["conversation_id"]
    for method, path, body in (("GET", "", None), ("GET", "/messages", None), ("POST", "/messages", {"body": "hi"}),
                               ("POST", "/read", {}), ("POST", "/block", None)):
        response = api.call(method, f"/v1/conversations/{conversation_id}{path}", "bob", body)
        assert response.status_code == 404, (method, path, response.json)


def test_a_block_stops_both_directions_and_stores_nothing(api, shop):
    _start(api, "carol", shop["paid"])
    conversation_id = api.call("GET", "/v1/conversations", "carol").json["items"][0]["conversation_id"]
    assert api.call("POST", f"/v1/conversations/{conversation_id}/block", "alice").json["is_blocked"] is True
    for user in ("alice", "carol"):
        refused = api.call("POST", f"/v1/conversations/{conversation_id}/messages", user, {"body": "still there?"})
        assert refused.status_code == 403 and refused.json["error"]["code"] == "blocked"
    assert _start(api, "carol", shop["free"]).status_code == 403
    assert len(api.call("GET", f"/v1/conversations/{conversation_id}/messages", "carol").json["items"]) == 1
    api.call("DELETE", f"/v1/conversations/{conversation_id}/block", "alice")
    assert api.call("POST", f"/v1/conversations/{conversation_id}/messages", "carol",
                    {"body": "back"}).status_code == 201


def test_rate_limits_answer_429_with_retry_after(api, shop, monkeypatch):
    from chalicelib.services.messaging import contacts

    monkeypatch.setattr(contacts, "PROSPECT_NEW_PER_DAY", 1)
    monkeypatch.setattr(contacts, "SEND_PER_MINUTE", 3)
    api.creator("erin")
    other = api.published("erin", title="Erin's")["product_id"]
    assert _start(api, "carol", shop["paid"]).status_code == 201
    refused = _start(api, "carol", other)  # a second new conversation the same day, as a prospect
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert _start(api, "bob", shop["free"]).status_code == 201  # bob is a buyer of it: no daily cap
    conversation_id = api.call("GET", "/v1/conversations", "bob").json["items"][0]["conversation_id"]
    statuses = [api.call("POST", f"/v1/conversations/{conversation_id}/messages", "bob", {"body": "m"}).status_code
                for _ in range(3)]
    assert statuses == [201, 201, 429]  # 3 per minute, the start included


def test_polling_is_cheap_304_and_since(api, shop):
    _start(api, "carol", shop["paid"], "one")
    first = api.call("GET", "/v1/conversations", "alice")
    etag = first.headers["ETag"]
    assert api.call("GET", "/v1/conversations", "alice", headers={"If-None-Match": etag}).status_code == 304
    conversation_id = first.json["items"][0]["conversation_id"]
    page = api.call("GET", f"/v1/conversations/{conversation_id}/messages", "alice").json
    since = page["sync_cursor"]
    assert api.call("GET", f"/v1/conversations/{conversation_id}/messages?since={since}", "alice").json[
        "items"] == []
    api.call("POST", f"/v1/conversations/{conversation_id}/messages", "carol", {"body": "two"})
    new = api.call("GET", f"/v1/conversations/{conversation_id}/messages?since={since}", "alice").json
    assert [m["body"] for m in new["items"]] == ["two"] and new["sync_cursor"] != since
    changed = api.call("GET", "/v1/conversations", "alice", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    # a sync cursor is bound to its list: replayed on another, 400
    assert api.call("GET", f"/v1/notifications?since={since}", "alice").status_code == 400


def test_notifications_mark_read(api, shop):
    _start(api, "carol", shop["paid"])
    notes = api.call("GET", "/v1/notifications", "alice").json
    assert notes["unread_count"] == 1 and notes["items"][0]["is_read"] is False
    one = notes["items"][0]["notification_id"]
    assert api.call("POST", "/v1/notifications/read", "alice", {"notification_id": one}).json["unread_count"] == 0
    assert api.call("POST", "/v1/notifications/read", "alice", {"notification_id": one}).json["unread_count"] == 0
    assert api.call("GET", "/v1/notifications", "alice").json["items"][0]["is_read"] is True
    assert api.call("POST", "/v1/notifications/read", "bob", {"notification_id": one}).status_code == 404


def test_new_message_emails_are_batched_per_conversation_and_can_be_turned_off(api, shop, monkeypatch):
    """One email per unread streak and at most one per EMAIL_EVERY for a conversation; the `messages` category is
    the recipient's to turn off (issue 16)."""
    from chalicelib.integrations import mail
    from chalicelib.services.messaging import conversations
    from tests.support import mail as sent

    mail.mailer.cache_clear()

    def mails_to(user: str) -> list:
        return [m for m in sent.sent(f"{user}@example.com") if "New message" in m["Subject"]]

    assert _start(api, "carol", shop["paid"], "First question").status_code == 201
    conversation_id = api.call("GET", "/v1/creator/inbox", "alice").json["items"][0]["conversation_id"]
    assert len(mails_to("alice")) == 1 and "First question" in sent.text(mails_to("alice")[0])
    send = f"/v1/conversations/{conversation_id}/messages"
    assert api.call("POST", send, "carol", {"body": "Second one"}).status_code == 201
    assert len(mails_to("alice")) == 1  # still unread: the same streak, no second email
    api.call("POST", f"/v1/conversations/{conversation_id}/read", "alice", {})
    api.call("POST", send, "carol", {"body": "Third, after you read"})
    assert len(mails_to("alice")) == 1  # a new streak, but within EMAIL_EVERY of the last email
    monkeypatch.setattr(conversations, "EMAIL_EVERY", conversations.timedelta(0))
    api.call("POST", f"/v1/conversations/{conversation_id}/read", "alice", {})
    api.call("POST", send, "carol", {"body": "Fourth"})
    assert len(mails_to("alice")) == 2
    off = {"is_learning_email_enabled": True, "is_sales_email_enabled": True,
           "is_refund_requests_email_enabled": True, "is_messages_email_enabled": False}
    assert api.call("PUT", "/v1/me/email-preferences", "alice", off).json == off
    api.call("POST", f"/v1/conversations/{conversation_id}/read", "alice", {})
    api.call("POST", send, "carol", {"body": "Fifth"})
    assert len(mails_to("alice")) == 2  # turned off
