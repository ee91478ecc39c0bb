"""API Gateway in front of the Chalice app: its own answers in the API's error envelope, stage throttling, and the
optional WAF web ACL.

API Gateway answers some requests without calling the app: an unknown route (MISSING_AUTHENTICATION_TOKEN, by
default a 403 whose message echoes the caller's Authorization header), throttling, a body over its 10 MB limit, a
WAF block, failures to reach the function. Those answers get the app's envelope
(`chalicelib/api/errors.error_response`) and CORS header, from static templates: nothing of the request is copied
into them. The app's own body limit (MAX_BODY_BYTES, 413 from the middleware) is unchanged.

Context values (`cdk deploy -c name=value`):
- `api_throttle_rate` / `api_throttle_burst`: requests per second and burst of the stage (every method and path);
- `waf_web_acl_arn`: a regional WAFv2 web ACL, created and ruled by the operator, to associate with the stage.
"""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_wafv2 as wafv2
from chalice.cdk import Chalice
from constructs import Construct

APP_NAME = "creator-marketplace"
REST_API = "RestAPI"  # the logical id `chalice package` gives the API
THROTTLE_RATE = 100  # requests per second, steady state, for the whole stage
THROTTLE_BURST = 200
# Response type → (status, or None to keep API Gateway's, envelope code, message). The codes and statuses are the
# app's own (chalicelib/errors.py, api/errors.py). DEFAULT_4XX covers what is left without authorizers, API keys or
# request validators: malformed requests (400).
RESPONSES: dict[str, tuple[int | None, str, str]] = {
    "MISSING_AUTHENTICATION_TOKEN": (404, "not_found", "no route matches this method and path"),
    "THROTTLED": (429, "rate_limited", "too many requests, retry later"),
    "REQUEST_TOO_LARGE": (413, "payload_too_large", "request too large"),
    "WAF_FILTERED": (403, "forbidden", "request refused"),
    "ACCESS_DENIED": (403, "forbidden", "request refused"),
    "UNSUPPORTED_MEDIA_TYPE": (415, "unsupported_media_type", "unsupported media type"),
    "INTEGRATION_FAILURE": (502, "bad_gateway", "the service could not be reached"),
    "DEFAULT_4XX": (None, "bad_request", "request refused by the gateway"),
    "DEFAULT_5XX": (None, "internal_error", "internal error"),
}
RETRY_AFTER_SECONDS = 1  # on THROTTLED: the app's 429s carry Retry-After too


def api_name(stage: str) -> str:
    """The REST API's name, per stage: API Gateway's metrics are keyed by it (ApiName), so stages never mix."""
    return f"{APP_NAME}-{stage}"


def envelope(code: str, message: str) -> str:
    """The body of a gateway answer: the app's error envelope, a fixed text (no `$input`, no request header)."""
    return json.dumps({"error": {"code": code, "message": message, "details": []}})


def gateway_responses(origin: str) -> dict[str, dict[str, Any]]:
    """SAM `GatewayResponses` of the API: the envelope, JSON, CORS for the SPA origin (a browser can read the error),
    Retry-After on throttling. Header values are static strings (single-quoted, as API Gateway wants them)."""
    cors = {"Access-Control-Allow-Origin": f"'{origin}'", "Access-Control-Expose-Headers": "'X-Correlation-Id'"}
    responses = {}
    for response_type, (status, code, message) in RESPONSES.items():
        headers = dict(cors)
        if response_type == "THROTTLED":
            headers["Retry-After"] = f"'{RETRY_AFTER_SECONDS}'"
        response: dict[str, Any] = {"ResponseParameters": {"Headers": headers},
                                    "ResponseTemplates": {"application/json": envelope(code, message)}}
        if status is not None:
            response["StatusCode"] = str(status)
        responses[response_type] = response
    return responses


def throttling(scope: Construct) -> tuple[float, int]:
    """(rate, burst) from the context, else the defaults above."""
    rate = scope.node.try_get_context("api_throttle_rate")
    burst = scope.node.try_get_context("api_throttle_burst")
    return (float(rate) if rate is not None else THROTTLE_RATE, int(burst) if burst is not None else THROTTLE_BURST)


def protect(scope: Construct, api: Chalice, stage: str, origin: str) -> None:
    """Name the stage's REST API, give it the gateway responses and the stage throttling, and put the context's WAF
    web ACL (if any) in front of its stage."""
    rest_api = api.sam_template.get_resource(REST_API)
    rest_api.add_property_override("DefinitionBody.info.title", api_name(stage))
    rest_api.add_property_override("GatewayResponses", gateway_responses(origin))
    rate, burst = throttling(scope)
    rest_api.add_property_override("MethodSettings", [
        {"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit": rate, "ThrottlingBurstLimit": burst}])
    web_acl_association(scope, REST_API, scope.node.try_get_context("waf_web_acl_arn"))


def web_acl_association(scope: Construct, rest_api_id: str,
                        web_acl_arn: str | None) -> wafv2.CfnWebACLAssociation | None:
    """The WAF hook: associates the operator's regional web ACL with the API's stage (none without an ARN). The stage
    is the one SAM generates for the API: `${<api id>.Stage}` names it, and makes the association wait for it."""
    if not web_acl_arn:
        return None
    return wafv2.CfnWebACLAssociation(
        scope, "WebAcl", web_acl_arn=web_acl_arn,
        resource_arn=cdk.Fn.sub(f"arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}::/restapis/${{{rest_api_id}}}"
                                f"/stages/${{{rest_api_id}.Stage}}"))
