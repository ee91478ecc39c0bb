"""The platform's fee on a sale, and the part of it a refund gives back: pure integer arithmetic in minor units.

fee = min(amount, round_half_up(amount × bps / 10 000) + fixed); the creator's share = amount − fee; a free
order has 0 and 0. A refund gives back the fee in proportion, by a cumulative rule, so partial refunds that add up
to the whole amount give back exactly the whole fee: refunded_fee(total refunded) = round_half_up(fee × refunded /
amount), and one refund's part is refunded_fee(after) − refunded_fee(before).
"""

from __future__ import annotations


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer, halves up (both non-negative, denominator > 0)."""
    return (2 * numerator + denominator) // (2 * denominator)


def platform_fee(amount_cents: int, bps: int, fixed_cents: int) -> int:
    """The fee on `amount_cents` for a tier of `bps` basis points + `fixed_cents`; never more than the amount."""
    if amount_cents <= 0:
        return 0
    return min(amount_cents, round_half_up(amount_cents * bps, 10_000) + fixed_cents)


def refunded_fee(fee_cents: int, amount_cents: int, refunded_cents: int) -> int:
    """The part of the fee given back once `refunded_cents` (cumulative, capped at the amount) are refunded."""
    if amount_cents <= 0:
        return 0
    return round_half_up(fee_cents * min(refunded_cents, amount_cents), amount_cents)
