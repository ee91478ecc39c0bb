"""The error codes the catalog answers with beyond the generic ones (each code has one status everywhere)."""

from __future__ import annotations

from chalicelib.errors import Conflict


class MemberOfBundle(Conflict):
    """The product is a member of a published bundle: it cannot be archived or deleted until the bundle is."""

    code = "member_of_bundle"
