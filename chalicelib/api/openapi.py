"""OpenAPI 3.1, generated from the route table (`ROUTE_DOCS`) and the pydantic schemas."""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import lru_cache
from typing import Any

from chalicelib.api.routing import ROUTE_DOCS, RouteDoc, schema

REF = "#/components/schemas/{model}"
ERROR_STATUSES = {"400": "Malformed request", "404": "Not found (or not yours)",
                  "409": "Conflict", "413": "Body too large", "422": "Validation error"}
EXTRA_STATUSES = {402: "Payment required (a paid product, or not enough AI allowance or credits): nothing was done",
                  429: "Rate limited: retry after the Retry-After header's seconds",
                  502: "An upstream service (the AI model) answered something unusable: nothing was written or charged",
                  503: "An upstream service (payments, the AI model) is unavailable: nothing was done or charged; "
                       "retry after the Retry-After header's seconds"}
IDEMPOTENCY_HEADER = {"name": "Idempotency-Key", "in": "header", "required": False,
                      "description": "Send the same key when retrying: the request takes effect once",
                      "schema": {"type": "string", "pattern": "^[A-Za-z0-9_\\-:.]{1,128}$"}}


def _operation_id(doc: RouteDoc) -> str:
    words = re.sub(r"[{}]", "", doc.path).strip("/").replace("/", "_").replace(".", "_").replace("-", "_")
    return f"{doc.method.lower()}_{words}"


def _query_parameters(ref: str) -> list[dict[str, Any]]:
    model = schema(ref)
    properties = model.model_json_schema(ref_template=REF)["properties"]
    return [
        {"name": name, "in": "query", "required": field.is_required(), "schema": properties[name]}
        for name, field in model.model_fields.items()
    ]


def _operation(doc: RouteDoc, refs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    parameters = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                  for name in re.findall(r"{(\w+)}", doc.path)]
    if doc.query:
        parameters += _query_parameters(doc.query)
    if doc.idempotent:
        parameters.append(IDEMPOTENCY_HEADER)
    success: dict[str, Any] = {"description": doc.summary}
    if doc.media_type != "application/json":
        success["content"] = {doc.media_type: {"schema": {"type": "string"}}}
    elif doc.status != 204:
        body_schema = refs[doc.response] if doc.response else {"type": "object"}
        success["content"] = {"application/json": {"schema": body_schema}}
    responses = {str(doc.status): success}
    error = {"content": {"application/json": {"schema": refs["common.ErrorEnvelope"]}}}
    for status, description in ERROR_STATUSES.items():
        responses[status] = {"description": description, **error}
    for status in doc.errors:
        responses[str(status)] = {"description": EXTRA_STATUSES[status], **error}
    if doc.auth != "none":
        responses["401"] = {"description": "Missing or invalid bearer token", **error}
        responses["403"] = {"description": "Not allowed for this account", **error}
    operation: dict[str, Any] = {"operationId": _operation_id(doc), "summary": doc.summary, "tags": [doc.tag],
                                 "parameters": parameters, "responses": responses}
    if doc.body:
        operation["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": refs[doc.body]}}}
    operation["security"] = {"none": [], "optional": [{}, {"bearerAuth": []}],
                             "required": [{"bearerAuth": []}]}[doc.auth]
    return operation


def error_codes() -> dict[str, int]:
    """Every error code the API can answer with → its status. Error classes live in the domain packages, so all
    of them are imported first (once, when the document is built)."""
    import chalicelib.integrations
    import chalicelib.services
    from chalicelib import errors

    for package in (chalicelib.services, chalicelib.integrations):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)
    return dict(sorted(errors.CODES.items()))


def _document_error_codes(document: dict[str, Any], codes: dict[str, int]) -> None:
    """The envelope's `code` is an enum of every code, and each error response names the codes of its status."""
    document["components"]["schemas"]["ErrorBody"]["properties"]["code"]["enum"] = list(codes)
    for operation in (op for ops in document["paths"].values() for op in ops.values()):
        for status, response in operation["responses"].items():
            named = [f"`{code}`" for code, code_status in codes.items() if str(code_status) == status]
            if int(status) >= 400 and named:
                response["description"] += f" (codes: {', '.join(named)})"


@lru_cache(maxsize=1)
def build_document() -> dict[str, Any]:
    from pydantic.json_schema import models_json_schema

    names = {"common.ErrorEnvelope"} | {ref for doc in ROUTE_DOCS for ref in (doc.body, doc.response) if ref}
    ordered = sorted(names)
    keyed, top = models_json_schema([(schema(name), "serialization") for name in ordered], ref_template=REF)
    refs = {name: keyed[(schema(name), "serialization")] for name in ordered}
    paths: dict[str, dict[str, Any]] = {}
    for doc in ROUTE_DOCS:
        paths.setdefault(doc.path, {})[doc.method.lower()] = _operation(doc, refs)
    document = {
        "openapi": "3.1.0",
        "info": {"title": "Creator Marketplace API", "version": "1.0.0",
                 "description": "Courses, prompt packs, templates and ebooks: build, sell, learn."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": top.get("$defs", {}),
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }
    _document_error_codes(document, error_codes())
    return document
