"""AI credit packs bought with Stripe, and the AI usage ledger.

Payments are real PaymentIntents on localstripe confirmed with a test card; their success events are delivered
signed with the test secret, as in test_webhooks.py. Failures and refunds, which localstripe does not emit, are
self-signed events of Stripe's shape. Default catalogue: small = 500 000 tokens for 500 USD cents, large =
2 000 000 for 1500.
"""

from __future__ import annotations

import pytest

from tests.support import localstripe as ls
from tests.support.localstripe import localstripe, stripe_gateway  # noqa: F401 - fixtures

pytestmark = pytest.mark.usefixtures("stripe_gateway")

SMALL = 500_000


def deliver(api, body: bytes):
    return api.call("POST", "/v1/webhooks/stripe", body=body, headers={"Stripe-Signature": ls.signature(body)})


def buy(api, user: str = "alice", pack: str = "small", key: str | None = None):
    headers = {"Idempotency-Key": key} if key else None
    return api.call("POST", f"/v1/ai/credit-packs/{pack}/checkout", user, headers=headers)


def intent_id(purchase: dict) -> str:
    return purchase["client_secret"].split("_secret_")[0]


def balance(user: str = "alice") -> int:
    from chalicelib.models import User

    return int(User.get(user, consistent_read=True).ai_credit_balance or 0)


def purchase_of(api, purchase: dict, user: str = "alice") -> dict:
    response = api.call("GET", f"/v1/ai/credit-purchases/{purchase['purchase_id']}", user)
    assert response.status_code == 200, response.json
    return response.json


@pytest.fixture
def paid(api, localstripe):  # noqa: F811
    """alice (a creator) checked out the small pack and paid it with a test card; nothing delivered yet."""
    api.creator("alice")
    response = buy(api)
    assert response.status_code == 201, response.json
    intent = ls.pay_with_test_card(localstripe, intent_id(response.json))
    assert intent["status"] == "succeeded"
    return {"purchase": response.json, "intent": intent}


def succeeded(paid, event_id: str | None = None, **changes) -> bytes:
    return ls.event("payment_intent.succeeded", {**paid["intent"], **changes}, event_id)


def refunded(paid, amount_refunded: int) -> bytes:
    return ls.event("charge.refunded", ls.charge(paid["intent"]["id"], 500, amount_refunded))


def spend(user: str, tokens: int, request_id: str) -> None:
    """An AI call charged `tokens` (the allowance is capped at 0 first, so they come from credits)."""
    from chalicelib.models import CreatorAccount
    from chalicelib.services.ai import metering

    CreatorAccount(user).update(actions=[CreatorAccount.ai_allowance_tokens.set(0)])
    metering.metered(user, feature="outline", request_id=request_id, max_tokens=tokens, model="offline",
                     run=lambda: ({"ok": True}, tokens))


# --- catalogue and checkout ---------------------------------------------------------------------------------


def test_packs_are_listed_for_anyone(api):
    response = api.call("GET", "/v1/ai/credit-packs")
    assert response.status_code == 200
    assert response.json["items"] == [
        {"pack_id": "small", "tokens": 500_000, "price_cents": 500, "currency": "USD"},
        {"pack_id": "large", "tokens": 2_000_000, "price_cents": 1500, "currency": "USD"}]
    assert api.call("GET", "/v1/ai/credit-packs", "bob").json == response.json


def test_checkout_creates_a_pending_purchase_and_an_intent_priced_from_the_catalogue(api, localstripe):  # noqa: F811
    import stripe

    response = api.call("POST", "/v1/ai/credit-packs/large/checkout", "bob", {"amount_cents": 1, "tokens": 10**9})
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["status"], body["pack_id"], body["tokens"], body["amount_cents"], body["currency"]) == (
        "pending", "large", 2_000_000, 1500, "USD")
    intent = stripe.PaymentIntent.retrieve(intent_id(body), api_key=localstripe.api_key)
    assert (intent.amount, intent.currency) == (1500, "usd")
    assert intent.metadata.to_dict() == {"kind": "credit_pack", "purchase_id": body["purchase_id"],
                                         "user_id": "bob", "pack_id": "large", "tokens": "2000000"}
    stored = purchase_of(api, body, "bob")
    assert (stored["status"], stored["refunded_cents"], stored["paid_at"]) == ("pending", 0, None)
    assert "client_secret" not in stored


def test_an_idempotency_key_returns_the_same_purchase(api):
    first = buy(api, "bob", key="click-1")
    again = buy(api, "bob", key="click-1")
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert buy(api, "bob", key="click-2").json["purchase_id"] != first.json["purchase_id"]
    assert buy(api, "carol", key="click-1").json["purchase_id"] != first.json["purchase_id"]  # keys are per user
    other_pack = buy(api, "bob", "large", key="click-1")  # the same key for another request
    assert other_pack.status_code == 409 and other_pack.json["error"]["code"] == "idempotency_key_reused"
    assert buy(api, "bob", key="click-1").json == first.json  # the stored answer is unchanged
    assert buy(api, "bob").json["purchase_id"] != buy(api, "bob").json["purchase_id"]  # no key: a new purchase each


def test_a_purchase_left_without_an_intent_is_resumed_after_the_grace(api):
    """The first request died between its put and Stripe: a retry with the same key soon after answers 409, one
    after the grace period creates the intent (Stripe's idempotency key makes it the same one)."""
    from datetime import timedelta

    from chalicelib.models.base import utcnow
    from chalicelib.models.credits import CreditPurchase
    from chalicelib.services.commerce.credit_packs import _purchase_id

    purchase_id = _purchase_id("bob", "crashed")
    CreditPurchase(purchase_id, user_id="bob", pack_id="small", tokens=SMALL, amount_cents=500, currency="USD").save()
    assert buy(api, "bob", key="crashed").status_code == 409
    CreditPurchase(purchase_id).update(actions=[CreditPurchase.created_at.set(utcnow() - timedelta(minutes=1))])
    resumed = buy(api, "bob", key="crashed")
    assert resumed.status_code == 201 and resumed.json["purchase_id"] == purchase_id and resumed.json["client_secret"]


def test_unknown_pack_is_404_and_anonymous_is_401(api):
    assert api.call("POST", "/v1/ai/credit-packs/huge/checkout", "bob").status_code == 404
    assert api.call("POST", "/v1/ai/credit-packs/small/checkout").status_code == 401
    assert api.call("GET", "/v1/ai/credit-purchases/cp_x").status_code == 401
    assert api.call("GET", "/v1/creator/ai/usage").status_code == 401
    assert api.call("GET", "/v1/ai/credit-purchases/cp_missing", "bob").status_code == 404


# --- the webhook ------------------------------------------------------------------------------------------


def test_a_paid_pack_is_credited_once(api, paid):
    from chalicelib.models import AiLedgerEntry

    body = succeeded(paid, "evt_pack_1")
    assert deliver(api, body).json == {"is_received": True, "outcome": "credited"}
    assert deliver(api, body).json["outcome"] == "duplicate"
    assert deliver(api, succeeded(paid)).json["outcome"] == "ignored"  # the same payment under another event id
    assert balance() == SMALL
    purchase = purchase_of(api, paid["purchase"])
    assert purchase["status"] == "paid" and purchase["paid_at"]
    row = AiLedgerEntry.get("alice", f"C#{paid['purchase']['purchase_id']}")
    assert (row.kind, row.tokens_total) == ("credit", SMALL)


@pytest.mark.parametrize("tamper", [{"amount": 1}, {"currency": "eur"},
                                    {"metadata_tokens": "999999999"}, {"metadata_user": "mallory"}],
                         ids=["amount", "currency", "tokens", "user"])
def test_a_payment_that_does_not_match_its_purchase_is_not_credited(api, paid, tamper):
    intent = dict(paid["intent"])
    metadata = dict(intent["metadata"])
    if "amount" in tamper:
        intent["amount"] = tamper["amount"]
    if "currency" in tamper:
        intent["currency"] = tamper["currency"]
    if "metadata_tokens" in tamper:
        metadata["tokens"] = tamper["metadata_tokens"]
    if "metadata_user" in tamper:
        metadata["user_id"] = tamper["metadata_user"]
    intent["metadata"] = metadata
    assert deliver(api, ls.event("payment_intent.succeeded", intent)).json["outcome"] == "mismatch"
    assert balance() == 0
    purchase = purchase_of(api, paid["purchase"])
    assert purchase["status"] == "mismatch" and purchase["failure_reason"]
    assert deliver(api, succeeded(paid)).json["outcome"] == "ignored"  # a human settles it, not a later event
    assert balance() == 0


def test_a_failed_payment_credits_nothing_and_a_later_success_still_does(api, paid):
    failed = dict(paid["intent"], status="requires_payment_method", last_payment_error={"code": "card_declined"})
    assert deliver(api, ls.event("payment_intent.payment_failed", failed)).json["outcome"] == "failed"
    purchase = purchase_of(api, paid["purchase"])
    assert (purchase["status"], purchase["failure_reason"]) == ("failed", "card_declined")
    assert balance() == 0
    assert deliver(api, succeeded(paid)).json["outcome"] == "credited"  # paid with another card
    purchase = purchase_of(api, paid["purchase"])
    assert (purchase["status"], purchase["failure_reason"]) == ("paid", None)
    assert balance() == SMALL


def test_purchased_credits_pay_for_a_call_the_allowance_cannot_cover(api, paid):
    from chalicelib.errors import PaymentRequired
    from chalicelib.models import CreatorAccount
    from chalicelib.services.ai import metering, usage

    CreatorAccount("alice").update(actions=[CreatorAccount.ai_allowance_tokens.set(100)])

    def call() -> dict:
        return metering.metered("alice", feature="outline", request_id="big-call", max_tokens=1_000, model="offline",
                                run=lambda: ({"draft": "outline"}, 800))

    with pytest.raises(PaymentRequired):
        call()
    deliver(api, succeeded(paid))
    assert call() == {"draft": "outline"}
    assert balance() == SMALL - 700  # 100 from the allowance, 700 from credits (200 reserved and given back)
    status = usage.status("alice")
    assert (status["used_tokens"], status["remaining_tokens"], status["credit_balance_tokens"]) == (100, 0, SMALL - 700)


def test_refunds_claw_back_the_unspent_credits_never_below_zero(api, paid):
    from chalicelib.models import AiLedgerEntry

    deliver(api, succeeded(paid))
    spend("alice", 100_000, "spent-1")
    assert balance() == 400_000
    half = refunded(paid, 250)
    assert deliver(api, half).json["outcome"] == "partially_refunded"
    assert deliver(api, half).json["outcome"] == "duplicate"
    assert balance() == 150_000  # 250 of 500 cents is worth 250 000 tokens, all still unspent
    purchase = purchase_of(api, paid["purchase"])
    assert (purchase["status"], purchase["refund_tokens"], purchase["clawed_back_tokens"]) == (
        "partially_refunded", 250_000, 250_000)
    assert deliver(api, refunded(paid, 500)).json["outcome"] == "refunded"
    assert balance() == 0  # 250 000 more owed, 150 000 left: the 100 000 spent cannot be taken back
    purchase = purchase_of(api, paid["purchase"])
    assert (purchase["status"], purchase["refunded_cents"], purchase["refund_tokens"],
            purchase["clawed_back_tokens"]) == ("refunded", 500, 500_000, 400_000)
    assert deliver(api, refunded(paid, 250)).json["outcome"] == "ignored"  # an older total arriving late
    clawbacks = [row for row in AiLedgerEntry.query("alice") if row.kind == "clawback"]
    assert sorted(int(row.tokens_total) for row in clawbacks) == [-250_000, -150_000]


def test_a_refund_seen_before_the_success_is_withheld_from_the_credit(api, paid):
    assert deliver(api, refunded(paid, 100)).json["outcome"] == "refund_recorded"
    assert purchase_of(api, paid["purchase"])["status"] == "pending"
    assert deliver(api, succeeded(paid)).json["outcome"] == "credited"
    assert balance() == SMALL - 100_000
    purchase = purchase_of(api, paid["purchase"])
    assert (purchase["status"], purchase["refund_tokens"], purchase["clawed_back_tokens"]) == (
        "partially_refunded", 100_000, 100_000)


def test_a_full_refund_seen_before_the_success_credits_nothing(api, paid):
    assert deliver(api, refunded(paid, 500)).json["outcome"] == "refund_recorded"
    assert purchase_of(api, paid["purchase"])["status"] == "refunded"
    assert deliver(api, succeeded(paid)).json["outcome"] == "recorded_after_refund"
    assert balance() == 0
    assert purchase_of(api, paid["purchase"])["paid_at"]


def test_order_payments_still_go_to_orders(api, paid):
    """The dispatch leaves the order flow alone: a product's payment grants access, not credits."""
    api.creator("carol")
    product = api.published("carol", title="A course", product_type="course", price_cents=900)
    order = api.call("POST", f"/v1/products/{product['product_id']}/checkout", "alice", {}).json
    intent = ls.intent(order, order["client_secret"].split("_secret_")[0])
    assert deliver(api, ls.event("payment_intent.succeeded", intent)).json["outcome"] == "granted"
    assert balance() == 0


def test_ten_deliveries_five_at_once_credit_once(moto_server, localstripe, monkeypatch):  # noqa: F811
    """Server-mode moto (the in-process mock is not thread-safe): the same success delivered 10 times, 5 of them
    concurrently, credits the pack once."""

    from chalicelib.integrations import payments
    from chalicelib.models import User
    from chalicelib.services.commerce import credit_packs

    gateway = payments.StripeGateway(localstripe.api_key, ls.SECRET, localstripe.url)
    monkeypatch.setattr(payments, "gateway", lambda: gateway)
    purchase = credit_packs.checkout("dave", "dave@example.com", "Dave", "small", None)
    intent = ls.pay_with_test_card(localstripe, intent_id(purchase))
    body = ls.event("payment_intent.succeeded", intent, "evt_pack_burst")
    outcomes = ls.deliver_burst(gateway, body)
    assert sorted(outcomes) == ["credited"] + ["duplicate"] * 9
    assert int(User.get("dave", consistent_read=True).ai_credit_balance) == SMALL


# --- the usage ledger ------------------------------------------------------------------------------------


def test_the_ledger_pages_newest_first_and_shows_only_the_callers_rows(api, paid):
    from chalicelib.services.ai import metering

    deliver(api, succeeded(paid))
    for n in range(5):
        metering.metered("alice", feature="quiz" if n % 2 else "outline", request_id=f"alice-{n}",
                         max_tokens=100, model="offline", run=lambda n=n: ({"secret": f"answer-{n}"}, 10 + n))
    api.creator("bob")
    metering.metered("bob", feature="outline", request_id="bob-0", max_tokens=100, model="offline",
                     run=lambda: ({"secret": "bobs"}, 7))
    rows, cursor, pages = [], None, 0
    while True:
        query = "limit=2" + (f"&cursor={cursor}" if cursor else "")
        response = api.call("GET", f"/v1/creator/ai/usage?{query}", "alice")
        assert response.status_code == 200, response.json
        assert "answer-" not in response.body.decode() and "secret" not in response.body.decode()
        assert len(response.json["items"]) <= 2
        rows += response.json["items"]
        pages += 1
        cursor = response.json["next_cursor"]
        if not cursor:
            break
    assert pages >= 3
    assert [row["request_id"] or row["reference"] for row in rows] == [
        "alice-4", "alice-3", "alice-2", "alice-1", "alice-0", paid["purchase"]["purchase_id"]]
    assert [row["created_at"] for row in rows] == sorted((row["created_at"] for row in rows), reverse=True)
    newest = rows[0]
    assert (newest["kind"], newest["feature"], newest["model"], newest["status"], newest["tokens"],
            newest["allowance_tokens"], newest["credit_tokens"]) == (
        "call", "outline", "offline", "committed", 14, 14, 0)
    assert newest["committed_at"] and newest["reserved_tokens"] == 100
    credit = rows[-1]
    assert (credit["kind"], credit["tokens"], credit["credit_tokens"]) == ("credit", SMALL, SMALL)
    bobs = api.call("GET", "/v1/creator/ai/usage", "bob").json["items"]
    assert [row["request_id"] for row in bobs] == ["bob-0"]


def test_the_ledger_index_never_holds_model_answers(aws):
    from chalicelib.models.allowance import AiLedgerEntry
    from chalicelib.services.accounts import users
    from chalicelib.services.ai import metering

    users.open_creator_account("alice", None, "Alice", None)
    metering.metered("alice", feature="outline", request_id="r-1", max_tokens=10, model="offline",
                     run=lambda: ({"draft": "the model's answer"}, 3))
    assert AiLedgerEntry.get("alice", "R#r-1").result == {"draft": "the model's answer"}
    items = AiLedgerEntry._get_connection().query("alice", index_name="by_created")["Items"]
    assert len(items) == 1 and "result" not in items[0] and "error" not in items[0]
    assert {"kind", "status", "feature", "model", "tokens_total", "created_at"} <= set(items[0])


# --- the catalogue's configuration ----------------------------------------------------------------------------


def test_packs_can_be_configured_and_bad_catalogues_are_refused():
    from chalicelib.config import ConfigError, Settings

    settings = Settings.from_env({"AI_CREDIT_PACKS": "mini:1000:99:eur, max-2:9000:700:USD"})
    assert settings.ai_credit_packs == (("mini", 1000, 99, "EUR"), ("max-2", 9000, 700, "USD"))
    for bad in ("mini:1000:99", "Mini:1000:99:EUR", "mini:0:99:EUR", "mini:10:-1:EUR", "mini:10:99:EURO",
                "a:1:1:USD,a:2:2:USD", "mini:lots:99:EUR"):
        with pytest.raises(ConfigError):
            Settings.from_env({"AI_CREDIT_PACKS": bad})
