"""Route registration in one wrapper: authenticate → parse and validate (pydantic) → call → render.

Each `@route` also records a `RouteDoc`, the table `/v1/openapi.json` is generated from. Schemas are
named as strings ("products.ProductCreate") and imported on first use, so importing the app stays
cheap (pydantic, PynamoDB and PyJWT load only when a request needs them: cold start is a feature).
"""

from __future__ import annotations

import functools
import importlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalice import Blueprint, CORSConfig, Response
from chalice.app import Request

from chalicelib.api.errors import from_domain
from chalicelib.config import get_settings
from chalicelib.errors import BadRequest, DomainError, InvalidInput, Unauthenticated
from chalicelib.observability import logger

if TYPE_CHECKING:
    from chalicelib.integrations.identity import Identity, TokenVerifier

AUTH_MODES = ("none", "optional", "required")
MAX_BODY_DEPTH = 32  # no request shape nests more than a few levels; deeper bodies are refused before validation
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_\-:.]{1,128}")


@dataclass(frozen=True)
class RouteDoc:
    path: str
    method: str
    summary: str
    tag: str
    auth: str
    body: str | None
    query: str | None
    response: str | None
    status: int
    media_type: str = "application/json"  # anything else: the view returns a chalice Response with that body
    idempotent: bool = False  # reads an Idempotency-Key header (documented as a header parameter)
    errors: tuple[int, ...] = ()  # statuses beyond the common ones this route can answer (402, 429, 502, 503)


ROUTE_DOCS: list[RouteDoc] = []


@dataclass(frozen=True)
class Call:
    """What a view receives: the raw request plus the verified caller and the validated inputs."""

    request: Request
    identity: Identity | None
    body: Any
    query: Any

    @property
    def user_id(self) -> str | None:
        return self.identity.user_id if self.identity else None

    @property
    def idempotency_key(self) -> str | None:
        """The client's `Idempotency-Key` header (a retry of the same request sends the same key), or None."""
        key = self.request.headers.get("idempotency-key")
        if key is None:
            return None
        if not IDEMPOTENCY_KEY.fullmatch(key):
            raise BadRequest("Idempotency-Key must be 1-128 characters of letters, digits, '-', '_', ':' or '.'",
                             [{"loc": ["header", "Idempotency-Key"], "msg": "invalid"}])
        return key


def schema(ref: str) -> Any:
    """Resolve "module.Class" inside `chalicelib.schemas`."""
    module, _, name = ref.rpartition(".")
    return getattr(importlib.import_module(f"chalicelib.schemas.{module}"), name)


@functools.lru_cache(maxsize=1)
def cors() -> CORSConfig:
    return CORSConfig(
        allow_origin=get_settings().cors_allow_origin,
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Correlation-Id"],
        expose_headers=["X-Correlation-Id"],
        max_age=600,
    )


@functools.lru_cache(maxsize=1)
def verifier() -> TokenVerifier:
    from chalicelib.integrations.identity import TokenVerifier

    return TokenVerifier.from_settings(get_settings())


def authenticate(request: Request, mode: str) -> Identity | None:
    if mode == "none":
        return None
    header = request.headers.get("authorization")
    if not header:
        if mode == "required":
            raise Unauthenticated("missing bearer token")
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("expected 'Authorization: Bearer <token>'")
    identity = verifier().verify(token.strip())
    logger.append_keys(user_id=identity.user_id)
    return identity


def _validate(ref: str, data: Any, where: str) -> Any:
    from pydantic import ValidationError

    try:
        return schema(ref).model_validate(data)
    except ValidationError as exc:
        details = [
            {"loc": [where, *error["loc"]], "msg": error["msg"], "type": error["type"]}
            for error in exc.errors(include_url=False, include_context=False, include_input=False)
        ]
        raise InvalidInput(f"invalid request {where}", details) from None


def parse_body(request: Request, ref: str | None) -> Any:
    if ref is None:
        return None
    try:
        data = json.loads(request.raw_body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("request body is not valid JSON") from None
    except RecursionError:  # thousands of nested arrays fit in the size limit and exhaust the parser's stack
        raise BadRequest(f"request body nests deeper than {MAX_BODY_DEPTH} levels") from None
    if not isinstance(data, dict):
        raise BadRequest("request body must be a JSON object")
    if _depth(data) > MAX_BODY_DEPTH:
        raise BadRequest(f"request body nests deeper than {MAX_BODY_DEPTH} levels")
    return _validate(ref, data, "body")


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest in a parsed body (iterative: the check itself never recurses)."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        node, level = pending.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                pending.append((child, level + 1))
        deepest = max(deepest, level)
    return deepest


def parse_query(request: Request, ref: str | None) -> Any:
    if ref is None:
        return None
    params = request.query_params or {}
    return _validate(ref, {name: params[name] for name in params}, "query")


def render(result: Any, ref: str | None, status: int) -> Response:
    if isinstance(result, Response):
        return result
    if status == 204:
        return Response(body="", status_code=204)
    body = schema(ref).model_validate(result, from_attributes=True).model_dump(mode="json") if ref else result
    return Response(body=body, status_code=status, headers={"Content-Type": "application/json"})


def route(bp: Blueprint, path: str, method: str = "GET", *, summary: str, tag: str, auth: str = "required",
          body: str | None = None, query: str | None = None, response: str | None = None,
          status: int = 200, media_type: str = "application/json", idempotent: bool = False,
          errors: tuple[int, ...] = ()) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    assert auth in AUTH_MODES, auth
    ROUTE_DOCS.append(RouteDoc(path, method, summary, tag, auth, body, query, response, status, media_type,
                               idempotent, errors))

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def view(**path_params: str) -> Response:
            request = bp.current_request
            try:
                call = Call(request, authenticate(request, auth), parse_body(request, body),
                            parse_query(request, query))
                return render(fn(call, **path_params), response, status)
            except DomainError as error:
                return from_domain(error)

        bp.route(path, methods=[method], cors=cors())(view)
        return fn

    return decorate


def page_limit(requested: int | None) -> int:
    """Clamp a client's `limit` to the configured cap."""
    settings = get_settings()
    return min(requested or settings.page_limit_default, settings.page_limit_max)
