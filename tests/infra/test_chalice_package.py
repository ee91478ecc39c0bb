"""The `chalice deploy` path: `chalice package` of each stage, its config filled from the CDK stack's outputs by
`infra.chalice_stage`, deploys the same functions with the same event sources and environment as the CDK app.

`chalice package` runs as `chalice deploy` would (a subprocess, in a throwaway copy of the app: `chalice package`
writes into the config and the cwd), without requirements.txt (the dependencies are not what is compared here;
`make bench` packages them and prints the sizes). ~3 s per stage.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from chalicelib.config import get_settings
from infra import chalice_stage
from infra.packaging import app_source

STAGES = ("dev", "prod")
CHALICE = Path(sys.executable).with_name("chalice")


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: resource["Properties"] for name, resource in template["Resources"].items()
            if resource["Type"] == "AWS::Serverless::Function"}


def secret_variables(cdk_template: dict[str, Any]) -> set[str]:
    """Variables whose CDK value is a secret reference: not stack outputs, the operator sets them (`--set`)."""
    return {name for function in functions(cdk_template).values()
            for name, value in function["Environment"]["Variables"].items() if "{{resolve:" in json.dumps(value)}


def events(function: dict[str, Any], table_prefix: str) -> dict[str, Any]:
    """The function's event sources, the stage's prefix (in queue names) written `<prefix>`."""
    return json.loads(json.dumps(function.get("Events", {})).replace(table_prefix, "<prefix>"))


@pytest.fixture(scope="module")
def cdk_template(template) -> dict[str, Any]:
    return template.to_json()


@pytest.fixture(scope="module")
def packaged(cdk_template, tmp_path_factory) -> dict[str, dict[str, Any]]:
    """Each stage's SAM template from `chalice package`, its config written from the stack's outputs (the values
    `cdk deploy --outputs-file` would write: literals as they are, references as `value-of-<output id>`) plus the
    secrets the operator adds."""
    outputs = {key: output["Value"] if isinstance(output["Value"], str) else f"value-of-{key}"
               for key, output in cdk_template["Outputs"].items()}
    outputs.update({chalice_stage.output_id(name): f"set-{name}" for name in secret_variables(cdk_template)})
    environ = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    result = {}
    for stage in STAGES:
        out = tmp_path_factory.mktemp(f"chalice-{stage}")
        with app_source() as source:
            chalice_stage.write_stage(stage, outputs, config=source / ".chalice" / "config.json")
            done = subprocess.run([str(CHALICE), "package", "--stage", stage, str(out)], cwd=source,  # noqa: S603
                                  env=environ, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
        result[stage] = json.loads((out / "sam.json").read_text())
    return result


@pytest.mark.parametrize("stage", STAGES)
def test_same_functions_and_event_sources_as_the_cdk_app(cdk_template, packaged, stage):
    ours, theirs = functions(packaged[stage]), functions(cdk_template)
    assert ours.keys() == theirs.keys()
    stage_prefix = chalice_stage.variable(stage, "TABLE_PREFIX")
    for name in ours:
        assert events(ours[name], stage_prefix) == events(theirs[name], get_settings().table_prefix), name
    kinds = Counter(event["Type"] for function in ours.values() for event in function.get("Events", {}).values())
    assert kinds == {"Schedule": 3, "SQS": 5}  # three schedules (orders, allowances, mail); five queue workers


@pytest.mark.parametrize("stage", STAGES)
def test_same_environment_variable_names_as_the_cdk_app(cdk_template, packaged, stage):
    ours, theirs = functions(packaged[stage]), functions(cdk_template)
    for name, function in ours.items():
        variables = function["Environment"]["Variables"]
        assert variables.keys() == theirs[name]["Environment"]["Variables"].keys(), name
        assert variables["STAGE"] == stage
        assert variables["TABLE_PREFIX"] == chalice_stage.variable(stage, "TABLE_PREFIX")
        assert variables["FILES_BUCKET"] == f"value-of-{chalice_stage.output_id('FILES_BUCKET')}"


@pytest.mark.parametrize("stage", STAGES)
def test_functions_run_with_the_stacks_roles_and_the_probe_gets_pyav(cdk_template, packaged, stage):
    template = packaged[stage]
    assert not [name for name, resource in template["Resources"].items() if resource["Type"] == "AWS::IAM::Role"]
    theirs = functions(cdk_template)
    default_role = theirs["RunVideoTask"]["Role"]  # a function that reads no secret
    for name, function in functions(template).items():
        # The CDK function's role: the shared one, or the role of its own (the secrets it may read).
        own = theirs[name]["Role"] != default_role
        expected = chalice_stage.FUNCTION_ROLE_PREFIX + name if own else chalice_stage.ROLE_OUTPUT
        assert function["Role"] == f"value-of-{expected}", name
    probe = functions(template)["RunVideoTask"]
    assert probe["Layers"] == [f"value-of-{chalice_stage.MEDIA_TOOLS_OUTPUT}"]
    assert probe["Environment"]["Variables"]["VIDEO_PROBE"] == "pyav"


def test_output_ids_name_the_variables_and_functions_both_ways():
    for name in ("FILES_BUCKET", "COGNITO_APP_CLIENT_IDS", "VIDEO_STATE_MACHINE_ARN", "MEDIA_CDN_KEY_ID"):
        assert chalice_stage.output_id(name).isalnum()
        assert chalice_stage.variable_name(chalice_stage.output_id(name)) == name
    from chalice.package import to_cfn_resource_name

    for name in ("api_handler", "abandon_stale_orders", "on_mediaconvert_event", "run_video_task"):
        assert chalice_stage.function_name(to_cfn_resource_name(name)) == name


def test_the_stack_outputs_no_secret(cdk_template):
    assert "{{resolve:" not in json.dumps(cdk_template["Outputs"])
