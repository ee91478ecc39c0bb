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
