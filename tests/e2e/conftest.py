"""One local runtime (moto + `chalice local` + pump + demo data) for the whole session, shared with tests/browser."""

from __future__ import annotations

import pytest

from tests.e2e import stack as runtime


@pytest.fixture(scope="session")
def stack(request, tmp_path_factory):
    return runtime.shared(request, tmp_path_factory)
