"""Every messaging route × (anonymous, stranger, buyer, other buyer, creator, other creator): who gets what.
Another user's conversation, blast or room is 404; roles a route needs are 403; no token is 401."""

from __future__ import annotations

import pytest

from tests.support.messaging import blast_queue, claim

CALLERS = ("anonymous", "stranger", "buyer", "other_buyer", "creator", "other_creator")
USERS = {"anonymous": None, "stranger": "pm_sam", "buyer": "pm_bob", "other_buyer": "pm_olga",
         "creator": "pm_alice", "other_creator": "pm_zed"}


@pytest.fixture(scope="module")
def world(module_api):
    api = module_api
    blast_queue()
    api.creator("pm_alice")
    api.creator("pm_zed")
    product = api.published("pm_alice", title="Free", pricing_type="free", price_cents=0)["product_id"]
    api.published("pm_zed", title="Zed's")
    for user in ("pm_bob", "pm_olga"):
        claim(api, user, product)
    api.call("POST", "/v1/conversations", "pm_bob", {"product_id": product, "body": "hi"})
    conversation = api.call("GET", "/v1/conversations", "pm_bob").json["items"][0]["conversation_id"]
    blast = api.call("POST", "/v1/creator/blasts", "pm_alice",
                     {"product_ids": [product], "subject": "S", "body": "B"}).json["blast_id"]
    return {"api": api, "product": product, "conversation": conversation, "blast": blast}


def _expect(anonymous, stranger, buyer, other_buyer, creator, other_creator):
    return dict(zip(CALLERS, (anonymous, stranger, buyer, other_buyer, creator, other_creator), strict=True))


MEMBER_OF_CONVERSATION = _expect(401, 404, 200, 404, 200, 404)
ROOM_READ = _expect(401, 404, 200, 200, 200, 404)
ANY_USER = _expect(401, 200, 200, 200, 200, 200)

MATRIX = [
    ("POST", "/v1/conversations", "start", _expect(401, 201, 200, 201, 403, 201)),
    ("GET", "/v1/conversations", None, ANY_USER),
    ("GET", "/v1/creator/inbox", None, _expect(401, 403, 403, 403, 200, 200)),
    ("GET", "/v1/conversations/{conversation}", None, MEMBER_OF_CONVERSATION),
    ("GET", "/v1/conversations/{conversation}/messages", None, MEMBER_OF_CONVERSATION),
    ("POST", "/v1/conversations/{conversation}/messages", {"body": "yo"}, _expect(401, 404, 201, 404, 201, 404)),
    ("POST", "/v1/conversations/{conversation}/read", {}, MEMBER_OF_CONVERSATION),
    ("POST", "/v1/conversations/{conversation}/block", None, MEMBER_OF_CONVERSATION),
    ("DELETE", "/v1/conversations/{conversation}/block", None, MEMBER_OF_CONVERSATION),
    ("GET", "/v1/products/{product}/room", None, ROOM_READ),
    ("PATCH", "/v1/products/{product}/room", {"mode": "discussion"}, _expect(401, 404, 404, 404, 200, 404)),
    ("GET", "/v1/products/{product}/room/posts", None, ROOM_READ),
    ("POST", "/v1/products/{product}/room/posts", {"body": "hey"}, _expect(401, 404, 201, 201, 201, 404)),
    ("POST", "/v1/creator/blasts", "blast", _expect(401, 403, 403, 403, 202, 404)),
    ("GET", "/v1/creator/blasts", None, ANY_USER),
    ("GET", "/v1/creator/blasts/{blast}", None, _expect(401, 404, 404, 404, 200, 404)),
    ("GET", "/v1/notifications", None, ANY_USER),
    ("POST", "/v1/notifications/read", {}, ANY_USER),
]


@pytest.mark.parametrize(("method", "path", "body", "expected"), MATRIX,
                         ids=[f"{method} {path}" for method, path, _, _ in MATRIX])
def test_permission_matrix(world, method, path, body, expected):
    api = world["api"]
    url = path.format(**world)
    if body == "start":
        body = {"product_id": world["product"], "body": "hello"}
    elif body == "blast":
        body = {"product_ids": [world["product"]], "subject": "S", "body": "B"}
    got = {caller: api.call(method, url, USERS[caller], body).status_code for caller in CALLERS}
    assert got == expected


def test_unsubscribe_needs_a_genuine_token_not_a_login(world):
    from chalicelib.services.messaging import announcements

    api = world["api"]
    token = announcements.unsubscribe_token("pm_bob", "pm_alice")
    assert api.call("POST", f"/v1/unsubscribe?token={token}").status_code == 200
    other = announcements.unsubscribe_token("pm_olga", "pm_alice")
    spliced = f"{other.split('.')[0]}.{token.split('.')[1]}"  # olga's ids with bob's signature
    for bad in (spliced, "x.y", "nope"):
        assert api.call("GET", f"/v1/unsubscribe?token={bad}").status_code == 400
