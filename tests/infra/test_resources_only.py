"""`-c functions=chalice`: the stack for the `chalice deploy` path holds every resource of the full stack except the
app's functions and API, outputs what `infra.chalice_stage` reads, and alarms on the functions `chalice deploy` will
create, by the names Chalice's own deploy planner gives them.

The synthesis runs no `chalice package` (nothing written to `chalice.out/`), so after the session's full synthesis
(tests/infra/conftest.py, which warms CDK's node process) it costs ~2 s (~6 s on a loaded machine).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from infra import chalice_stage
from infra.stacks.marketplace import FUNCTIONS_CONTEXT, MarketplaceStack
from tests.infra.cfn import CONTEXT, STAGE

# What `chalice package` adds besides the functions: the API, its invoke permission, its outputs.
API_OUTPUTS = {"RestAPIId", "APIHandlerName", "APIHandlerArn", "EndpointURL"}
# Among the resources both modes share (not a complete list: every resource but the functions' is shared).
SHARED_TYPES = ("AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::SQS::QueuePolicy", "AWS::S3::Bucket",
                "AWS::S3::BucketPolicy", "AWS::Events::Rule", "AWS::StepFunctions::StateMachine",
                "AWS::SecretsManager::Secret", "AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient",
                "AWS::CloudFront::Distribution", "AWS::CloudFront::PublicKey", "AWS::CloudFront::KeyGroup",
                "AWS::SNS::Topic", "AWS::SNS::Subscription")


@pytest.fixture(scope="module")
def synthesized(template, tmp_path_factory) -> tuple[Template, Path]:
    """(template, the cwd it was synthesized in). After `template`: the real `app` is imported, node is warm."""
    work = tmp_path_factory.mktemp("resources-only")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(work)
        stack = MarketplaceStack(cdk.App(outdir=str(work / "cdk.out"),
                                         context={**CONTEXT, FUNCTIONS_CONTEXT: "chalice"}), STAGE)
        return Template.from_stack(stack), work


@pytest.fixture(scope="module")
def resources_only(synthesized) -> dict[str, Any]:
    return synthesized[0].to_json()


@pytest.fixture(scope="module")
def full(template) -> dict[str, Any]:
    return template.to_json()


def of_type(template: dict[str, Any], *types: str) -> dict[str, Any]:
    return {name: resource for name, resource in template["Resources"].items() if resource["Type"] in types}


def test_chalice_package_does_not_run(synthesized):
    _, work = synthesized
    assert not (work / "chalice.out").exists()


def test_no_function_or_api_of_the_app(resources_only, full):
    types = {resource["Type"] for resource in resources_only["Resources"].values()}
    assert not {kind for kind in types if kind.startswith(("AWS::Serverless::", "AWS::ApiGateway::"))}
    assert "Transform" not in resources_only  # no SAM left to expand
    assert "AWS::Lambda::Permission" not in types and "AWS::WAFv2::WebACLAssociation" not in types
    # The only plain Lambda functions are CDK's helpers (S3 → EventBridge notifications), as in the full stack.
    helpers = of_type(full, "AWS::Lambda::Function")
    assert helpers and all(name.startswith("BucketNotificationsHandler") for name in helpers)
    assert of_type(resources_only, "AWS::Lambda::Function") == helpers
    # The PyAV layer stays (the probe worker's); the dependencies layer is `chalice deploy`'s to package.
    assert [name for name in of_type(resources_only, "AWS::Lambda::LayerVersion")] == [
        name for name in of_type(full, "AWS::Lambda::LayerVersion") if name.startswith("MediaTools")]


def test_every_other_resource_is_the_full_stacks_to_the_byte(resources_only, full):
    """Same logical ids and properties: switching a deployed stage between the modes keeps its tables, buckets,
    queues and state machine (a changed logical id would replace a retained, named resource: a failed deploy), and
    nothing shared refers to a function (the state machine sends its tasks to a queue, rules target queues)."""
    left_out = {name for name, resource in full["Resources"].items()
                if resource["Type"].startswith("AWS::Serverless::")  # the functions and the API
                or resource["Type"] in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::Dashboard")  # the next tests
                or name in ("DefaultRole", "APIHandlerInvokePermission", "WebAcl")  # Chalice's role, the API's
                or name.startswith(("ApiDefaultRolePolicy", "Dependencies"))}  # its grants; the functions' layer
    kept = {name: resource for name, resource in full["Resources"].items() if name not in left_out}
    assert {resource["Type"] for resource in kept.values()} >= set(SHARED_TYPES)
    assert {name: resources_only["Resources"].get(name) for name in kept} == kept


def test_every_output_chalice_stage_reads_is_there(resources_only, full):
    assert set(full["Outputs"]) - set(resources_only["Outputs"]) == API_OUTPUTS
    assert set(resources_only["Outputs"]) <= set(full["Outputs"])
    values = {key: json.dumps(output["Value"]) for key, output in resources_only["Outputs"].items()}
    settings = chalice_stage.stage_settings(values)
    assert settings.keys() == {"environment_variables", "manage_iam_role", "iam_role_arn", "lambda_functions"}
    expected = chalice_stage.stage_settings({key: json.dumps(output["Value"]) for key, output in full["Outputs"].items()
                                             if key not in API_OUTPUTS})
    assert settings["environment_variables"] == expected["environment_variables"]
    assert settings["lambda_functions"] == expected["lambda_functions"]  # the same roles of their own, PyAV


def test_the_default_role_has_the_grants_of_chalices(resources_only, full):
    """The functions `chalice deploy` creates without a role of their own share a role the stack makes in place of
    Chalice's DefaultRole: the same grants, and the managed policy for their logs."""
    (logical_id,) = [name for name in of_type(resources_only, "AWS::IAM::Role") if name.startswith("DefaultRole")]
    role = resources_only["Resources"][logical_id]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert "AWSLambdaBasicExecutionRole" in json.dumps(role["ManagedPolicyArns"])
    assert resources_only["Outputs"][chalice_stage.ROLE_OUTPUT]["Value"] == {"Fn::GetAtt": [logical_id, "Arn"]}

    def grants(template: dict[str, Any]) -> list[str]:
        """The default role's statements, in its policy and in the managed policies CDK moves the overflow to."""
        policies = of_type(template, "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy").values()
        return sorted(json.dumps(statement, sort_keys=True) for policy in policies
                      if "DefaultRole" in json.dumps(policy["Properties"].get("Roles"))
                      for statement in policy["Properties"]["PolicyDocument"]["Statement"])

    assert grants(resources_only) == grants(full) != []


def chalice_deploy_function_names(app: Any) -> dict[str, str]:
    """{function in the Chalice config: its name} as `chalice deploy --stage prod` would create them, from Chalice's
    own deploy planner (no AWS call: the application graph only)."""
    from chalice.config import Config
    from chalice.deploy.appgraph import ApplicationGraphBuilder, DependencyBuilder
    from chalice.deploy.models import LambdaFunction

    config = Config(chalice_stage=STAGE, user_provided_params={"chalice_app": app},
                    config_from_disk=json.loads(chalice_stage.CONFIG.read_text()),
                    default_params={"project_dir": str(chalice_stage.ROOT)})
    graph = DependencyBuilder().build_dependencies(ApplicationGraphBuilder().build(config, STAGE))
    return {resource.resource_name: resource.function_name for resource in graph
            if isinstance(resource, LambdaFunction)}


def test_alarms_watch_the_functions_and_api_chalice_deploy_creates(resources_only, full):
    from app import app

    assert of_type(resources_only, "AWS::CloudWatch::Alarm").keys() == of_type(full, "AWS::CloudWatch::Alarm").keys()
    watched = {}
    for alarm in of_type(resources_only, "AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        if props["Namespace"] == "AWS/Lambda":
            (name,) = [item["Value"] for item in props["Dimensions"] if item["Name"] == "FunctionName"]
            watched.setdefault(name, set()).add(props["MetricName"])
        if props["Namespace"] == "AWS/ApiGateway":
            assert {"Name": "ApiName", "Value": app.app_name} in props["Dimensions"]
    expected = chalice_deploy_function_names(app)
    assert len(expected) == len(of_type(full, "AWS::Serverless::Function"))
    assert watched == {name: {"Errors", "Throttles"} for name in expected.values()}
    # chalice deploy imports the API from the OpenAPI document it generates, titled with the app's name.
    from chalice.deploy.swagger import SwaggerGenerator

    handler = {"api_handler_arn": "arn:aws:lambda:us-east-1:123456789012:function:creator-marketplace-prod"}
    document = SwaggerGenerator("us-east-1", handler).generate_swagger(app)
    assert document["info"]["title"] == app.app_name


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="cdk or chalice"):
        MarketplaceStack(cdk.App(context={FUNCTIONS_CONTEXT: "sam"}), STAGE)
