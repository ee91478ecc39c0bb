"""The error codes reviews answer with beyond the generic ones (each code has one status everywhere)."""

from __future__ import annotations

from chalicelib.errors import Conflict, Forbidden


class ReviewExists(Conflict):
    """One review per buyer per product: edit (PATCH …/reviews/mine) or delete the one there is."""

    code = "review_exists"


class NotABuyer(Forbidden):
    """Only a holder of active access (paid, claimed, gifted, promoted; not refunded or disputed) may review."""

    code = "not_a_buyer"


class OwnerCannotReview(Forbidden):
    """A creator never reviews their own product."""

    code = "owner_cannot_review"
