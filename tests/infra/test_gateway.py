"""API Gateway's own answers (the app's error envelope, CORS, nothing echoed), stage throttling and the WAF hook.

The synthesized stack (`template`) has the WAF context value set; its absence and the throttling context are
checked on small stacks (no second synthesis of the whole app).
"""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk.assertions import Template

from chalicelib import errors
from chalicelib.api.errors import error_response
from infra import buckets, gateway
from tests.infra.cfn import STAGE, WAF_WEB_ACL_ARN


def rest_api(template: Template) -> dict:
    return template.find_resources("AWS::Serverless::Api")[gateway.REST_API]["Properties"]


def test_unknown_routes_answer_404_in_the_error_envelope(template):
    unknown = rest_api(template)["GatewayResponses"]["MISSING_AUTHENTICATION_TOKEN"]
    assert unknown["StatusCode"] == "404"
    body = json.loads(unknown["ResponseTemplates"]["application/json"])
    assert body["error"]["code"] == "not_found"
    # The app's envelope, field for field.
    app_body = error_response(404, "not_found", "anything").body
    assert body.keys() == app_body.keys() and body["error"].keys() == app_body["error"].keys()
    assert body["error"]["details"] == []


def test_every_gateway_answer_is_the_envelope_with_cors_and_echoes_nothing(template):
    responses = rest_api(template)["GatewayResponses"]
    assert {"MISSING_AUTHENTICATION_TOKEN", "DEFAULT_4XX", "DEFAULT_5XX", "THROTTLED"} <= responses.keys()
    origin = buckets.stage_cors_origin(STAGE)
    for response_type, response in responses.items():
        (template_text,) = response["ResponseTemplates"].values()
        # No mapping-template variable at all: `$context.error.message` / `$input` would carry request data (the
        # default MISSING_AUTHENTICATION_TOKEN message quotes the Authorization header).
        assert "$" not in template_text, response_type
        error = json.loads(template_text)["error"]
        if "StatusCode" in response:  # the code is the app's code for that status
            assert errors.CODES[error["code"]] == int(response["StatusCode"]), response_type
        else:
            assert errors.CODES[error["code"]] // 100 == int(response_type[len("DEFAULT_")]), response_type
        headers = response["ResponseParameters"]["Headers"]
        assert headers["Access-Control-Allow-Origin"] == f"'{origin}'"
        for name, value in headers.items():  # static values only, never `method.request.header.*`
            assert value.startswith("'") and value.endswith("'") and "method.request" not in value, (name, value)
    assert responses["THROTTLED"]["ResponseParameters"]["Headers"]["Retry-After"] == "'1'"


def test_stage_is_throttled_with_the_defaults(template):
    assert rest_api(template)["MethodSettings"] == [{
        "ResourcePath": "/*", "HttpMethod": "*",
        "ThrottlingRateLimit": gateway.THROTTLE_RATE, "ThrottlingBurstLimit": gateway.THROTTLE_BURST}]


def test_throttling_comes_from_the_context():
    configured = cdk.Stack(cdk.App(context={"api_throttle_rate": "25.5", "api_throttle_burst": "40"}), "Configured")
    assert gateway.throttling(configured) == (25.5, 40)
    assert gateway.throttling(cdk.Stack(cdk.App(), "Defaults")) == (gateway.THROTTLE_RATE, gateway.THROTTLE_BURST)


def test_each_stage_names_its_api(template):
    """API Gateway's metrics are keyed by the API's name: the alarms read the stage's own."""
    assert rest_api(template)["DefinitionBody"]["info"]["title"] == gateway.api_name(STAGE) != gateway.api_name("dev")


def test_the_context_web_acl_guards_the_api_stage(template):
    (association,) = template.find_resources("AWS::WAFv2::WebACLAssociation").values()
    assert association["Properties"]["WebACLArn"] == WAF_WEB_ACL_ARN
    resource_arn = association["Properties"]["ResourceArn"]["Fn::Sub"]
    # SAM resolves `${RestAPI.Stage}` to the stage it generates (`api`), and the association waits for it.
    assert resource_arn.endswith(f"::/restapis/${{{gateway.REST_API}}}/stages/${{{gateway.REST_API}.Stage}}")


def test_no_web_acl_without_the_context_value():
    stack = cdk.Stack(cdk.App(), "NoWaf")
    cdk.CfnResource(stack, gateway.REST_API, type="AWS::ApiGateway::RestApi", properties={"Name": "api"})
    assert gateway.web_acl_association(stack, gateway.REST_API, stack.node.try_get_context("waf_web_acl_arn")) is None
    Template.from_stack(stack).resource_count_is("AWS::WAFv2::WebACLAssociation", 0)
