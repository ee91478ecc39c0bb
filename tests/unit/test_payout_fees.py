"""The platform fee and the fee a refund gives back (services/payouts/fees.py), over any amount and fee setting:
integer minor units, round half up, bounded by the amount, monotonic, and partial refunds that add up to the amount
giving back exactly the fee. Also the fee settings (`PLATFORM_FEES`)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.config import ConfigError, Settings
from chalicelib.services.payouts.fees import platform_fee, refunded_fee, round_half_up

amounts = st.integers(0, 10**9)
bps = st.integers(0, 10_000)
fixed = st.integers(0, 10_000)


def _half_up(value: Fraction) -> int:
    """The reference rule, from the exact fraction: the nearest integer, halves up."""
    floor = value.numerator // value.denominator
    return floor + (1 if value - floor >= Fraction(1, 2) else 0)


@given(st.integers(0, 10**12), st.integers(1, 10**6))
def test_round_half_up_is_the_nearest_integer_with_halves_up(numerator, denominator):
    assert round_half_up(numerator, denominator) == _half_up(Fraction(numerator, denominator))


@pytest.mark.parametrize(("amount", "bps_", "fixed_", "fee"), [
    (1999, 500, 0, 100),  # 99.95 → 100
    (10, 500, 0, 1),  # 0.5 → 1 (half up)
    (9, 500, 0, 0),  # 0.45 → 0
    (1000, 290, 30, 59),  # 29 + 30
    (20, 290, 30, 20),  # never more than the amount
    (0, 500, 30, 0),  # a free order: no fee
])
def test_examples(amount, bps_, fixed_, fee):
    assert platform_fee(amount, bps_, fixed_) == fee


@given(amounts, bps, fixed)
def test_fee_and_share_add_up_to_the_amount_within_bounds(amount, bps_, fixed_):
    fee = platform_fee(amount, bps_, fixed_)
    share = amount - fee
    assert 0 <= fee <= amount and 0 <= share <= amount and fee + share == amount
    assert fee == min(amount, _half_up(Fraction(amount * bps_, 10_000)) + fixed_) if amount else fee == 0


@given(amounts, amounts, bps, fixed)
def test_the_fee_never_falls_when_the_amount_rises(a, b, bps_, fixed_):
    low, high = sorted((a, b))
    assert platform_fee(low, bps_, fixed_) <= platform_fee(high, bps_, fixed_)


@given(st.integers(1, 10**7), bps, fixed, st.lists(st.integers(1, 10**7), max_size=8))
def test_partial_refunds_give_back_the_fee_cumulatively_and_exactly_at_the_full_refund(amount, bps_, fixed_, steps):
    fee = platform_fee(amount, bps_, fixed_)
    refunded, given_back, parts = 0, 0, []
    for step in [*steps, amount]:  # then the rest: a full refund in the end
        after = min(amount, refunded + step)
        part = refunded_fee(fee, amount, after) - given_back
        assert part >= 0  # never takes back more than it gave
        parts.append(part)
        refunded, given_back = after, given_back + part
        assert given_back <= fee
    assert refunded == amount and sum(parts) == fee == refunded_fee(fee, amount, amount)


def test_fee_settings_parse_and_refuse_nonsense():
    settings = Settings.from_env({"PLATFORM_FEES": "starter:290:30,pro:100:0"})
    assert settings.platform_fee("pro") == (100, 0)
    assert settings.platform_fee("unknown") == settings.platform_fee("starter") == (290, 30)
    assert Settings.from_env({}).platform_fee("starter") == (500, 0)
    for bad in ("pro:100:0", "starter:10001:0", "starter:5:-1", "starter:x:0", "starter:1:1,starter:2:2"):
        with pytest.raises(ConfigError):
            Settings.from_env({"PLATFORM_FEES": bad})
    assert Settings.from_env({"STAGE": "dev"}).payouts_mode == "platform_collects"
    with pytest.raises(ConfigError):
        Settings.from_env({"PAYOUTS_MODE": "direct"})


def test_an_orders_statement_position():
    from chalicelib.services.payouts.statements import FIGURES, position

    assert position(0, 0, 0, True, False) == dict.fromkeys(FIGURES, 0)  # a 100 % coupon moves no money
    assert position(1000, 50, 0, False, False) == dict.fromkeys(FIGURES, 0)  # not paid yet
    partial = position(1000, 50, 333, True, False)
    assert partial == {"orders": 1, "gross_cents": 1000, "fees_cents": 50, "refunds_cents": 333,
                       "refunded_fees_cents": 17, "dispute_losses_cents": 0, "net_cents": 634}
    lost = position(1000, 50, 333, True, True)  # a chargeback withdraws what the order still paid
    assert lost["dispute_losses_cents"] == 634 and lost["net_cents"] == 0
