"""The synthesized prod stack holds what the code expects: the models' tables, the env the app reads, the grants.

The `template` fixture (tests/infra/conftest.py) synthesizes the stack once per session. Video resources:
test_video_stack.py.
"""

from __future__ import annotations

import zipfile
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from chalicelib.config import get_settings
from chalicelib.models import ALL_MODELS, AccessGrant, CatalogListing, Product
from infra.packaging import RUNTIME, dependencies_zip
from tests.infra.cfn import STAGE, as_list, granted, objects, one, ref, statements


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
        # Secrets by ARN, read at run time (prod refuses to start without them): test_secrets_and_tracing.py.
        assert (variables["CURSOR_SECRET_ID"], variables["STRIPE_SECRET_ID"]) == ({"Ref": secret}, {"Ref": stripe})


def _layer(template, description: str) -> str:
    (layer,) = [name for name, resource in template.find_resources("AWS::Lambda::LayerVersion").items()
                if resource["Properties"]["Description"] == description]
    return layer


def test_functions_run_on_the_layer_runtime(template):
    layer = _layer(template, "requirements.txt")
    for function in template.find_resources("AWS::Serverless::Function").values():
        assert function["Properties"]["Runtime"] == RUNTIME.name
        assert {"Ref": layer} in function["Properties"]["Layers"]


def test_only_the_probe_worker_gets_pyav_with_room_to_run(template):
    media_tools = _layer(template, "PyAV for the video probe")
    functions = template.find_resources("AWS::Serverless::Function")
    with_pyav = {name for name, function in functions.items()
                 if {"Ref": media_tools} in function["Properties"]["Layers"]}
    assert len(with_pyav) == 1 and "RunVideoTask" in with_pyav.pop()
    worker = next(f["Properties"] for name, f in functions.items() if "RunVideoTask" in name)
    assert worker["Environment"]["Variables"]["VIDEO_PROBE"] == "pyav"
    assert (worker["Timeout"], worker["MemorySize"]) == (300, 1024)


def test_media_tools_layer_carries_pyav_for_the_runtime():
    from infra.packaging import media_tools_pin, media_tools_zip

    with zipfile.ZipFile(media_tools_zip()) as layer:
        names = layer.namelist()
    assert media_tools_pin().startswith("av==") and "python/av/__init__.py" in names
    assert any(name.startswith("python/av.libs/") or name.startswith("python/av/") and name.endswith(".so")
               for name in names)


def test_the_api_may_invoke_only_the_configured_bedrock_models(template):
    statements = [s for s in role_statements(template) if "bedrock:InvokeModel" in str(s["Action"])]
    (statement,) = statements
    resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
    models = {model for _, model in get_settings().bedrock_models} | {get_settings().search_embedding_model}
    assert len(resources) == len(models)
    assert all("foundation-model/" in str(resource) for resource in resources)


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
    statements = role_statements(template)
    needed = {f"dynamodb:{action}" for action in ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query",
                                                  "ConditionCheckItem", "BatchGetItem", "BatchWriteItem")}
    for model in ALL_MODELS:
        logical_id, _ = table(template, model)
        arn = {"Fn::GetAtt": [logical_id, "Arn"]}
        allowed = {action for statement in statements if arn in as_list(statement["Resource"])
                   for action in as_list(statement["Action"])}
        assert needed <= allowed, model.__name__
        if model._indexes:
            index_arns = {"Fn::Join": ["", [arn, "/index/*"]]}
            assert any(index_arns in as_list(statement["Resource"]) for statement in statements), model.__name__


def role_statements(template: Template) -> list[dict[str, Any]]:
    return statements(template, "DefaultRole")


def files_bucket(template: Template) -> tuple[str, dict[str, Any]]:
    return one(template, "AWS::S3::Bucket", "Files")


def test_files_bucket_is_private_encrypted_and_retained(template):
    logical_id, bucket = files_bucket(template)
    props = bucket["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
    assert bucket["DeletionPolicy"] == "Retain"
    (policy,) = [policy for policy in template.find_resources("AWS::S3::BucketPolicy").values()
                 if policy["Properties"]["Bucket"] == ref(logical_id)]
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
        assert function["Properties"]["Environment"]["Variables"]["FILES_BUCKET"] == ref(logical_id)
    allowed = granted(template, "DefaultRole", objects(logical_id))
    for needed in ("s3:GetObject*", "s3:PutObject", "s3:DeleteObject*"):
        assert needed in allowed, (needed, allowed)
