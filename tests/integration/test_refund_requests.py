"""Refund requests through the API: the buyer asks within the window, the order's creator approves (one Stripe
refund, idempotency key `refund-<request_id>`) or denies. Orders are written directly as paid (the checkout and
webhook flows are tested elsewhere); the payment gateway is a fake behind the service's `_gateway` seam."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.integrations.payments import PaymentProviderError, RefundResult
from tests.support.orders import make_order


class FakeGateway:
    """Stripe's refund semantics that matter here: the same idempotency key returns the same refund."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.refunds: dict[str, RefundResult] = {}
        self.fail_next = 0

    def create_refund(self, *, payment_intent_id: str, amount_cents: int, idempotency_key: str,
                      metadata: dict[str, str]) -> RefundResult:
        self.calls.append({"payment_intent_id": payment_intent_id, "amount_cents": amount_cents,
                           "idempotency_key": idempotency_key, "metadata": metadata})
        if self.fail_next:
            self.fail_next -= 1
            raise PaymentProviderError("payment provider error: network")
        if idempotency_key not in self.refunds:
            self.refunds[idempotency_key] = RefundResult(f"re_{len(self.refunds) + 1}", "succeeded", amount_cents)
        return self.refunds[idempotency_key]


@pytest.fixture
def gateway(monkeypatch) -> FakeGateway:
    fake = FakeGateway()
    monkeypatch.setattr("chalicelib.services.commerce.refunds._gateway", lambda: fake)
    return fake


def ask(api, order_id: str, user: str = "bob", **body):
    return api.call("POST", f"/v1/orders/{order_id}/refund-requests", user, {"reason": "Not what I expected", **body})


def decide(api, request_id: str, action: str, user: str = "alice", body=None):
    return api.call("POST", f"/v1/creator/refund-requests/{request_id}/{action}", user, body or {})


def test_request_list_approve_and_see_the_refund(api, gateway):
    order_id = make_order(api)
    created = ask(api, order_id)
    assert created.status_code == 201, created.json
    request = created.json
    assert request["status"] == "pending" and request["amount_cents"] == 1500 and request["currency"] == "USD"
    assert request["order_id"] == order_id and request["reason"] == "Not what I expected"

    queue = api.call("GET", "/v1/creator/refund-requests?status=pending", "alice")
    assert queue.status_code == 200
    assert [item["request_id"] for item in queue.json["items"]] == [request["request_id"]]
    assert api.call("GET", "/v1/creator/refund-requests", "alice").json["items"] == queue.json["items"]

    approved = decide(api, request["request_id"], "approve")
    assert approved.status_code == 200, approved.json
    assert approved.json["status"] == "refunded" and approved.json["refund_id"] == "re_1"
    assert approved.json["approved_amount_cents"] == 1500
    assert gateway.calls == [{"payment_intent_id": f"pi_{order_id}", "amount_cents": 1500,
                              "idempotency_key": f"refund-{request['request_id']}",
                              "metadata": {"refund_request_id": request["request_id"], "order_id": order_id,
                                           "product_id": request["product_id"], "buyer_id": "bob"}}]

    mine = api.call("GET", f"/v1/orders/{order_id}/refund-requests", "bob")
    assert mine.status_code == 200
    assert [(r["request_id"], r["status"], r["refund_id"]) for r in mine.json["items"]] == [
        (request["request_id"], "refunded", "re_1")]
    assert api.call("GET", "/v1/creator/refund-requests?status=pending", "alice").json["items"] == []
    refunded = api.call("GET", "/v1/creator/refund-requests?status=refunded", "alice").json["items"]
    assert [r["request_id"] for r in refunded] == [request["request_id"]]


def test_window_closed_and_per_product_window(api, gateway):
    late = make_order(api, paid_days_ago=31)
    response = ask(api, late)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "refund_window_closed"
    assert ask(api, make_order(api, paid_days_ago=29)).status_code == 201

    short = api.published("alice", title="Short window", refund_window_days=7)["product_id"]
    assert ask(api, make_order(api, product_id=short, paid_days_ago=8)).json["error"]["code"] == \
        "refund_window_closed"
    assert ask(api, make_order(api, product_id=short, paid_days_ago=6)).status_code == 201
    assert gateway.calls == []


def test_one_open_request_per_order(api, gateway):
    order_id = make_order(api)
    assert ask(api, order_id).status_code == 201
    second = ask(api, order_id, reason="again")
    assert second.status_code == 409
    assert second.json["error"]["code"] == "refund_request_open"
    assert len(api.call("GET", f"/v1/orders/{order_id}/refund-requests", "bob").json["items"]) == 1


def test_only_own_paid_orders(api, gateway):
    order_id = make_order(api)
    for user in ("mallory", "alice"):  # a stranger and the creator herself: not their order
        assert ask(api, order_id, user).status_code == 404
        assert api.call("GET", f"/v1/orders/{order_id}/refund-requests", user).status_code == 404
    assert ask(api, "ord_missing").status_code == 404
    product_id = api.published("alice", title="Other")["product_id"]
    for status in ("pending", "refunded", "disputed", "failed"):
        response = ask(api, make_order(api, product_id=product_id, status=status))
        assert response.status_code == 409, status
        assert response.json["error"]["code"] == "order_not_refundable"
    assert ask(api, make_order(api, product_id=product_id, status="partially_refunded", refunded_cents=500)) \
        .json["amount_cents"] == 1000


def test_request_validation(api, gateway):
    order_id = make_order(api)
    assert ask(api, order_id, reason="").status_code == 422
    assert ask(api, order_id, reason="x" * 1001).status_code == 422
    assert ask(api, order_id, amount_cents=0).status_code == 422
    assert ask(api, order_id, amount_cents="100").status_code == 422
    assert ask(api, order_id, status="approved").status_code == 422  # strict body
    too_much = ask(api, order_id, amount_cents=1501)
    assert too_much.status_code == 422 and too_much.json["error"]["details"][0]["loc"] == ["body", "amount_cents"]
    assert ask(api, order_id, amount_cents=1500).status_code == 201


def test_non_owner_cannot_decide(api, gateway):
    order_id = make_order(api)
    request_id = ask(api, order_id).json["request_id"]
    api.creator("mallory")
    for user in ("mallory", "bob"):
        for action in ("approve", "deny"):
            response = decide(api, request_id, action, user)
            assert response.status_code == 404, (user, action)
            assert response.json["error"]["code"] == "not_found"
    assert decide(api, "rr_1_ord_nope", "approve").status_code == 404
    assert decide(api, "not-an-id", "approve").status_code == 404
    assert api.call("GET", "/v1/creator/refund-requests", "mallory").json["items"] == []
    assert gateway.calls == []
    assert api.call("GET", f"/v1/orders/{order_id}/refund-requests", "bob").json["items"][0]["status"] == "pending"


def test_approving_twice_refunds_once(api, gateway):
    request_id = ask(api, make_order(api)).json["request_id"]
    first = decide(api, request_id, "approve")
    second = decide(api, request_id, "approve")
    assert first.status_code == second.status_code == 200
    assert first.json["refund_id"] == second.json["refund_id"] == "re_1"
    assert len(gateway.calls) == 1
    assert decide(api, request_id, "approve", body={"amount_cents": 100}).status_code == 409
    assert decide(api, request_id, "deny").status_code == 409
    assert len(gateway.calls) == 1


def test_failed_refund_is_retried_with_the_same_key(api, gateway):
    order_id = make_order(api)
    request_id = ask(api, order_id).json["request_id"]
    gateway.fail_next = 1
    failed = decide(api, request_id, "approve", body={"amount_cents": 1200})
    assert failed.status_code == 409 and failed.json["error"]["code"] == "refund_not_issued"
    stuck = api.call("GET", f"/v1/orders/{order_id}/refund-requests", "bob").json["items"][0]
    assert stuck["status"] == "approved" and stuck["refund_id"] is None and stuck["approved_amount_cents"] == 1200
    assert decide(api, request_id, "deny").status_code == 409  # approved is final
    retried = decide(api, request_id, "approve")  # the approved amount is kept
    assert retried.status_code == 200 and retried.json["status"] == "refunded"
    assert [(c["idempotency_key"], c["amount_cents"]) for c in gateway.calls] == [
        (f"refund-{request_id}", 1200), (f"refund-{request_id}", 1200)]
    assert len(gateway.refunds) == 1


def test_concurrent_approval_finds_it_approved_and_reuses_the_key(api, gateway):
    """The loser of the pending → approved race (simulated: the row is already approved when it reads it)
    re-issues with the same idempotency key, so Stripe returns the one refund."""
    from chalicelib.models import RefundRequest
    from chalicelib.services.commerce import refunds

    request_id = ask(api, make_order(api)).json["request_id"]
    row = RefundRequest.get(*refunds.parse_request_id(request_id))
    assert refunds._transition(row, "approved", "pending", approved_amount_cents=1500)
    assert not refunds._transition(row, "approved", "pending", approved_amount_cents=900)  # the second racer
    assert row.status == "approved" and row.approved_amount_cents == 1500
    assert decide(api, request_id, "approve").json["status"] == "refunded"
    assert decide(api, request_id, "approve").json["status"] == "refunded"
    assert {c["idempotency_key"] for c in gateway.calls} == {f"refund-{request_id}"}
    assert len(gateway.calls) == 1


def test_partial_then_remaining(api, gateway):
    from chalicelib.models import Order

    order_id = make_order(api)
    first = ask(api, order_id, amount_cents=500).json
    assert first["amount_cents"] == 500
    assert decide(api, first["request_id"], "approve").json["approved_amount_cents"] == 500
    # the charge.refunded webhook has not arrived yet: the issued 500 still counts
    second = ask(api, order_id, reason="the rest please").json
    assert second["amount_cents"] == 1000 and second["request_id"] != first["request_id"]
    Order(order_id).update(actions=[Order.status.set("partially_refunded"), Order.refunded_cents.set(500)])
    too_much = decide(api, second["request_id"], "approve", body={"amount_cents": 1001})
    assert too_much.status_code == 422
    done = decide(api, second["request_id"], "approve")
    assert done.status_code == 200 and done.json["approved_amount_cents"] == 1000
    assert [c["amount_cents"] for c in gateway.calls] == [500, 1000]
    assert len({c["idempotency_key"] for c in gateway.calls}) == 2
    third = ask(api, order_id)
    assert third.status_code == 409 and third.json["error"]["code"] == "order_not_refundable"
    history = api.call("GET", f"/v1/orders/{order_id}/refund-requests", "bob").json["items"]
    assert [r["request_id"] for r in history] == [second["request_id"], first["request_id"]]  # newest first


def test_deny_then_ask_again(api, gateway):
    order_id = make_order(api)
    request_id = ask(api, order_id).json["request_id"]
    denied = decide(api, request_id, "deny", body={"note": "You finished the course"})
    assert denied.status_code == 200
    assert denied.json["status"] == "denied" and denied.json["note"] == "You finished the course"
    assert decide(api, request_id, "deny").status_code == 200  # idempotent
    assert decide(api, request_id, "approve").status_code == 409
    assert decide(api, request_id, "deny", body={"note": "x" * 1001}).status_code == 422
    seen = api.call("GET", f"/v1/orders/{order_id}/refund-requests", "bob").json["items"]
    assert [(r["status"], r["note"]) for r in seen] == [("denied", "You finished the course")]
    assert ask(api, order_id, reason="Please reconsider").status_code == 201
    assert gateway.calls == []
    assert [r["request_id"] for r in api.call("GET", "/v1/creator/refund-requests?status=denied", "alice")
            .json["items"]] == [request_id]


def test_creator_queue_is_paginated_and_private(api, gateway):
    orders = [make_order(api) for _ in range(3)]
    ids = [ask(api, order_id).json["request_id"] for order_id in orders]
    other = make_order(api, creator="carol", buyer="dave")
    ask(api, other, "dave")
    first = api.call("GET", "/v1/creator/refund-requests?status=pending&limit=2", "alice").json
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = api.call("GET", f"/v1/creator/refund-requests?status=pending&limit=2&cursor={first['next_cursor']}",
                    "alice").json
    assert [r["request_id"] for r in first["items"] + rest["items"]] == ids  # oldest first
    assert api.call("GET", f"/v1/creator/refund-requests?status=pending&cursor={first['next_cursor']}",
                    "carol").status_code == 400  # a cursor is bound to its creator
    assert api.call("GET", "/v1/creator/refund-requests?status=denied&cursor=" + first["next_cursor"],
                    "alice").status_code == 400
    assert api.call("GET", "/v1/creator/refund-requests?status=open", "alice").status_code == 422
    carol = api.call("GET", "/v1/creator/refund-requests", "carol").json["items"]
    assert [r["order_id"] for r in carol] == [other]
    assert api.call("GET", "/v1/creator/refund-requests").status_code == 401


def test_concurrent_requests_and_approvals_refund_once(moto_server, monkeypatch):
    """Against moto in server mode (the in-process mock is not thread-safe): 8 buyers' tabs asking at once create
    one request; 8 concurrent approvals issue one refund (every Stripe call carries the same idempotency key)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from chalicelib.errors import DomainError
    from chalicelib.models import Order
    from chalicelib.services.commerce import refunds

    fake = FakeGateway()
    lock = threading.Lock()
    original = fake.create_refund

    def create_refund(**kwargs):
        with lock:
            return original(**kwargs)

    fake.create_refund = create_refund
    monkeypatch.setattr(refunds, "_gateway", lambda: fake)
    now = datetime.now(UTC)
    Order("ord_race", buyer_id="bob", creator_id="alice", product_id="prd_gone", product_type="ebook", status="paid",
          currency="USD", list_price_cents=1500, amount_cents=1500, payment_intent_id="pi_race", created_at=now,
          paid_at=now).save()

    def attempt(fn, *args):
        try:
            return fn(*args)
        except DomainError as error:
            return error.code

    with ThreadPoolExecutor(8) as pool:
        asked = list(pool.map(lambda _: attempt(refunds.request_refund, "bob", "ord_race", "why"), range(8)))
    created = [r for r in asked if not isinstance(r, str)]
    assert len(created) == 1 and set(asked) - set(created) == {"refund_request_open"}
    request_id = created[0].request_id

    with ThreadPoolExecutor(8) as pool:
        approved = list(pool.map(lambda _: attempt(refunds.approve, "alice", request_id), range(8)))
    assert {r.status for r in approved} == {"refunded"} and {r.refund_id for r in approved} == {"re_1"}
    assert {c["idempotency_key"] for c in fake.calls} == {f"refund-{request_id}"}
    assert len(fake.refunds) == 1 and {c["amount_cents"] for c in fake.calls} == {1500}


def _stripe_event(event_type: str, obj: dict) -> str:
    """A verified event, handed to the webhook service as `POST /v1/webhooks/stripe` would (signatures are
    tested in test_webhooks.py)."""
    from chalicelib.services.commerce import webhooks

    return webhooks.handle({"id": f"evt_{obj['id']}_{obj['amount_refunded']}_{len(obj.get('refunds') or [])}",
                            "type": event_type, "data": {"object": obj}})


def _charge(order_id: str, refunded: int, refunds: list[tuple[str, int]] | None = None) -> dict:
    charge = {"id": f"ch_{order_id}", "object": "charge", "payment_intent": f"pi_{order_id}", "amount": 1500,
              "amount_refunded": refunded, "metadata": {}}
    if refunds is not None:
        charge["refunds"] = {"object": "list", "data": [{"id": rid, "amount": amount, "status": "succeeded"}
                                                        for rid, amount in refunds]}
    return charge


def _owns(api, product_id: str, user: str = "bob") -> bool:
    items = api.call("GET", "/v1/library", user).json["items"]
    return any(item["product"]["product_id"] == product_id for item in items)


def _sales_refunds(api) -> int:
    [usd] = api.call("GET", "/v1/creator/sales", "alice").json["currencies"]
    return usd["totals"]["refunds_cents"]


def test_an_approved_refund_is_recorded_at_once_and_revokes_access(api, gateway):
    """Stripe answered `succeeded`: the order is refunded, access revoked, sales updated in the approval itself
    (before: nothing until a `charge.refunded` the local Stripe never sends); the later event counts nothing."""
    from chalicelib.models import Order

    order_id = make_order(api, paid_days_ago=0, grant=True)
    product_id = Order.get(order_id).product_id
    assert _owns(api, product_id)
    request = ask(api, order_id).json
    assert decide(api, request["request_id"], "approve").json["status"] == "refunded"
    order = api.call("GET", f"/v1/orders/{order_id}", "bob").json
    assert (order["status"], order["refunded_cents"]) == ("refunded", 1500)
    assert not _owns(api, product_id)
    assert api.call("GET", f"/v1/products/{product_id}/files", "bob").status_code == 404  # no downloads either
    assert _sales_refunds(api) == 1500
    # the same refund, announced later by Stripe, with its list or only the cumulative total: counted once
    assert _stripe_event("charge.refunded", _charge(order_id, 1500, [("re_1", 1500)])) == "ignored"
    assert _stripe_event("charge.refunded", _charge(order_id, 1500)) == "ignored"
    assert decide(api, request["request_id"], "approve").status_code == 200  # approving again: no second count
    assert int(Order.get(order_id).refunded_cents) == 1500 and len(gateway.calls) == 1


def test_partial_refunds_keep_access_and_count_once_in_either_order(api, gateway):
    from chalicelib.models import Order

    order_id = make_order(api, paid_days_ago=0, grant=True)
    product_id = Order.get(order_id).product_id
    first = ask(api, order_id, amount_cents=400).json
    too_much = decide(api, first["request_id"], "approve", body={"amount_cents": 1501})
    assert too_much.status_code == 422
    assert decide(api, first["request_id"], "approve", body={"amount_cents": 500}).status_code == 200
    order = api.call("GET", f"/v1/orders/{order_id}", "bob").json
    assert (order["status"], order["refunded_cents"]) == ("partially_refunded", 500)
    assert _owns(api, product_id)  # a partial refund keeps access
    assert _stripe_event("charge.refunded", _charge(order_id, 500, [("re_1", 500)])) == "ignored"
    # the second refund's event arrives while the approval waits for Stripe's answer, before it records it
    second = ask(api, order_id).json
    assert second["amount_cents"] == 1000
    create_refund, events = gateway.create_refund, []

    def refund_then_event(**params):
        result = create_refund(**params)
        events.append(_stripe_event("charge.refunded", _charge(order_id, 1500, [("re_1", 500), (result.id, 1000)])))
        return result

    gateway.create_refund = refund_then_event
    approved = decide(api, second["request_id"], "approve")  # Stripe answers re_2: already counted by the event
    assert approved.status_code == 200 and approved.json["refund_id"] == "re_2", approved.json
    assert events == ["refunded"] and not _owns(api, product_id)
    stored = Order.get(order_id, consistent_read=True)
    assert (stored.status, int(stored.refunded_cents), stored.refund_ids) == ("refunded", 1500, {"re_1", "re_2"})
    assert _sales_refunds(api) == 1500


def test_a_pending_refund_waits_for_its_event(api, gateway):
    from chalicelib.models import Order

    order_id = make_order(api, paid_days_ago=0, grant=True)
    product_id = Order.get(order_id).product_id
    request = ask(api, order_id).json
    gateway.refunds[f"refund-{request['request_id']}"] = RefundResult("re_9", "pending", 1500)
    assert decide(api, request["request_id"], "approve").json["status"] == "refunded"
    order = api.call("GET", f"/v1/orders/{order_id}", "bob").json
    assert (order["status"], order["refunded_cents"]) == ("paid", 0) and _owns(api, product_id)
    assert _stripe_event("charge.refunded", _charge(order_id, 1500)) == "refunded"
    assert not _owns(api, product_id)
