"""Property-based test (issue 17): after any sequence of a creator's order events — payments, partial and full refunds
(as the approval records them and as `charge.refunded` reports them, with or without the refunds list), disputes
opened, won or lost — in any order of arrival and with duplicates, the month's statement and the all-time balance
equal a recount over the orders to the cent.

The events go through the real webhook service and `order_events.record_refund` (PynamoDB on in-process moto), into a
fresh world per example (creator, buyer, product, orders with their own amounts and fees). The recount is written
here from the orders' final fields, independently of `payouts.statements`. Cost: ~1 s per example (a dozen events
through moto's transactions); 15 examples, derandomized, keep it near 15 s.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.models import Order, Product
from chalicelib.models.payouts import StatementRow
from chalicelib.services.commerce import order_events, webhooks

FIGURES = ("orders", "gross_cents", "fees_cents", "refunds_cents", "refunded_fees_cents", "dispute_losses_cents",
           "net_cents")
_worlds = itertools.count()

purchase = st.fixed_dictionaries({
    "amount": st.integers(1, 5000),
    "fee_bps": st.integers(0, 10_000),
    "refunds": st.lists(st.integers(1, 5000), max_size=3),
    "listed": st.booleans(),
    "approved": st.booleans(),  # each refund is also recorded by the approval's answer (same refund id)
    "dispute": st.sampled_from([None, "open", "won", "lost", "warning_closed"]),
})


def _events(order_id: str, intent_id: str, bought: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(event id, kind, payload) in Stripe's natural order; kind `approval` is `record_refund`'s call."""
    amount = bought["amount"]
    facts: list[tuple[str, Any]] = [("payment_intent.succeeded", {
        "id": intent_id, "object": "payment_intent", "amount": amount, "status": "succeeded",
        "metadata": {"order_id": order_id}, "latest_charge": f"ch_{intent_id}"})]
    total, done = 0, []
    for index, step in enumerate(bought["refunds"]):
        step = min(step, amount - total)
        if step <= 0:
            break
        total += step
        refund = {"id": f"re_{intent_id}_{index}", "amount": step, "status": "succeeded"}
        done.append(refund)
        if bought["approved"]:
            facts.append(("approval", (order_id, refund["id"], step)))
        charge = {"id": f"ch_{intent_id}", "object": "charge", "payment_intent": intent_id, "amount": amount,
                  "amount_refunded": total, "refunded": total >= amount, "metadata": {}}
        if bought["listed"]:
            charge["refunds"] = {"object": "list", "data": list(done)}
        facts.append(("charge.refunded", charge))
    outcome = bought["dispute"]
    if outcome is not None:
        dispute = {"id": f"dp_{intent_id}", "object": "dispute", "payment_intent": intent_id}
        opened = "warning_needs_response" if outcome == "warning_closed" else "needs_response"
        facts.append(("charge.dispute.created", {**dispute, "status": opened}))
        if outcome != "open":
            facts.append(("charge.dispute.closed", {**dispute, "status": outcome}))
    return [(f"evt_{intent_id}_{i}", kind, payload) for i, (kind, payload) in enumerate(facts)]


def _world(purchases: list[dict[str, Any]]) -> tuple[str, list[str], list[tuple[str, str, Any]]]:
    n = next(_worlds)
    creator, product = f"sc{n}", f"sp{n}"
    Product(product, creator_id=creator, product_type="ebook", title="Book", slug=f"sbook-{n}", status="published",
            pricing_type="pwyw", price_cents=100, currency="USD").save()
    order_ids, events = [], []
    for index, bought in enumerate(purchases):
        order_id, intent_id = f"so{n}_{index}", f"spi{n}_{index}"
        fee = min(bought["amount"], (bought["amount"] * bought["fee_bps"] + 5_000) // 10_000)
        Order(order_id, buyer_id=f"sb{n}_{index}", creator_id=creator, product_id=product, product_type="ebook",
              currency="USD", list_price_cents=bought["amount"], amount_cents=bought["amount"], platform_fee_cents=fee,
              creator_share_cents=bought["amount"] - fee, payment_intent_id=intent_id, pending_shard="0").save()
        order_ids.append(order_id)
        events += _events(order_id, intent_id, bought)
    return creator, order_ids, events


def _deliver(events: list[tuple[str, str, Any]]) -> None:
    for event_id, kind, payload in events:
        if kind == "approval":
            order_events.record_refund(*payload)
        else:
            webhooks.handle({"id": event_id, "type": kind, "created": 1, "data": {"object": payload}})


def _recount(order_ids: list[str]) -> dict[str, int]:
    totals = dict.fromkeys(FIGURES, 0)
    for order_id in order_ids:
        order = Order.get(order_id, consistent_read=True)
        if order.paid_at is None:
            continue
        amount, fee, refunded = int(order.amount_cents), int(order.platform_fee_cents), int(order.refunded_cents)
        exact = Fraction(fee * refunded, amount)
        given_back = int(exact) + (1 if exact - int(exact) >= Fraction(1, 2) else 0)
        assert int(order.refunded_fee_cents) == given_back  # the order records what the statement counts
        net = amount - fee - refunded + given_back
        withdrawn = order.status == "dispute_lost" or (
            order.status == "disputed" and not str(order.dispute_status).startswith("warning"))
        lost = net if withdrawn else 0
        for name, value in zip(FIGURES, (1, amount, fee, refunded, given_back, lost, net - lost), strict=True):
            totals[name] += value
    return totals


def _row(creator: str, period: str) -> dict[str, int]:
    try:
        row = StatementRow.get(creator, f"{period}#USD", consistent_read=True)
    except StatementRow.DoesNotExist:
        return dict.fromkeys(FIGURES, 0)
    return {name: int(getattr(row, name)) for name in FIGURES}


@pytest.mark.usefixtures("aws")
@settings(max_examples=15, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(purchases=st.lists(purchase, min_size=1, max_size=3), data=st.data())
def test_statements_reconcile_with_the_orders_after_any_arrival_with_duplicates(purchases, data):
    month = datetime.now(UTC).strftime("%Y-%m")
    creator, order_ids, events = _world(purchases)
    arrival = list(data.draw(st.permutations(events), label="arrival"))
    again = data.draw(st.lists(st.sampled_from(events), max_size=4), label="delivered again")
    renamed = data.draw(st.lists(st.sampled_from(events), max_size=2), label="same fact, new event id")
    for extra in [*again, *[(f"{e}_again", k, p) for e, k, p in renamed]]:
        arrival.insert(data.draw(st.integers(0, len(arrival)), label="where"), extra)
    _deliver(arrival)

    expected = _recount(order_ids)
    assert _row(creator, "ALL") == expected
    if datetime.now(UTC).strftime("%Y-%m") == month:  # every event of the example fell in the same month
        assert _row(creator, month) == expected
    assert expected["net_cents"] == (expected["gross_cents"] - expected["fees_cents"] - expected["refunds_cents"]
                                     + expected["refunded_fees_cents"] - expected["dispute_losses_cents"])
