"""Who may call each review route: anonymous, a stranger (signed in, holds nothing), the buyer who wrote the review,
and the product's creator. Another user's or a missing object answers 404, never 403; roles without the right get
401 (no token) or 403 (a known caller without the role: not a buyer, the creator reviewing, voting one's own)."""

from __future__ import annotations

import pytest

from tests.support.courses import grant


@pytest.fixture(scope="module")
def shop(module_api):
    api = module_api
    api.creator("rv-alice")
    product_id = api.published("rv-alice", title="Matrix book")["product_id"]
    grant("rv-bob", product_id)
    review_id = api.call("POST", f"/v1/products/{product_id}/reviews", "rv-bob", {"rating": 4}).json["review_id"]
    return {"product": product_id, "review": review_id}


ROLES = (None, "rv-stranger", "rv-bob", "rv-alice")
# (method, path under the product, body) → expected status for (anonymous, stranger, buyer/author, creator)
MATRIX = [
    ("GET", "/reviews", None, (200, 200, 200, 200)),
    ("POST", "/reviews", {"rating": 5}, (401, 403, 409, 403)),
    ("GET", "/reviews/mine", None, (401, 404, 200, 403)),  # the creator never has one: 403 as for writing it
    ("PATCH", "/reviews/mine", {"text": "x"}, (401, 404, 200, 403)),
    ("PUT", "/reviews/{review}/reply", {"text": "Thanks"}, (401, 404, 404, 200)),
    ("POST", "/reviews/{review}/helpful", None, (401, 200, 403, 200)),
    ("POST", "/reviews/{review}/reports", {"reason": "spam"}, (401, 200, 200, 200)),
    ("GET", "/review-reports", None, (401, 404, 404, 200)),
]


@pytest.mark.parametrize("method, tail, body, expected", MATRIX, ids=[f"{m} {t}" for m, t, _, _ in MATRIX])
def test_each_review_route_answers_each_role(module_api, shop, method, tail, body, expected):
    path = f"/v1/products/{shop['product']}" + tail.replace("{review}", shop["review"])
    assert tuple(module_api.call(method, path, role, body).status_code for role in ROLES) == expected


def test_a_missing_review_or_product_is_404_for_everyone(module_api, shop):
    for role in ROLES[1:]:
        path = f"/v1/products/{shop['product']}/reviews/rev_missing/helpful"
        assert module_api.call("POST", path, role).status_code == 404
        assert module_api.call("GET", "/v1/products/prd_missing/reviews", role).status_code == 404


def test_deleting_a_review_is_the_authors_alone(module_api, shop):
    mine = f"/v1/products/{shop['product']}/reviews/mine"
    assert [module_api.call("DELETE", mine, role).status_code for role in ROLES] == [401, 404, 204, 403]
