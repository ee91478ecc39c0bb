"""Creators' payouts in tests: connect mode switched on, a recording fake of the payment gateway (localstripe has no
Connect), Connect events, and a creator whose connected account can accept charges."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.integrations.payments import AccountLink, PaymentIntent, RefundResult, StripeGateway
from tests.support import localstripe as ls


@pytest.fixture(name="connect_mode")
def connect_mode_fixture():
    """`PAYOUTS_MODE=connect` for this test."""
    with settings_changed(payouts_mode="connect"):
        yield


@contextlib.contextmanager
def settings_changed(**changes: Any) -> Iterator[None]:
    """The process's settings with `changes`, then exactly the settings from before. Never re-read from the
    environment: inside chalice's test `Client` it holds the dev stage's variables (TABLE_PREFIX=cm-dev …), and
    settings read there would stay cached for every later test of the worker."""
    from chalicelib.config import get_settings

    original = get_settings()
    _cache(dataclasses.replace(original, **changes))
    try:
        yield
    finally:
        _cache(original)


def _cache(settings: Any) -> None:
    """Make `get_settings()` answer `settings` (its cache is filled while `Settings.from_env` returns them)."""
    from chalicelib.config import Settings, get_settings

    real = Settings.__dict__["from_env"]
    Settings.from_env = classmethod(lambda cls, env=None: settings)
    try:
        get_settings.cache_clear()
        assert get_settings() is settings
    finally:
        Settings.from_env = real


class FakeGateway:
    """The gateway's calls, recorded with their keyword arguments; Stripe's idempotency for account creation and
    refunds (the same key answers the same object). Webhooks are verified for real with the test secret."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.accounts: dict[str, str] = {}
        self.refunds: dict[str, RefundResult] = {}
        self.balance: dict[str, tuple[int, int]] = {}
        self._ids = itertools.count(1)

    def named(self, name: str) -> list[dict[str, Any]]:
        return [kwargs for called, kwargs in self.calls if called == name]

    def create_payment_intent(self, **kwargs: Any) -> PaymentIntent:
        self.calls.append(("create_payment_intent", kwargs))
        n = next(self._ids)
        return PaymentIntent(f"pi_fake{n}", f"pi_fake{n}_secret_x", "requires_payment_method")

    def create_refund(self, **kwargs: Any) -> RefundResult:
        self.calls.append(("create_refund", kwargs))
        key = kwargs["idempotency_key"]
        self.refunds.setdefault(key, RefundResult(f"re_fake{next(self._ids)}", "succeeded", kwargs["amount_cents"]))
        return self.refunds[key]

    def cancel_payment_intent(self, **kwargs: Any) -> str:
        self.calls.append(("cancel_payment_intent", kwargs))
        return "canceled"

    def create_connected_account(self, **kwargs: Any) -> str:
        self.calls.append(("create_connected_account", kwargs))
        return self.accounts.setdefault(kwargs["idempotency_key"], f"acct_fake{next(self._ids)}")

    def create_account_link(self, **kwargs: Any) -> AccountLink:
        self.calls.append(("create_account_link", kwargs))
        return AccountLink(f"https://connect.stripe.test/setup/{kwargs['account_id']}/{next(self._ids)}",
                           datetime.now(UTC) + timedelta(minutes=5))

    def retrieve_balance(self, **kwargs: Any) -> dict[str, tuple[int, int]]:
        self.calls.append(("retrieve_balance", kwargs))
        return self.balance

    def verify_webhook(self, payload: bytes, signature_header: str) -> dict:
        return StripeGateway("sk_test", ls.SECRET).verify_webhook(payload, signature_header)


@pytest.fixture(name="fake_stripe")
def fake_stripe_fixture(monkeypatch) -> FakeGateway:
    from chalicelib.integrations import mail, payments

    gateway = FakeGateway()
    monkeypatch.setattr(payments, "gateway", lambda: gateway)
    mail.mailer.cache_clear()
    yield gateway
    mail.mailer.cache_clear()


_events = itertools.count()


def event(event_type: str, obj: dict[str, Any], *, account: str | None = None, created: int | None = None,
          event_id: str | None = None) -> dict[str, Any]:
    """A verified Stripe event as `webhooks.handle` receives it (Connect events name their `account`)."""
    body = {"id": event_id or f"evt_payouts_{next(_events)}_{time.time_ns()}", "object": "event", "type": event_type,
            "created": int(time.time()) if created is None else created, "data": {"object": obj}}
    return body | ({"account": account} if account else {})


def account_updated(stripe_account_id: str, *, charges: bool = True, payouts: bool = True, submitted: bool = True,
                    due: tuple[str, ...] = (), created: int | None = None) -> dict[str, Any]:
    obj = {"id": stripe_account_id, "object": "account", "details_submitted": submitted, "charges_enabled": charges,
           "payouts_enabled": payouts, "requirements": {"currently_due": list(due), "past_due": []}}
    return event("account.updated", obj, account=stripe_account_id, created=created)


def onboarded(api, creator: str) -> str:
    """`creator` (made a creator if needed) connects an account that can accept charges; its id."""
    from chalicelib.services.commerce import webhooks

    api.creator(creator)
    linked = api.call("POST", "/v1/creator/payouts/onboarding", creator)
    assert linked.status_code == 200, linked.json
    stripe_account_id = linked.json["stripe_account_id"]
    assert webhooks.handle(account_updated(stripe_account_id)) == "account_updated"
    return stripe_account_id
