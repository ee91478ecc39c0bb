"""One local runtime (moto + `chalice local` + pump + demo data) for the whole e2e session."""

from __future__ import annotations

import pytest

from tests.e2e import stack as runtime


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    started = runtime.start(tmp_path_factory.mktemp("local-runtime"))
    try:
        yield started
    finally:
        runtime.stop(started)
