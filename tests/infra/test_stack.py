"""The synthesized prod stack holds what the code expects: the models' tables, the env the app reads, the grants.

One synthesis per module (~20 s: `chalice package` plus the CDK synth; the first run on a machine also builds the
dependencies layer with pip). Table names carry the test prefix (cm-test), set by tests/conftest.py.
"""

from __future__ import annotations

import importlib
import os
import sys
import zipfile
from collections.abc import Iterator
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from chalicelib.config import get_settings
from chalicelib.models import ALL_MODELS, AccessGrant, CatalogListing, Product
from infra.packaging import RUNTIME, dependencies_zip
from infra.stacks.marketplace import MarketplaceStack

STAGE = "prod"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    """`chalice package` writes chalice.out/ to the cwd, loads the stage's variables into os.environ and puts its
    source dir on sys.path: all three are put back so the rest of the session is unaffected. It also imports `app`
    if nobody has yet, from its throwaway copy: import the real one first. (It must stay imported: the app registers
    blueprints that are module singletons, once only.)"""
    importlib.import_module("app")
    work = tmp_path_factory.mktemp("synth")
    environ, path = dict(os.environ), list(sys.path)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(work)
        try:
            stack = MarketplaceStack(cdk.App(outdir=str(work / "cdk.out")), STAGE)
            synthesized = Template.from_stack(stack)
        finally:
            os.environ.clear()
            os.environ.update(environ)
            sys.path[:] = path
    yield synthesized


def table(template: Template, model) -> tuple[str, dict[str, Any]]:
    """(logical id, properties) of the model's table."""
    found = template.find_resources("AWS::DynamoDB::Table", {"Properties": {"TableName": model.Meta.table_name}})
    assert len(found) == 1, f"{model.Meta.table_name}: {sorted(found)}"
    ((logical_id, resource),) = found.items()
    return logical_id, resource["Properties"]


def keys(entries: list[dict[str, str]]) -> dict[str, str]:
    return {entry["AttributeName"]: entry["KeyType"] for entry in entries}


def indexes(entries: list[dict[str, Any]]) -> dict[str, tuple[dict[str, str], dict[str, Any]]]:
    return {entry["IndexName"]: (keys(entry["KeySchema"]), entry["Projection"]) for entry in entries}


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda model: model.__name__)
def test_table_matches_model(template, model):
    """Same schema PynamoDB's `create_table` (and so the local emulator) uses."""
    schema = model._get_schema()
    _, props = table(template, model)

    assert keys(props["KeySchema"]) == keys(schema["key_schema"])
    assert sorted(props["AttributeDefinitions"], key=str) == sorted(schema["attribute_definitions"], key=str)
    assert props["BillingMode"] == model.Meta.billing_mode == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    for cfn_name, pynamodb_name in (("GlobalSecondaryIndexes", "global_secondary_indexes"),
                                    ("LocalSecondaryIndexes", "local_secondary_indexes")):
        expected = {index["index_name"]: (keys(index["key_schema"]), index["projection"])
                    for index in schema[pynamodb_name]}
        assert indexes(props.get(cfn_name, [])) == expected


def test_one_table_per_model(template):
    tables = template.find_resources("AWS::DynamoDB::Table").values()
    names = {resource["Properties"]["TableName"] for resource in tables}
    assert names == {model.Meta.table_name for model in ALL_MODELS}


def test_known_indexes(template):
    template.has_resource_properties("AWS::DynamoDB::Table", {
        "TableName": Product.Meta.table_name,
        "GlobalSecondaryIndexes": [{
            "IndexName": "by_creator",
            "KeySchema": [{"AttributeName": "creator_id", "KeyType": "HASH"},
                          {"AttributeName": "created_at", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}}]})
    template.has_resource_properties("AWS::DynamoDB::Table", {
        "TableName": CatalogListing.Meta.table_name,
        "KeySchema": [{"AttributeName": "facet", "KeyType": "HASH"}, {"AttributeName": "sort_new", "KeyType": "RANGE"}],
        "LocalSecondaryIndexes": [{
            "IndexName": "by_price",
            "KeySchema": [{"AttributeName": "facet", "KeyType": "HASH"},
                          {"AttributeName": "sort_price", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}}]})
    template.has_resource_properties("AWS::DynamoDB::Table", {
        "TableName": AccessGrant.Meta.table_name,
        "GlobalSecondaryIndexes": [Match.object_like({"IndexName": "by_product",
                                                      "Projection": {"ProjectionType": "KEYS_ONLY"}})]})


def test_tables_survive_stack_deletion(template):
    for resource in template.find_resources("AWS::DynamoDB::Table").values():
        assert resource["DeletionPolicy"] == "Retain"


def test_functions_get_the_stage_environment(template):
    functions = template.find_resources("AWS::Serverless::Function")
    assert "APIHandler" in functions
    (pool,) = template.find_resources("AWS::Cognito::UserPool")
    (client,) = template.find_resources("AWS::Cognito::UserPoolClient")
    secrets = template.find_resources("AWS::SecretsManager::Secret")
    secret = next(name for name in secrets if name.startswith("CursorSecret"))
    stripe = next(name for name in secrets if name.startswith("StripeSecret"))
    for function in functions.values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["TABLE_PREFIX"] == get_settings().table_prefix
        assert variables["STAGE"] == STAGE
        assert variables["CORS_ALLOW_ORIGIN"].startswith("https://")  # from .chalice/config.json's prod stage
        assert variables["COGNITO_USER_POOL_ID"] == {"Ref": pool}
        assert variables["COGNITO_APP_CLIENT_IDS"] == {"Ref": client}
        assert {"Ref": secret} in variables["CURSOR_SECRET"]["Fn::Join"][1]  # a deploy-time reference, not a value
        for name in ("STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET"):  # prod refuses to start without them
            assert {"Ref": stripe} in variables[name]["Fn::Join"][1]


def test_functions_run_on_the_layer_runtime(template):
    (layer,) = template.find_resources("AWS::Lambda::LayerVersion")
    for function in template.find_resources("AWS::Serverless::Function").values():
        assert function["Properties"]["Runtime"] == RUNTIME.name
        assert {"Ref": layer} in function["Properties"]["Layers"]


def test_dependencies_layer_is_built_for_the_runtime():
    """Compiled extensions must match the Lambda runtime, not the Python that ran the build."""
    abi_tag = RUNTIME.name.replace("python", "cpython-").replace(".", "")
    with zipfile.ZipFile(dependencies_zip()) as layer:
        extensions = [name for name in layer.namelist() if name.endswith(".so")]
    assert any(name.startswith("python/pydantic_core/") for name in extensions)
    assert all(f".{abi_tag}-" in name or ".abi3." in name for name in extensions), extensions


def test_app_client_is_public_and_pool_signs_in_by_email(template):
    template.has_resource_properties("AWS::Cognito::UserPoolClient", {"GenerateSecret": False})
    template.has_resource_properties("AWS::Cognito::UserPool", {"UsernameAttributes": ["email"]})


def test_lambda_role_reads_and_writes_every_table_and_index(template):
    statements = [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        if "DefaultRole" in str(policy["Properties"]["Roles"])
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    needed = {f"dynamodb:{action}" for action in ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query",
                                                  "ConditionCheckItem", "BatchGetItem", "BatchWriteItem")}
    for model in ALL_MODELS:
        logical_id, _ = table(template, model)
        arn = {"Fn::GetAtt": [logical_id, "Arn"]}
        granted = {action for statement in statements if arn in statement["Resource"]
                   for action in statement["Action"]}
        assert needed <= granted, model.__name__
        if model._indexes:
            index_arns = {"Fn::Join": ["", [arn, "/index/*"]]}
            assert any(index_arns in statement["Resource"] for statement in statements), model.__name__


def files_bucket(template: Template) -> tuple[str, dict[str, Any]]:
    (found,) = template.find_resources("AWS::S3::Bucket").items()
    return found


def test_files_bucket_is_private_encrypted_and_retained(template):
    logical_id, bucket = files_bucket(template)
    props = bucket["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
    assert bucket["DeletionPolicy"] == "Retain"
    (policy,) = template.find_resources("AWS::S3::BucketPolicy").values()
    assert policy["Properties"]["Bucket"] == {"Ref": logical_id}
    (deny_insecure,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert deny_insecure["Effect"] == "Deny"
    assert deny_insecure["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_files_bucket_cors_lets_the_spa_upload(template):
    from infra import buckets

    _, bucket = files_bucket(template)
    (rule,) = bucket["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedOrigins"] == [buckets.stage_cors_origin(STAGE)] == ["https://app.creator-marketplace.example"]
    assert "PUT" in rule["AllowedMethods"] and "*" not in str(rule["AllowedOrigins"])
    assert rule["AllowedHeaders"] == ["Content-Type"]
    assert rule["ExposedHeaders"] == ["ETag"]


def test_functions_know_the_files_bucket_and_the_role_may_use_it(template):
    logical_id, _ = files_bucket(template)
    for function in template.find_resources("AWS::Serverless::Function").values():
        assert function["Properties"]["Environment"]["Variables"]["FILES_BUCKET"] == {"Ref": logical_id}
    statements = [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        if "DefaultRole" in str(policy["Properties"]["Roles"])
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    objects = {"Fn::Join": ["", [{"Fn::GetAtt": [logical_id, "Arn"]}, "/*"]]}
    granted = set()
    for statement in statements:
        if objects in statement["Resource"]:
            actions = statement["Action"]
            granted |= set([actions] if isinstance(actions, str) else actions)
    for needed in ("s3:GetObject*", "s3:PutObject", "s3:DeleteObject*"):
        assert needed in granted, (needed, granted)
