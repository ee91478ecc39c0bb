"""One synthesis of the prod stack for every infra test module (~20 s: `chalice package` plus the CDK synth; the first
run on a machine also builds the dependencies layer with pip). Table names carry the test prefix (cm-test), set by
tests/conftest.py; the deployer's optional context values (alarm email, WAF web ACL) are set (`cfn.CONTEXT`)."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from infra.stacks.marketplace import MarketplaceStack
from tests.infra.cfn import CONTEXT, STAGE


@pytest.fixture(scope="session")
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
            stack = MarketplaceStack(cdk.App(outdir=str(work / "cdk.out"), context=CONTEXT), STAGE)
            synthesized = Template.from_stack(stack)
        finally:
            os.environ.clear()
            os.environ.update(environ)
            sys.path[:] = path
    yield synthesized
