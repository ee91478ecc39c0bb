"""Reading the synthesized template: resources by construct path, IAM statements as lists."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template

STAGE = "prod"  # the stage tests/infra synthesize
# The deployer's optional context values, set in the synthesized stack (their absence: tests on small stacks).
ALARM_EMAIL = "ops@creator-marketplace.example"
WAF_WEB_ACL_ARN = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/marketplace/0a1b2c3d-4e5f-6789-abcd"
CONTEXT = {"alarm_email": ALARM_EMAIL, "waf_web_acl_arn": WAF_WEB_ACL_ARN}


def as_list(value: Any) -> list[Any]:
    """IAM's Action and Resource are a string/object or a list of them."""
    return value if isinstance(value, list) else [value]


def one(template: Template, resource_type: str, logical_prefix: str) -> tuple[str, dict[str, Any]]:
    """(logical id, resource) of the single `resource_type` whose logical id starts with `logical_prefix` (CDK
    derives it from the construct path, e.g. "VideoUploads" for Video/Uploads)."""
    # CDK appends an 8-character hash to the path: "VideoMedia" must not match "VideoMediaCdn…".
    found = {name: resource for name, resource in template.find_resources(resource_type).items()
             if name.startswith(logical_prefix) and len(name) == len(logical_prefix) + 8}
    assert len(found) == 1, (resource_type, logical_prefix, sorted(found))
    return next(iter(found.items()))


def statements(template: Template, role_fragment: str) -> list[dict[str, Any]]:
    """Every statement of the IAM policies attached to roles whose reference mentions `role_fragment`."""
    return [statement
            for policy in template.find_resources("AWS::IAM::Policy").values()
            if role_fragment in str(policy["Properties"]["Roles"])
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]]


def granted(template: Template, role_fragment: str, resource: Any) -> set[str]:
    """The actions the role is allowed on `resource` (a CloudFormation reference as it appears in the policy)."""
    return {action for statement in statements(template, role_fragment) if statement["Effect"] == "Allow"
            and resource in as_list(statement["Resource"]) for action in as_list(statement["Action"])}


def ref(logical_id: str) -> dict[str, str]:
    return {"Ref": logical_id}


def arn(logical_id: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def objects(logical_id: str) -> dict[str, Any]:
    """A bucket's objects (`<arn>/*`)."""
    return {"Fn::Join": ["", [arn(logical_id), "/*"]]}
