"""`.chalice/config.json`: the one file both deploy paths read a stage's settings from (no CDK import here)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".chalice" / "config.json"
DEFAULT_API_STAGE = "api"  # Chalice's default `api_gateway_stage`


def section(stage: str, config: Path = CONFIG) -> dict[str, Any]:
    """The stage's section of the Chalice config (empty for a stage it does not list)."""
    return json.loads(config.read_text()).get("stages", {}).get(stage, {})


def variable(stage: str, name: str, default: str = "") -> str:
    """One of the stage's `environment_variables`, as `chalice deploy` would set it."""
    return section(stage).get("environment_variables", {}).get(name, default)


def api_gateway_stage(stage: str) -> str:
    """The API Gateway stage name the stage's API is deployed to (the path segment after the host)."""
    return section(stage).get("api_gateway_stage", DEFAULT_API_STAGE)


def app_name(config: Path = CONFIG) -> str:
    """The config's app name: `chalice deploy` names the functions after it and the stage."""
    return json.loads(config.read_text())["app_name"]


# ---- The `chalice deploy` path: the CDK stack's resources written into a stage of the Chalice config. ----
#
# The stack outputs every deploy-time value its functions get (`Env<CamelCaseName>`), the functions' role
# (`ChaliceRoleArn`) and the media-tools layer (`MediaToolsLayerArn`). `cdk deploy --outputs-file out.json` writes
# them; `python -m infra.chalice_stage <stage> out.json` puts them into `.chalice/config.json`; `chalice deploy
# --stage <stage>` then runs the same code on the same tables, buckets, queues, state machine and secrets.

ENV_OUTPUT_PREFIX = "Env"
ROLE_OUTPUT = "ChaliceRoleArn"  # the role most functions share
FUNCTION_ROLE_PREFIX = "RoleOf"  # RoleOf<logical id>: a function with a role of its own (the secrets it reads)
MEDIA_TOOLS_OUTPUT = "MediaToolsLayerArn"
PROBE_FUNCTION = "run_video_task"  # the one function that probes uploads with PyAV (infra/packaging.py)
API_HANDLER = ("APIHandler", "api_handler")  # Chalice's fixed names for the API function (template, config)


def _camel(snake: str) -> str:
    return "".join(word.capitalize() for word in snake.split("_"))


def _snake(camel: str) -> str:
    return "".join(f"_{char}" if char.isupper() and index else char for index, char in enumerate(camel)).lower()


def output_id(variable_name: str) -> str:
    """FILES_BUCKET → EnvFilesBucket (CloudFormation output ids are alphanumeric)."""
    return ENV_OUTPUT_PREFIX + _camel(variable_name)


def variable_name(output: str) -> str:
    """EnvFilesBucket → FILES_BUCKET, the inverse of `output_id`."""
    return _snake(output.removeprefix(ENV_OUTPUT_PREFIX)).upper()


def function_name(logical_id: str) -> str:
    """A packaged function's logical id → its name in the Chalice config (`chalice.package.to_cfn_resource_name`
    capitalizes the words of the snake_case name; the API function is Chalice's own)."""
    return API_HANDLER[1] if logical_id == API_HANDLER[0] else _snake(logical_id)


def deployed_functions(stage: str, app: Any) -> dict[str, str]:
    """Logical id (as `chalice package` names it) → the name `chalice deploy --stage <stage>` gives each function of
    the Chalice `app`: `<app>-<stage>` for the API handler (Chalice keeps that for compatibility), else
    `<app>-<stage>-<handler name>`. Known before anything is deployed, so the stack can alarm on them."""
    from chalice.package import to_cfn_resource_name

    prefix = f"{app_name()}-{stage}"
    handlers = [handler.name for handler in (*app.event_sources, *app.pure_lambda_functions)]
    names = {to_cfn_resource_name(name): f"{prefix}-{name}" for name in handlers}
    if app.routes:
        names[API_HANDLER[0]] = prefix
    return names


def add_outputs(scope: Any, environment: dict[str, str], default_role_arn: str, function_roles: dict[str, str],
                media_tools_arn: str) -> list[str]:
    """The stack's outputs for the Chalice path: the deploy-time variables, the shared role and the roles of
    functions with one of their own (by logical id), the probe's layer. Returns the variables left out because their
    value is a secret (a `{{resolve:...}}` reference must never become an output): the operator sets those by hand."""
    import aws_cdk as cdk

    stack = cdk.Stack.of(scope)
    secrets = []
    for name, value in environment.items():
        if "{{resolve:" in json.dumps(stack.resolve(value)):
            secrets.append(name)
        else:
            cdk.CfnOutput(scope, output_id(name), value=value, description=f"{name} for `chalice deploy`")
    cdk.CfnOutput(scope, ROLE_OUTPUT, value=default_role_arn, description="iam_role_arn for `chalice deploy`")
    for logical_id, role_arn in function_roles.items():
        cdk.CfnOutput(scope, FUNCTION_ROLE_PREFIX + logical_id, value=role_arn,
                      description=f"iam_role_arn of {function_name(logical_id)}")
    cdk.CfnOutput(scope, MEDIA_TOOLS_OUTPUT, value=media_tools_arn, description=f"PyAV layer of {PROBE_FUNCTION}")
    return secrets


def stage_settings(outputs: dict[str, str]) -> dict[str, Any]:
    """The stage section's additions from the stack's outputs: environment, the stack's roles, the probe's layer."""
    functions: dict[str, dict[str, Any]] = {
        function_name(key.removeprefix(FUNCTION_ROLE_PREFIX)): {"iam_role_arn": value}
        for key, value in outputs.items() if key.startswith(FUNCTION_ROLE_PREFIX)}
    functions.setdefault(PROBE_FUNCTION, {}).update(
        {"layers": [outputs[MEDIA_TOOLS_OUTPUT]], "environment_variables": {"VIDEO_PROBE": "pyav"}})
    return {
        "environment_variables": {variable_name(key): value for key, value in outputs.items()
                                  if key.startswith(ENV_OUTPUT_PREFIX)},
        "manage_iam_role": False,
        "iam_role_arn": outputs[ROLE_OUTPUT],
        "lambda_functions": functions,
    }


def write_stage(stage: str, outputs: dict[str, str], config: Path = CONFIG) -> None:
    """Merge the outputs into the stage's section of `config` (what is already there stays unless replaced)."""
    document = json.loads(config.read_text())
    section_ = document.setdefault("stages", {}).setdefault(stage, {})
    additions = stage_settings(outputs)
    section_.setdefault("environment_variables", {}).update(additions.pop("environment_variables"))
    for name, settings in additions.pop("lambda_functions").items():
        function = section_.setdefault("lambda_functions", {}).setdefault(name, {})
        function.setdefault("environment_variables", {}).update(settings.pop("environment_variables", {}))
        function.update(settings)
    section_.update(additions)
    config.write_text(json.dumps(document, indent=2) + "\n")


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m infra.chalice_stage", description=__doc__)
    parser.add_argument("stage")
    parser.add_argument("outputs", type=Path, help="the file `cdk deploy --outputs-file` wrote")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a variable the stack does not output (a secret), or an existing account's resource")
    args = parser.parse_args(argv)
    stacks = json.loads(args.outputs.read_text())
    outputs = stacks.get(f"creator-marketplace-{args.stage}") or next(iter(stacks.values()))
    outputs = {**outputs, **{output_id(name): value for name, _, value in
                             (item.partition("=") for item in args.set)}}
    write_stage(args.stage, outputs)
    print(f"{CONFIG}: stage {args.stage} has {len(stage_settings(outputs)['environment_variables'])} deploy-time "
          "variables, the stack's roles and the media-tools layer")


if __name__ == "__main__":
    main()
