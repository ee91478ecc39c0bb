"""The accounts domain's error codes, each with one status."""

from __future__ import annotations

from chalicelib.errors import Conflict, NotFound


class CreatorNotFound(NotFound):
    """No creator has this id or handle (a user who never opened a creator account has no public profile)."""

    code = "creator_not_found"


class HandleTaken(Conflict):
    code = "handle_taken"
