"""OpenAPI 3.1, generated from the route table (`ROUTE_DOCS`) and the pydantic schemas."""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import lru_cache
from typing import Any

from chalicelib.api.routing import RAW, ROUTE_DOCS, RouteDoc, schema

REF = "#/components/schemas/{model}"
STATUS_TEXT = {400: "Malformed request (not JSON, no body where one is required, a bad header or cursor)",
               401: "Missing or invalid bearer token",
               402: "Payment required (a paid product, or not enough AI allowance or credits): nothing was done",
               403: "Not allowed for this account",
               404: "Not found (or not yours)",
               409: "Conflict with the current state",
               413: "Body too large",
               415: "Unsupported media type: send `Content-Type: application/json`",
               422: "Validation error",
               429: "Rate limited: retry after the Retry-After header's seconds",
               502: "An upstream service (the AI model) answered something unusable: nothing was written or charged",
               503: "An upstream service (payments, the AI model) is unavailable: nothing was done or charged; "
                    "retry after the Retry-After header's seconds (when given)"}
RETRY_AFTER = {"description": "Seconds to wait before retrying", "schema": {"type": "string", "pattern": "^[0-9]+$"}}
IDEMPOTENCY_HEADER = {"name": "Idempotency-Key", "in": "header", "required": False,
                      "description": "Send the same key when retrying: the request takes effect once",
                      "schema": {"type": "string", "pattern": "^[A-Za-z0-9_\\-:.]{1,128}$"}}
IF_NONE_MATCH = {"name": "If-None-Match", "in": "header", "required": False,
                 "description": "The ETag of the answer you hold: 304 with no body while it is still current",
                 "schema": {"type": "string"}}
RAW_BODY = {"type": "object", "description": "The event exactly as Stripe sent it (its signature covers the raw bytes)"}
ROUTING = ("Every error is `{\"error\": {\"code\", \"message\", \"details\"}}` with CORS headers. A path no "
           "operation serves answers 404 `not_found`; a served path called with a method it does not list answers "
           "405 `method_not_allowed` with an `Allow` header (behind API Gateway: 404, the gateway cannot tell the "
           "two apart).")


def _operation_id(doc: RouteDoc) -> str:
    words = re.sub(r"[{}]", "", doc.path).strip("/").replace("/", "_").replace(".", "_").replace("-", "_")
    return f"{doc.method.lower()}_{words}"


def _query_parameters(ref: str) -> list[dict[str, Any]]:
    model = schema(ref)
    properties = model.model_json_schema(ref_template=REF)["properties"]
    names = {name: field.alias or name for name, field in model.model_fields.items()}  # `from` is an alias
    return [
        {"name": names[name], "in": "query", "required": field.is_required(), "schema": properties[names[name]]}
        for name, field in model.model_fields.items()
    ]


def _operation(doc: RouteDoc, refs: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    parameters = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                  for name in re.findall(r"{(\w+)}", doc.path)]
    if doc.query:
        parameters += _query_parameters(doc.query)
    parameters += [{"name": name, "in": "header", "required": True, "schema": {"type": "string"}}
                   for name in doc.headers]
    if doc.idempotent:
        parameters.append(IDEMPOTENCY_HEADER)
    if doc.conditional:
        parameters.append(IF_NONE_MATCH)
    success: dict[str, Any] = {"description": doc.summary}
    if doc.media_type != "application/json":
        success["content"] = {doc.media_type: {"schema": {"type": "string"}}}
    elif doc.status != 204:
        body_schema = refs[(doc.response, "serialization")] if doc.response else {"type": "object"}
        success["content"] = {"application/json": {"schema": body_schema}}
    responses = {str(doc.status): success}
    if doc.conditional:
        success["headers"] = {"ETag": {"description": "Send it back as If-None-Match", "schema": {"type": "string"}}}
        responses["304"] = {"description": "Not modified: the answer whose ETag you sent is still current"}
    if doc.repeat is not None:
        responses[str(doc.repeat)] = {**success, "description": "Already done: the same body as the first time"}
    error = {"content": {"application/json": {"schema": refs[("common.ErrorEnvelope", "serialization")]}}}
    for status in doc.error_statuses():
        responses[str(status)] = {"description": STATUS_TEXT[status], **error}
        if status in (429, 503):  # always sent with 429; with 503 when the upstream said when
            responses[str(status)]["headers"] = {"Retry-After": {**RETRY_AFTER, "required": status == 429}}
    operation: dict[str, Any] = {"operationId": _operation_id(doc), "summary": doc.summary, "tags": [doc.tag],
                                 "parameters": parameters, "responses": responses}
    if doc.body:
        body_schema = RAW_BODY if doc.body == RAW else refs[(doc.body, "validation")]
        operation["requestBody"] = {"required": doc.body_required,
                                    "content": {"application/json": {"schema": body_schema}}}
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

    # Request bodies as they are validated, responses as they are serialized (pydantic names a model whose two
    # schemas differ `Name-Input` / `Name-Output`).
    used = {("common.ErrorEnvelope", "serialization")}
    used |= {(doc.body, "validation") for doc in ROUTE_DOCS if doc.body and doc.body != RAW}
    used |= {(doc.response, "serialization") for doc in ROUTE_DOCS if doc.response}
    ordered = sorted(used)
    keyed, top = models_json_schema([(schema(name), mode) for name, mode in ordered], ref_template=REF)
    refs = {(name, mode): keyed[(schema(name), mode)] for name, mode in ordered}
    paths: dict[str, dict[str, Any]] = {}
    for doc in ROUTE_DOCS:
        paths.setdefault(doc.path, {})[doc.method.lower()] = _operation(doc, refs)
    document = {
        "openapi": "3.1.0",
        "info": {"title": "Creator Marketplace API", "version": "1.0.0",
                 "description": f"Courses, prompt packs, templates and ebooks: build, sell, learn. {ROUTING}"},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": top.get("$defs", {}),
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }
    _document_error_codes(document, error_codes())
    return document
