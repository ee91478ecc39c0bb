"""Liveness and the API description."""

from chalice import Blueprint

from chalicelib.api.routing import Call, route
from chalicelib.config import get_settings

bp = Blueprint(__name__)


@route(bp, "/v1/health", summary="Liveness probe", tag="meta", auth="none", response="common.Health")
def health(call: Call) -> dict:
    return {"status": "ok", "stage": get_settings().stage}


@route(bp, "/v1/openapi.json", summary="This API's OpenAPI 3.1 document", tag="meta", auth="none")
def openapi_document(call: Call) -> dict:
    from chalicelib.api.openapi import build_document

    return build_document()
