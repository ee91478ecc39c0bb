"""Secrets out of the environment (each function names its secrets by ARN and may read only those it uses) and X-Ray
tracing on every function, the API stage and the video state machine."""

from __future__ import annotations

import json
import zipfile
from typing import Any

from aws_cdk.assertions import Template

from tests.infra.cfn import as_list, one, ref

SECRET_VARIABLES = ("CURSOR_SECRET_ID", "STRIPE_SECRET_ID", "PLAYBACK_SECRET_ID", "MEDIA_CDN_PRIVATE_KEY_SECRET_ID")
SECRET_VALUES = ("CURSOR_SECRET", "STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET", "PLAYBACK_SECRET", "MEDIA_CDN_PRIVATE_KEY")


def secrets(template: Template) -> dict[str, str]:
    """The stack's secrets: short name → logical id."""
    return {name: one(template, "AWS::SecretsManager::Secret", prefix)[0] for name, prefix in (
        ("cursor", "CursorSecret"), ("stripe", "StripeSecret"), ("playback", "VideoPlaybackSecret"),
        ("cdn_key", "VideoMediaCdnPrivateKey"), ("weaviate", "SearchWeaviateApiKey"))}


def statements(template: Template, role_id: str) -> list[dict[str, Any]]:
    """Every statement attached to the role, including the managed policies CDK moves overflowing grants to."""
    return [statement for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
            for policy in template.find_resources(kind).values()
            if role_id in json.dumps(policy["Properties"].get("Roles", []))
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]]


def functions(template: Template) -> dict[str, dict[str, Any]]:
    return {name: resource["Properties"]
            for name, resource in template.find_resources("AWS::Serverless::Function").items()}


def role_of(function: dict[str, Any]) -> str:
    """The logical id of the function's role (`Role: {"Fn::GetAtt": [<role>, "Arn"]}`)."""
    return function["Role"]["Fn::GetAtt"][0]


def readable(template: Template, role_id: str, secret_ids: dict[str, str]) -> set[str]:
    """The secrets (short names) the role may read the value of."""
    allowed = [statement for statement in statements(template, role_id) if statement["Effect"] == "Allow"
               and "secretsmanager:GetSecretValue" in as_list(statement["Action"])]
    return {name for name, logical_id in secret_ids.items()
            if any(ref(logical_id) in as_list(statement["Resource"]) or statement["Resource"] == "*"
                   for statement in allowed)}


def test_functions_name_their_secrets_by_arn_and_hold_no_secret_value(template):
    secret_ids = secrets(template)
    expected = [ref(secret_ids[name]) for name in ("cursor", "stripe", "playback", "cdn_key")]
    secret_ids.pop("weaviate")  # named by WEAVIATE_SECRET_ID, only where search is used (tests/infra/test_search_stack)
    for name, function in functions(template).items():
        variables = function["Environment"]["Variables"]
        assert [variables[variable] for variable in SECRET_VARIABLES] == expected, name
        assert not set(SECRET_VALUES) & set(variables), name
        assert "resolve:secretsmanager" not in json.dumps(variables), name
        rest = json.dumps({key: value for key, value in variables.items() if key not in SECRET_VARIABLES})
        assert not any(logical_id in rest for logical_id in secret_ids.values()), name


def test_each_function_may_read_only_the_secrets_it_uses(template):
    secret_ids = secrets(template)
    expected = {"APIHandler": {"cursor", "stripe", "playback", "cdn_key", "weaviate"},
                "AbandonStaleOrders": {"stripe"}, "IndexProducts": {"weaviate"}}
    found = functions(template)
    assert set(expected) <= set(found)
    for name, function in found.items():
        role_id = role_of(function)
        assert readable(template, role_id, secret_ids) == expected.get(name, set()), name
        assert (role_id == "DefaultRole") == (name not in expected), name
    assert readable(template, "DefaultRole", secret_ids) == set()


def test_the_roles_of_their_own_keep_the_app_grants(template):
    """A function moved off DefaultRole may still do its work: the same table, bucket and model grants."""
    def actions(role_id: str) -> set[str]:
        return {action for statement in statements(template, role_id) for action in as_list(statement["Action"])}

    shared = actions("DefaultRole")
    for name in ("APIHandler", "AbandonStaleOrders"):
        own = actions(role_of(functions(template)[name]))
        assert shared <= own, (name, sorted(shared - own))
        (role,) = [resource for logical_id, resource in template.find_resources("AWS::IAM::Role").items()
                   if logical_id == role_of(functions(template)[name])]
        assert "AWSLambdaBasicExecutionRole" in json.dumps(role["Properties"]["ManagedPolicyArns"])


def test_tracing_is_active_on_every_function_the_api_stage_and_the_state_machine(template):
    for name, function in functions(template).items():
        assert function["Tracing"] == "Active", name
        granted = {action for statement in statements(template, role_of(function))
                   for action in as_list(statement["Action"])}
        assert {"xray:PutTraceSegments", "xray:PutTelemetryRecords"} <= granted, name
    assert template.find_resources("AWS::Serverless::Api")["RestAPI"]["Properties"]["TracingEnabled"] is True
    (machine,) = template.find_resources("AWS::StepFunctions::StateMachine").values()
    assert machine["Properties"]["TracingConfiguration"] == {"Enabled": True}


def test_the_dependencies_layer_ships_the_xray_sdk_the_tracer_loads():
    from infra.packaging import dependencies_zip

    with zipfile.ZipFile(dependencies_zip()) as layer:
        assert "python/aws_xray_sdk/core/__init__.py" in layer.namelist()
