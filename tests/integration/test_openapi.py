"""The served OpenAPI 3.1 document is valid and describes every route the app registers."""

from __future__ import annotations

from openapi_spec_validator import validate


def test_openapi_is_valid_and_complete(api):
    from app import app

    response = api.call("GET", "/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"].startswith("3.1")
    validate(document)
    registered = {(path, method.lower()) for path, methods in app.routes.items() for method in methods}
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert registered - documented == set(), "routes missing from the OpenAPI document"
    assert documented - registered == set(), "documented routes that do not exist"


def test_operations_document_auth_bodies_and_errors(api):
    document = api.call("GET", "/v1/openapi.json").json
    create = document["paths"]["/v1/products"]["post"]
    assert create["security"] == [{"bearerAuth": []}]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ProductCreate"}
    assert {"201", "401", "422"} <= set(create["responses"])
    explore = document["paths"]["/v1/products"]["get"]
    assert {p["name"] for p in explore["parameters"]} == {"product_type", "pricing", "creator", "sort", "limit",
                                                          "cursor"}
    assert document["paths"]["/v1/health"]["get"]["security"] == []
    schemas = document["components"]["schemas"]
    assert schemas["ProductCreate"]["additionalProperties"] is False
    assert "ErrorEnvelope" in schemas


def _subclasses(kind: type) -> list[type]:
    found = []
    for sub in kind.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def test_every_error_code_the_api_can_return_is_documented(api):
    """Codes come from error classes (one status each) and from the few envelopes built by hand (middleware,
    Chalice's own errors): all of them are in the document's enum, and each status lists its codes."""
    import re
    from pathlib import Path

    from chalicelib import errors
    from chalicelib.api.errors import CODE_BY_STATUS

    document = api.call("GET", "/v1/openapi.json").json
    documented = set(document["components"]["schemas"]["ErrorBody"]["properties"]["code"]["enum"])
    classes = {cls.code: cls.status for cls in _subclasses(errors.DomainError)}
    assert set(classes) <= documented
    assert all(errors.CODES[code] == status for code, status in classes.items()), "one code, one status"
    by_hand = set()
    for path in Path(__file__).resolve().parents[2].joinpath("chalicelib").rglob("*.py"):
        by_hand |= set(re.findall(r'error_response\(\s*\d+,\s*"([a-z_]+)"', path.read_text()))
    assert by_hand | set(CODE_BY_STATUS.values()) <= documented
    conflict = document["paths"]["/v1/products"]["post"]["responses"]["409"]["description"]
    assert "`conflict`" in conflict and "`not_found`" not in conflict
