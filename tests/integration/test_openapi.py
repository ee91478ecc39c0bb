"""The served OpenAPI 3.1 document is valid and describes every route the app registers."""

from __future__ import annotations

import json
import re

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


def test_each_operation_lists_only_the_statuses_it_can_answer(api):
    paths = api.call("GET", "/v1/openapi.json").json["paths"]
    assert set(paths["/v1/health"]["get"]["responses"]) == {"200"}
    assert set(paths["/v1/me"]["get"]["responses"]) == {"200", "401"}
    assert set(paths["/v1/products/{product_id}"]["patch"]["responses"]) == {
        "200", "400", "401", "404", "409", "413", "415", "422"}
    assert set(paths["/v1/creator/products"]["get"]["responses"]) == {"200", "400", "401", "422"}


def test_idempotent_creations_document_201_then_200_with_the_same_body(api):
    paths = api.call("GET", "/v1/openapi.json").json["paths"]
    for path in ("/v1/creator/account", "/v1/products/{product_id}/enroll", "/v1/products/{product_id}/grants",
                 "/v1/products/{product_id}/import", "/v1/products/{product_id}/quizzes/{quiz_id}/attempt-resets"):
        responses = paths[path]["post"]["responses"]
        assert responses["200"]["content"] == responses["201"]["content"], path


def test_headers_are_documented(api):
    paths = api.call("GET", "/v1/openapi.json").json["paths"]
    webhook = paths["/v1/webhooks/stripe"]["post"]
    assert {"name": "Stripe-Signature", "in": "header", "required": True, "schema": {"type": "string"}} in \
        webhook["parameters"]
    assert webhook["requestBody"]["required"] is True
    outline = paths["/v1/products/{product_id}/ai/outline"]["post"]["responses"]
    assert outline["429"]["headers"]["Retry-After"]["required"] is True
    assert outline["503"]["headers"]["Retry-After"]["required"] is False
    assert paths["/v1/products/{product_id}/checkout"]["post"]["requestBody"]["required"] is False
    assert paths["/v1/products/{product_id}"]["patch"]["requestBody"]["required"] is True


def test_normalized_fields_document_what_they_accept(api):
    """A BeforeValidator hid the coupon code's length, and the patterns were stricter than the API (which upper-cases
    codes and lower-cases handles): the document states the accepted input, checked by the same pydantic models."""
    schemas = api.call("GET", "/v1/openapi.json").json["components"]["schemas"]
    code = schemas["CouponCreate"]["properties"]["code"]
    assert (code["minLength"], code["maxLength"], code["pattern"]) == (3, 32, "^[A-Za-z0-9-]+$")
    handle = schemas["CreatorProfileUpdate"]["properties"]["handle"]["anyOf"][0]
    assert re.fullmatch(handle["pattern"], "Ada_Lovelace")
    api.creator("alice")
    assert api.call("PATCH", "/v1/creator/account", "alice", {"handle": "Ada_Lovelace"}).json["handle"] == \
        "ada_lovelace"
    created = api.call("POST", "/v1/creator/coupons", "alice", {"code": "spring-10", "kind": "amount",
                                                                "amount_off_cents": 100, "currency": "USD"})
    assert created.status_code == 201 and created.json["code"] == "SPRING-10"


def _body_models():
    from app import app  # noqa: F401 - registers every route
    from chalicelib.api.routing import RAW, ROUTE_DOCS

    return sorted({doc.body for doc in ROUTE_DOCS if doc.body and doc.body != RAW})


def test_documented_nulls_are_accepted_and_undocumented_ones_refused():
    """For every request body field: `null` is accepted exactly when the document's schema allows it (PATCH bodies
    marked fields nullable that the API refused as null)."""
    from pydantic import ValidationError

    from chalicelib.api.routing import schema

    wrong = []
    for ref in _body_models():
        model = schema(ref)
        properties = model.model_json_schema(mode="validation").get("properties", {})
        for name, prop in properties.items():
            nullable = {"type": "null"} in prop.get("anyOf", [])
            try:
                model.model_validate_json(json.dumps({name: None}), strict=True)
                refused = False
            except ValidationError as exc:
                refused = any(tuple(error["loc"][:1]) == (name,) for error in exc.errors())
            if nullable == refused:
                wrong.append(f"{ref}.{name}: documented nullable={nullable}, API refuses null={refused}")
    assert not wrong, "\n".join(wrong)
