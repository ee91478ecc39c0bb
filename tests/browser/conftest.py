"""The browser test's fixtures: a page server on the SPA origin of the session's local runtime (the `stack` fixture
of tests/conftest.py, shared with tests/e2e), so the API's and the buckets' CORS rules are the ones a real SPA meets."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"
FILES = {"/player.html": (HERE / "player.html", "text/html; charset=utf-8"),
         "/hls.min.js": (NODE_MODULES / "hls.js" / "dist" / "hls.min.js", "text/javascript")}


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server naming
        found = FILES.get(self.path.split("?", 1)[0])
        if found is None:
            self.send_error(404)
            return
        path, media_type = found
        body = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the http.server signature
        pass


class _ReservedPortServer(ThreadingHTTPServer):
    """An HTTP server on a socket bound elsewhere (the runtime's SPA origin port, reserved before it started)."""

    def __init__(self, reserved: socket.socket) -> None:
        super().__init__(reserved.getsockname(), _Pages, bind_and_activate=False)
        self.socket.close()
        self.socket = reserved
        self.server_name, self.server_port = reserved.getsockname()
        self.server_activate()


@pytest.fixture(scope="session")
def spa_origin(stack) -> Iterator[str]:
    """The player page and hls.js, served on the origin the runtime answers CORS for."""
    missing = [str(path) for path, _ in FILES.values() if not path.exists()]
    if missing:
        pytest.fail(f"missing {missing}: `make test` (or `make browser`) installs tests/browser's npm packages")
    server = _ReservedPortServer(stack.spa_socket)
    thread = threading.Thread(target=server.serve_forever, name="spa-pages", daemon=True)
    thread.start()
    try:
        yield stack.spa_origin
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
