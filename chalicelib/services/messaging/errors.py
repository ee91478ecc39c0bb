"""The messaging domain's error codes, each with one status."""

from __future__ import annotations

from chalicelib.errors import BadRequest, Conflict, Forbidden


class Blocked(Forbidden):
    """One of the two parties blocked the other: nothing was stored."""

    code = "blocked"


class NotAllowedToMessage(Forbidden):
    """Nobody may start this conversation (no cold messages between buyers, no unpublished product's creator)."""

    code = "messaging_not_allowed"


class PostingClosed(Forbidden):
    """The room is read-only for the caller: announcements only, or archived with its product."""

    code = "room_read_only"


class InvalidUnsubscribeToken(BadRequest):
    code = "invalid_unsubscribe_token"


class TooManyContexts(Conflict):
    """A conversation carries at most `MAX_CONTEXTS` products (each is a row per member in the inbox)."""

    code = "too_many_contexts"
