"""Signed cursors: round trip, tampering, replay across queries."""

import base64
import json

import pytest

from chalicelib.errors import BadRequest
from chalicelib.services.core.pagination import decode_cursor, encode_cursor

KEY = {"facet": {"S": "type=*|pricing=*|creator=*"}, "sort_new": {"S": "2026-01-01#prd_1"}}


def test_round_trip():
    cursor = encode_cursor(KEY, "explore|x", "secret")
    assert decode_cursor(cursor, "explore|x", "secret") == KEY


def test_no_key_no_cursor():
    assert encode_cursor(None, "s", "secret") is None
    assert decode_cursor(None, "s", "secret") is None


@pytest.mark.parametrize("mutate", [
    lambda c: c[:-2] + ("AA" if not c.endswith("AA") else "BB"),
    lambda c: "garbage",
    lambda c: "a.b.c",
    lambda c: base64.urlsafe_b64encode(json.dumps({"k": {"facet": {"S": "x"}}, "s": "explore|x"}).encode()).decode()
    + "." + c.split(".")[1],
])
def test_tampered_cursors_are_refused(mutate):
    cursor = encode_cursor(KEY, "explore|x", "secret")
    with pytest.raises(BadRequest):
        decode_cursor(mutate(cursor), "explore|x", "secret")


def test_a_cursor_only_works_for_its_own_query_and_secret():
    cursor = encode_cursor(KEY, "explore|x", "secret")
    with pytest.raises(BadRequest):
        decode_cursor(cursor, "explore|y", "secret")
    with pytest.raises(BadRequest):
        decode_cursor(cursor, "explore|x", "other-secret")
