"""The error codes payouts answers with beyond the generic ones (each code has one status everywhere)."""

from __future__ import annotations

from chalicelib.errors import Conflict

ONBOARDING_ROUTE = "POST /v1/creator/payouts/onboarding"


class PayoutsNotReady(Conflict):
    """Connect mode: the creator has no Stripe account that can accept charges, so nothing paid can be sold."""

    code = "payouts_not_ready"

    def __init__(self, message: str) -> None:
        super().__init__(message, [{"onboarding": ONBOARDING_ROUTE}])


class OnboardingUnavailable(Conflict):
    """`platform_collects` mode: there is no Stripe account to connect; the platform holds the creator's share."""

    code = "onboarding_unavailable"
