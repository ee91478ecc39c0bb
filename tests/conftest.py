"""Test environment: fake AWS credentials, a test table prefix and a local identity provider.

The environment is set before any `chalicelib` import, because settings and table names are read once.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from local.identity import LocalIdp

_STATE = Path(tempfile.mkdtemp(prefix="cm-tests-"))
IDP = LocalIdp.generate(kid="test-key-1")
os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
    "STAGE": "test", "TABLE_PREFIX": "cm-test", "CORS_ALLOW_ORIGIN": "https://app.test",
    "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
    **IDP.env(IDP.write_jwks(_STATE / "jwks.json")),
})
os.environ.pop("AWS_ENDPOINT_URL", None)


@pytest.fixture
def idp() -> LocalIdp:
    return IDP
