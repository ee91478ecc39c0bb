"""The app over real HTTP in this process: chalice's local server with the local runtime's gateway (`local.api`)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import pytest

from tests.support.emulator import free_port


@contextlib.contextmanager
def serve(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Serve `app` on a free 127.0.0.1 port as `make run`'s API process does (`local.api.use_gateway`: the API's
    404 for unknown paths, every HTTP method handed to the app); yields the base URL. The patches of chalice's
    local server are undone afterwards, and AWS is whatever the test set up (e.g. the `aws` fixture)."""
    import chalice.local
    from chalice.config import Config

    from app import app
    from local.api import use_gateway

    class QuietHandler(chalice.local.ChaliceRequestHandler):
        def log_message(self, *args: object) -> None:  # no access line on stderr per request
            pass

    monkeypatch.setattr(chalice.local, "LocalGateway", chalice.local.LocalGateway)  # restored after the test
    monkeypatch.setattr(chalice.local.ChaliceRequestHandler, "__getattr__", None, raising=False)
    monkeypatch.setattr(chalice.local.ChaliceRequestHandler, "disable_nagle_algorithm", False)
    use_gateway()
    server = chalice.local.LocalDevServer(app, Config(), "127.0.0.1", free_port(), handler_cls=QuietHandler)
    thread = threading.Thread(target=server.server.serve_forever, name="served-api", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        server.server.server_close()
        thread.join(timeout=5)
