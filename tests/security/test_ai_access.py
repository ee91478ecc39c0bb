"""Who may use the AI tools and the creator dashboard: anonymous → 401, a signed-in user without a creator account
(even one who bought the course) → 403, another creator → 404 (never revealing the product), the owner → 200.
Nobody but the owner gets a model call or a charge."""

from __future__ import annotations

import json

import pytest

from tests.support.ai import FERMENTATION, SpyModel

ROLES = {"anonymous": None, "buyer": "bob", "other_creator": "mallory", "owner": "alice"}
EXPECTED = {"anonymous": 401, "buyer": 403, "other_creator": 404, "owner": 200}


@pytest.fixture(scope="module")
def api(module_api):
    return module_api


@pytest.fixture(scope="module")
def course(api):
    from chalicelib.services.catalog import products as catalog
    from chalicelib.services.courses import lessons, modules
    from tests.support.courses import grant

    api.creator("alice")
    api.creator("mallory")
    product_id = api.product("alice", product_type="course", title="Bread", price_cents=900)["product_id"]
    module_id = modules.add_module("alice", product_id, {"title": "Dough"}).module_id
    lesson_id = lessons.add_lesson("alice", product_id, module_id,
                                   {"title": "Bulk", "content": FERMENTATION, "content_type": "text"})["lesson_id"]
    catalog.publish_product("alice", product_id)
    grant("bob", product_id)  # bob bought it: still no creator, still no AI tools
    grant("mallory", product_id)  # a creator who bought it: still not hers
    return {"product_id": product_id, "module_id": module_id, "lesson_id": lesson_id}


def requests(course) -> dict[str, tuple[str, dict]]:
    base = f"/v1/products/{course['product_id']}"
    return {
        "outline": (f"{base}/ai/outline", {"topic": "Bread"}),
        "enhance": (f"{base}/lessons/{course['lesson_id']}/ai/enhance", {}),
        "enhance_apply": (f"{base}/lessons/{course['lesson_id']}/ai/enhance/apply", {"content": FERMENTATION}),
        "quiz": (f"{base}/modules/{course['module_id']}/ai/quiz", {"question_count": 2}),
        "description": (f"{base}/ai/description", {}),
    }


@pytest.fixture
def model(monkeypatch) -> SpyModel:
    spy = SpyModel()
    monkeypatch.setattr("chalicelib.services.ai.tools.provider", lambda: spy)
    return spy


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("tool", ["outline", "enhance", "enhance_apply", "quiz", "description"])
def test_only_the_owner_uses_the_ai_tools(api, course, model, role, tool):
    from chalicelib.models import AiLedgerEntry

    path, body = requests(course)[tool]
    response = api.call("POST", path, ROLES[role], body)
    assert response.status_code == EXPECTED[role], response.json
    if role != "owner":
        assert model.calls == []
        assert response.json["error"]["code"] == {401: "unauthorized", 403: "forbidden", 404: "not_found"}[
            response.status_code]
        if ROLES[role]:
            assert list(AiLedgerEntry.query(ROLES[role])) == []
    if role == "other_creator":
        assert "Bread" not in json.dumps(response.json)  # nothing about the product leaks


@pytest.mark.parametrize("role", ROLES)
def test_the_dashboard_is_for_creators_and_shows_only_their_own(api, course, role):
    response = api.call("GET", "/v1/creator/dashboard", ROLES[role])
    expected = {"anonymous": 401, "buyer": 403, "other_creator": 200, "owner": 200}[role]
    assert response.status_code == expected, response.json
    if role == "other_creator":
        assert response.json["products_by_type"]["course"] == 0
    if role == "owner":
        assert response.json["products_by_type"]["course"] == 1
