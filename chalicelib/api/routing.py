"""Route registration in one wrapper: authenticate → parse and validate (pydantic) → call → render.

Each `@route` also records a `RouteDoc`, the table `/v1/openapi.json` is generated from. Schemas are
named as strings ("products.ProductCreate") and imported on first use, so importing the app stays
cheap (pydantic, PynamoDB and PyJWT load only when a request needs them: cold start is a feature).

The document is exact because it is derived from the record: a body adds 400/413/415/422 (strict JSON, required
unless `body_required=False`: a missing body is then `{}`), a query 400/422, path ids 404, auth 401, an
`Idempotency-Key` 400/409, plus the view's own `errors=`; `repeat=200` documents an idempotent repeat (201 the first
time); `etag=True` (polled lists) adds an `ETag` and answers 304 to a matching `If-None-Match`.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalice import Blueprint, CORSConfig, Response
from chalice.app import Request

from chalicelib.api.errors import error_response, from_domain
from chalicelib.config import get_settings
from chalicelib.errors import BadRequest, DomainError, InvalidInput, PayloadTooLarge, Unauthenticated
from chalicelib.observability import annotate, logger

if TYPE_CHECKING:
    from chalicelib.integrations.identity import Identity, TokenVerifier

AUTH_MODES = ("none", "optional", "required")
MAX_BODY_DEPTH = 32  # no request shape nests more than a few levels; deeper bodies are refused before validation
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_\-:.]{1,128}")
RAW = "raw"  # `body=RAW`: the view reads the raw JSON body itself (the Stripe webhook verifies its signature)


@dataclass(frozen=True)
class RouteDoc:
    path: str
    method: str
    summary: str
    tag: str
    auth: str
    body: str | None  # a schema ref, RAW (a JSON object the view reads itself), or None (no body is read)
    query: str | None
    response: str | None
    status: int
    media_type: str = "application/json"  # anything else: the view returns a chalice Response with that body
    idempotent: bool = False  # reads an Idempotency-Key header (documented as a header parameter)
    errors: tuple[int, ...] = ()  # statuses the view itself can answer (403, 409, 402, 429, 502, 503, ...)
    repeat: int | None = None  # the status of a repeat that finds the thing already done (same body as `status`)
    body_required: bool = True  # False: a missing body reads as `{}` (every field of the schema is optional)
    headers: tuple[str, ...] = ()  # required request headers the view reads (documented as header parameters)
    conditional: bool = False  # a 200 carries an ETag; a matching If-None-Match answers 304 without a body

    def error_statuses(self) -> list[int]:
        """Every error status this route can answer: the pipeline's (from what it reads) and the view's."""
        statuses = set(self.errors)
        if self.body:
            statuses |= {400, 413, 415} | ({422} if self.body != RAW else set())
        if self.query:
            statuses |= {400, 422}  # an invalid cursor, an invalid parameter
        if "{" in self.path:
            statuses.add(404)
        if self.auth != "none":
            statuses.add(401)
        if self.idempotent:
            statuses |= {400, 409}  # a malformed key; a key reused for another request
        return sorted(statuses)


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
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Correlation-Id", "If-None-Match"],
        expose_headers=["X-Correlation-Id", "ETag"],
        max_age=600,
    )


def unknown_route() -> Response:
    """404 for a path no route serves, in the one envelope with CORS headers (so a browser can read it), echoing
    nothing from the request. API Gateway's own answer (403 "Missing Authentication Token") is replaced by a
    gateway response of the same body and headers on AWS, and by `local.api.Gateway` locally."""
    return error_response(404, "not_found", "no route matches this method and path",
                          headers=cors().get_access_control_headers())


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
    annotate(user_id=identity.user_id)
    return identity


def _validate(ref: str, data: Any, where: str) -> Any:
    """Query strings are validated leniently (every value arrives as a string); a JSON body (`bytes`) strictly, so
    it is accepted exactly when it matches its documented schema (no "1" for 1, no "true" for true)."""
    from pydantic import ValidationError

    model = schema(ref)
    try:
        return model.model_validate_json(data, strict=True) if isinstance(data, bytes) else model.model_validate(data)
    except ValidationError as exc:
        details = [
            {"loc": [where, *error["loc"]], "msg": error["msg"], "type": error["type"]}
            for error in exc.errors(include_url=False, include_context=False, include_input=False)
        ]
        raise InvalidInput(f"invalid request {where}", details) from None


def parse_body(request: Request, doc: RouteDoc) -> Any:
    """The validated body, or None for a route that reads none (or reads it raw). A route whose body is required
    answers 400 to a request without one, instead of running on an empty object."""
    if doc.body is None:
        return None
    raw = request.raw_body or b""
    limit = get_settings().max_body_bytes
    if len(raw) > limit:
        raise PayloadTooLarge(f"request body exceeds {limit} bytes")
    if not raw.strip():
        if doc.body_required:
            raise BadRequest("this request needs a JSON body")
        raw = b"{}"
    if doc.body == RAW:
        return None  # the view parses it (after checking its signature: an unsigned body is never parsed)
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("request body is not valid JSON") from None
    except RecursionError:  # thousands of nested arrays fit in the size limit and exhaust the parser's stack
        raise BadRequest(f"request body nests deeper than {MAX_BODY_DEPTH} levels") from None
    if not isinstance(data, dict):
        raise BadRequest("request body must be a JSON object")
    if _depth(data) > MAX_BODY_DEPTH:
        raise BadRequest(f"request body nests deeper than {MAX_BODY_DEPTH} levels")
    return _validate(doc.body, raw, "body")


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


def conditional(request: Request, response: Response) -> Response:
    """A 200's ETag (a hash of its JSON body), or 304 with no body when `If-None-Match` names it: a poller that
    has the current answer downloads nothing."""
    if response.status_code != 200:
        return response
    digest = hashlib.sha256(json.dumps(response.body, sort_keys=True, separators=(",", ":"), default=str).encode())
    etag = f'"{digest.hexdigest()[:32]}"'
    held = {tag.strip().removeprefix("W/") for tag in (request.headers.get("if-none-match") or "").split(",")}
    if etag in held or "*" in held:
        return Response(body="", status_code=304, headers={"ETag": etag})
    return Response(body=response.body, status_code=200, headers={**response.headers, "ETag": etag})


def route(bp: Blueprint, path: str, method: str = "GET", *, summary: str, tag: str, auth: str = "required",
          body: str | None = None, query: str | None = None, response: str | None = None,
          status: int = 200, media_type: str = "application/json", idempotent: bool = False,
          errors: tuple[int, ...] = (), repeat: int | None = None, body_required: bool = True,
          headers: tuple[str, ...] = (), etag: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a view and its `RouteDoc`. `repeat`: the view returns `(result, created)` and answers `status`
    when it created something, `repeat` when it found it done already. `etag`: see `conditional`."""
    assert auth in AUTH_MODES, auth
    doc = RouteDoc(path, method, summary, tag, auth, body, query, response, status, media_type, idempotent, errors,
                   repeat, body_required, headers, etag)
    ROUTE_DOCS.append(doc)

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def view(**path_params: str) -> Response:
            request = bp.current_request
            try:
                call = Call(request, authenticate(request, auth), parse_body(request, doc),
                            parse_query(request, query))
                result = fn(call, **path_params)
                if repeat is not None:
                    result, created = result
                    return render(result, response, status if created else repeat)
                rendered = render(result, response, status)
                return conditional(request, rendered) if etag else rendered
            except DomainError as error:
                return from_domain(error)

        # A route that reads no body ignores its Content-Type; one that does answers 415 to anything but JSON.
        content_types = ["application/json"] if body else ["*/*"]
        bp.route(path, methods=[method], cors=cors(), content_types=content_types)(view)
        return fn

    return decorate


def page_limit(requested: int | None) -> int:
    """Clamp a client's `limit` to the configured cap."""
    settings = get_settings()
    return min(requested or settings.page_limit_default, settings.page_limit_max)
