"""Property-based test (issue 18): any order of arrival of a purchase's Stripe events, with duplicates, ends in the
state of Stripe's natural order.

A story is one or two purchases of the same product by the same buyer (the second is a re-purchase): each paid, then
refunded in zero to three steps (partial or up to the full amount; the event carries the refunds list or only the
cumulative total), then maybe disputed (open, won, lost, or an inquiry closed without a chargeback). Its events go
through the real webhook service (`webhooks.handle`, PynamoDB on in-process moto) twice, each time into a fresh
world (new creator, buyer, product and orders): once in the natural order, once shuffled with some events
delivered again (the same event id, or the same fact under a new id). Both worlds must agree on every order's status,
refunded amount and dispute, the buyer's access per source and overall, and the creator's sales figures.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.models import AccessGrant, Order, Product
from chalicelib.services.access import grants
from chalicelib.services.commerce import sales, webhooks

AMOUNT = 1000
_worlds = itertools.count()

purchase = st.fixed_dictionaries({
    "refunds": st.lists(st.integers(1, AMOUNT), max_size=3),
    "listed": st.booleans(),  # refund events carry their refunds list, or only the cumulative amount
    "dispute": st.sampled_from([None, "open", "won", "lost", "warning_closed"]),
})
story = st.lists(purchase, min_size=1, max_size=2)


def _refund_events(intent_id: str, steps: list[int], listed: bool) -> list[tuple[str, dict[str, Any]]]:
    """Each refund step as `charge.refunded` carrying the cumulative total (capped at the amount)."""
    events, total, done = [], 0, []
    for index, step in enumerate(steps):
        step = min(step, AMOUNT - total)
        if step <= 0:
            break
        total += step
        done.append({"id": f"re_{intent_id}_{index}", "amount": step, "status": "succeeded"})
        charge = {"id": f"ch_{intent_id}", "object": "charge", "payment_intent": intent_id, "amount": AMOUNT,
                  "amount_refunded": total, "refunded": total >= AMOUNT, "metadata": {}}
        if listed:
            charge["refunds"] = {"object": "list", "data": list(done)}
        events.append(("charge.refunded", charge))
    return events


def _dispute_events(intent_id: str, outcome: str | None) -> list[tuple[str, dict[str, Any]]]:
    if outcome is None:
        return []
    dispute = {"id": f"dp_{intent_id}", "object": "dispute", "charge": f"ch_{intent_id}", "payment_intent": intent_id}
    opened = "warning_needs_response" if outcome == "warning_closed" else "needs_response"
    events = [("charge.dispute.created", {**dispute, "status": opened})]
    if outcome != "open":
        events.append(("charge.dispute.closed", {**dispute, "status": outcome}))
    return events


def _world(purchases: list[dict[str, Any]]) -> tuple[dict[str, str], list[tuple[str, str, dict[str, Any]]]]:
    """A fresh creator, buyer, product and pending orders (one per purchase); the ids and the events in Stripe's
    natural order, each with its event id."""
    n = next(_worlds)
    ids = {"creator": f"c{n}", "buyer": f"b{n}", "product": f"p{n}"}
    Product(ids["product"], creator_id=ids["creator"], product_type="ebook", title="Book", slug=f"book-{n}",
            status="published", pricing_type="fixed", price_cents=AMOUNT, currency="USD").save()
    events = []
    for index, bought in enumerate(purchases):
        order_id, intent_id = f"o{n}_{index}", f"pi{n}_{index}"
        ids[f"order{index}"] = order_id
        Order(order_id, buyer_id=ids["buyer"], creator_id=ids["creator"], product_id=ids["product"],
              product_type="ebook", currency="USD", list_price_cents=AMOUNT, amount_cents=AMOUNT,
              payment_intent_id=intent_id, pending_shard="0").save()
        intent = {"id": intent_id, "object": "payment_intent", "amount": AMOUNT, "status": "succeeded",
                  "metadata": {"order_id": order_id}, "latest_charge": f"ch_{intent_id}"}
        facts = [("payment_intent.succeeded", intent), *_refund_events(intent_id, bought["refunds"], bought["listed"]),
                 *_dispute_events(intent_id, bought["dispute"])]
        events += [(f"evt_{intent_id}_{i}", kind, obj) for i, (kind, obj) in enumerate(facts)]
    return ids, events


def _deliver(events: list[tuple[str, str, dict[str, Any]]]) -> None:
    for event_id, kind, obj in events:
        webhooks.handle({"id": event_id, "type": kind, "data": {"object": obj}})


def _state(ids: dict[str, str], purchases: int) -> dict[str, Any]:
    """Everything the two worlds must agree on, with the world's own ids replaced by their role."""
    orders = [Order.get(ids[f"order{i}"], consistent_read=True) for i in range(purchases)]
    grant = grants.current_grant(ids["buyer"], ids["product"])
    roles = {grants.order_source(order.order_id): f"order{i}" for i, order in enumerate(orders)}
    figures = sales.creator_sales(ids["creator"])["currencies"]
    for block in figures:
        for product in block["products"] + block["top_products"]:
            product["product_id"] = "product"
    return {
        "orders": [(o.status, int(o.refunded_cents), o.dispute_status, o.pending_shard) for o in orders],
        "access": None if grant is None else (grant.status, grant.access_type,
                                              {roles[s]: v for s, v in grants.sources_of(grant).items()}),
        "sales": [{key: value for key, value in block.items() if key != "daily"} for block in figures],
    }


@pytest.mark.usefixtures("aws")
@settings(max_examples=30, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(purchases=story, data=st.data())
def test_any_order_of_arrival_with_duplicates_ends_as_the_natural_order(purchases, data):
    ids, natural = _world(purchases)
    _deliver(natural)
    expected = _state(ids, len(purchases))

    ids, events = _world(purchases)
    shuffled = data.draw(st.permutations(events), label="arrival")
    again = data.draw(st.lists(st.sampled_from(events), max_size=4), label="delivered again")
    renamed = data.draw(st.lists(st.sampled_from(events), max_size=2), label="same fact, new event id")
    positions = data.draw(st.lists(st.integers(0, len(events)), min_size=6, max_size=6), label="where")
    arrival = list(shuffled)
    for extra, where in zip([*again, *[(f"{e}_again", k, o) for e, k, o in renamed]], positions, strict=False):
        arrival.insert(where, extra)
    _deliver(arrival)
    assert _state(ids, len(purchases)) == expected

    # access follows its sources: active while any purchase's source is
    state = expected["access"]
    if state is not None:
        assert (state[0] == "active") == ("active" in state[2].values())
        assert AccessGrant.get(ids["buyer"], ids["product"]).status == state[0]
