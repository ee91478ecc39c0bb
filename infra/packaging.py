"""What the Lambda functions run: our code packaged by Chalice, and requirements.txt as a layer built by pip.

Chalice builds dependencies for the local Python (3.11 here) and has no setting for another runtime: asked for 3.12 it
silently drops compiled packages such as pydantic-core. pip can install for another Python (`--python-version`), so
Chalice gets the app without its requirements and the functions get them from a layer built for `RUNTIME`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sam as sam
from chalice.cdk import Chalice
from constructs import Construct

ROOT = Path(__file__).resolve().parents[1]
# Built layers are keyed by what they contain (requirements, runtime), so they are shared by every checkout on the
# machine, like pip's own cache: a fresh clone (CI) reuses them instead of running pip again (CM_BUILD_CACHE moves it).
BUILD = Path(os.environ.get("CM_BUILD_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
             / "creator-marketplace" / "layers")
RUNTIME = lambda_.Runtime.PYTHON_3_12
# What Chalice needs to package the app: the code and the stage config, not requirements.txt.
_APP_FILES = ("app.py", "chalicelib", ".chalice/config.json")
# Python 3.12+ Lambda runs on Amazon Linux 2023 (glibc 2.34); pip only takes the exact tags it is given.
_PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_28_x86_64", "manylinux_2_34_x86_64")


def _layer_zip(name: str, pip_args: list[str], key: bytes, runtime: lambda_.Runtime) -> Path:
    """Packages installed by pip for `runtime` in the layer layout (`python/`), built once per `key`."""
    version = runtime.name.removeprefix("python")
    digest = hashlib.sha256(key + repr(_PLATFORMS).encode()).hexdigest()[:16]  # `key`: what pip_args install
    target = BUILD / f"{name}-{runtime.name}-{digest}.zip"
    if target.exists():
        return target
    BUILD.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=BUILD) as work:  # same filesystem: the final rename is atomic
        platforms = [arg for platform in _PLATFORMS for arg in ("--platform", platform)]
        subprocess.run(  # noqa: S603 - our interpreter's pip, fixed arguments
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-compile", "--no-warn-conflicts",
             "--only-binary=:all:", "--implementation", "cp", "--python-version", version, *platforms,
             "--target", f"{work}/python", *pip_args],
            check=True)
        Path(shutil.make_archive(f"{work}/layer", "zip", work, "python")).replace(target)
    return target


def dependencies_zip(runtime: lambda_.Runtime = RUNTIME) -> Path:
    """requirements.txt for `runtime`: every function's layer."""
    requirements = ROOT / "requirements.txt"
    return _layer_zip("dependencies", ["--requirement", str(requirements)], requirements.read_bytes(), runtime)


def media_tools_pin() -> str:
    """requirements-dev.txt's `av==` pin: the tests run the very PyAV wheel the layer ships."""
    lines = (ROOT / "requirements-dev.txt").read_text().splitlines()
    return next(line.split("#")[0].strip() for line in lines if line.startswith("av=="))


def media_tools_zip(runtime: lambda_.Runtime = RUNTIME) -> Path:
    """PyAV (FFmpeg's libraries in a manylinux wheel) for the probe worker: Lambda has no ffprobe (layers/README)."""
    pin = media_tools_pin()
    return _layer_zip("media-tools", [pin], pin.encode(), runtime)


@contextmanager
def app_source() -> Iterator[Path]:
    """A throwaway copy of the app without requirements.txt, for the duration of `chalice package`."""
    with tempfile.TemporaryDirectory(prefix="chalice-app-") as source:
        for name in _APP_FILES:
            origin, copy = ROOT / name, Path(source) / name
            copy.parent.mkdir(parents=True, exist_ok=True)
            if origin.is_dir():
                shutil.copytree(origin, copy, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(origin, copy)
        yield Path(source)


def functions(api: Chalice) -> list[sam.CfnFunction]:
    """Every Lambda function of the packaged app (the API handler and, later, event handlers)."""
    return [child for child in api.sam_template.node.children if isinstance(child, sam.CfnFunction)]


def chalice_app(scope: Construct, environment: dict[str, str]) -> Chalice:
    """The app packaged for the stage named by `scope` (its construct path: the stack id), `environment` on top of
    the stage's `.chalice/config.json` variables, every function on `RUNTIME` with the dependencies layer."""
    with app_source() as source:
        api = Chalice(scope, "Api", source_dir=str(source), stage_config={"environment_variables": environment})
    dependencies = lambda_.LayerVersion(
        scope, "Dependencies", code=lambda_.Code.from_asset(str(dependencies_zip())),
        compatible_runtimes=[RUNTIME], description="requirements.txt")
    for function in functions(api):
        function.runtime = RUNTIME.name
        function.layers = [*(function.layers or []), dependencies.layer_version_arn]
    return api


def media_tools_layer(scope: Construct) -> lambda_.LayerVersion:
    """The media-tools layer (PyAV) the probe worker runs with, whichever path deploys the functions."""
    return lambda_.LayerVersion(scope, "MediaTools", code=lambda_.Code.from_asset(str(media_tools_zip())),
                                compatible_runtimes=[RUNTIME], description="PyAV for the video probe")


def attach_media_tools(api: Chalice, layer: lambda_.LayerVersion, function_name: str) -> None:
    """The media-tools `layer` on the one function that probes uploads, told to probe with it."""
    from chalice.package import to_cfn_resource_name

    function = api.sam_template.get_resource(to_cfn_resource_name(function_name))
    function.layers = [*(function.layers or []), layer.layer_version_arn]
    function.add_property_override("Environment.Variables.VIDEO_PROBE", "pyav")
