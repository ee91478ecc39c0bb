"""Refund rules that approve themselves (commerce.refund_rules): a request within N days of payment from a buyer who
consumed less than X % is refunded at once through the normal path (Stripe, the order, the buyer's email); the
boundaries of both conditions; the consumption shown on every request; the rule's own API."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.integrations.payments import RefundResult
from tests.support import mail
from tests.support.orders import make_order


class Refunds:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def create_refund(self, *, payment_intent_id, amount_cents, idempotency_key, metadata) -> RefundResult:
        self.calls.append(idempotency_key)
        return RefundResult(f"re_{len(self.calls)}", "succeeded", amount_cents)


@pytest.fixture
def stripe(monkeypatch) -> Refunds:
    fake = Refunds()
    monkeypatch.setattr("chalicelib.services.commerce.refunds._gateway", lambda: fake)
    return fake


def _rule(api, product_id: str, days: int = 7, percent: int = 50, user: str = "alice"):
    return api.call("PUT", f"/v1/products/{product_id}/refund-rule", user,
                    {"within_days": days, "max_consumed_percent": percent})


def _ask(api, order_id: str) -> dict:
    response = api.call("POST", f"/v1/orders/{order_id}/refund-requests", "bob", {"reason": "Not for me"})
    assert response.status_code == 201, response.json
    return response.json


def _files(product_id: str, count: int, downloaded: int) -> None:
    """`count` ready files, `downloaded` of them fetched by bob (as the download route logs them)."""
    from chalicelib.models import DownloadLog, ProductFile

    for n in range(count):
        ProductFile(product_id, f"fil_{n}", creator_id="alice", filename=f"{n}.pdf", content_type="application/pdf",
                    size_bytes=10, status="ready", s3_key=f"files/{product_id}/{n}").save()
    for n in range(downloaded):
        DownloadLog(product_id, f"2026-01-01T00:00:0{n}#dl{n}", download_id=f"dl{n}", file_id=f"fil_{n}",
                    filename=f"{n}.pdf", user_id="bob", access_reason="purchased").save()


def test_the_rule_api_is_the_owners(api):
    api.creator("alice")
    api.creator("carol")
    product_id = api.published("alice")["product_id"]
    assert api.call("GET", f"/v1/products/{product_id}/refund-rule", "alice").status_code == 404
    saved = _rule(api, product_id, 14, 30)
    assert saved.status_code == 200 and (saved.json["within_days"], saved.json["max_consumed_percent"]) == (14, 30)
    assert api.call("GET", f"/v1/products/{product_id}/refund-rule", "alice").json["within_days"] == 14
    assert _rule(api, product_id, user="carol").status_code == 404
    assert _rule(api, product_id, days=0).status_code == 422 and _rule(api, product_id, percent=101).status_code == 422
    assert api.call("DELETE", f"/v1/products/{product_id}/refund-rule", "alice").status_code == 204
    assert api.call("GET", f"/v1/products/{product_id}/refund-rule", "alice").status_code == 404


def test_a_matching_request_is_refunded_at_once_and_the_buyer_told(api, stripe):
    from chalicelib.models import Order

    api.call("GET", "/v1/me", "bob")
    order_id = make_order(api, grant=True, paid_days_ago=6.9)
    product_id = Order.get(order_id).product_id
    _files(product_id, 2, 0)
    _rule(api, product_id)
    request = _ask(api, order_id)
    assert (request["status"], request["is_auto_approved"], request["consumed_percent"]) == ("refunded", True, 0)
    assert stripe.calls == [f"refund-{request['request_id']}"]
    assert api.call("GET", f"/v1/orders/{order_id}", "bob").json["status"] == "refunded"
    assert [m["Subject"] for m in mail.sent("bob@example.com")] == ["Refund issued: A book"]


def test_too_late_or_too_consumed_waits_for_the_creator_who_sees_the_consumption(api, stripe):
    from chalicelib.models import Order

    late = make_order(api, grant=True, paid_days_ago=7.01)
    product_id = Order.get(late).product_id
    _rule(api, product_id)
    _files(product_id, 2, 1)  # half the files downloaded: 50 %, not under 50 %
    fresh = make_order(api, product_id=product_id, grant=True, paid_days_ago=1)
    for order_id in (late, fresh):
        request = _ask(api, order_id)
        assert (request["status"], request["is_auto_approved"]) == ("pending", False)
    queue = api.call("GET", "/v1/creator/refund-requests", "alice").json["items"]
    assert [(r["consumed_percent"], r["downloads"]) for r in queue] == [(50, 1), (50, 1)]
    assert stripe.calls == []


def test_the_day_boundary_is_inclusive(api, stripe):
    from chalicelib.models import Order
    from chalicelib.services.commerce import refunds

    first = make_order(api, grant=True)
    product_id = Order.get(first).product_id
    _rule(api, product_id, days=3, percent=100)
    second = make_order(api, product_id=product_id, grant=True)
    on_the_day = refunds.request_refund("bob", first, "r", now=Order.get(first).paid_at + timedelta(days=3))
    after = refunds.request_refund("bob", second, "r",
                                   now=Order.get(second).paid_at + timedelta(days=3, microseconds=1))
    assert (on_the_day.status, after.status) == ("refunded", "pending")


def test_a_course_counts_lessons_completed(api, stripe):
    from chalicelib.services.catalog import products
    from chalicelib.services.courses import lessons, modules

    api.creator("alice")
    pid = api.product("alice", product_type="course", title="Four lessons")["product_id"]
    module = modules.add_module("alice", pid, {"title": "All"}).module_id
    ids = [lessons.add_lesson("alice", pid, module, {"title": f"L{n}", "content_type": "text", "content": "x"})
           ["lesson_id"] for n in range(4)]
    products.publish_product("alice", pid)
    _rule(api, pid, days=30, percent=50)
    one = make_order(api, product_id=pid, grant=True)
    api.call("PUT", f"/v1/products/{pid}/lessons/{ids[0]}/progress", "bob", {"is_completed": True})
    request = _ask(api, one)  # 1 of 4: 25 %
    assert (request["status"], request["consumed_percent"], request["lessons_completed"]) == ("refunded", 25, 1)
    two = make_order(api, product_id=pid, grant=True)
    for lesson_id in ids[:2]:
        api.call("PUT", f"/v1/products/{pid}/lessons/{lesson_id}/progress", "bob", {"is_completed": True})
    request = _ask(api, two)  # 2 of 4: 50 %, not under 50 %
    assert (request["status"], request["consumed_percent"], request["lessons_completed"]) == ("pending", 50, 2)
