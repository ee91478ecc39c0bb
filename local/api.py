"""`chalice local`, with the runner's overrides of the stage's environment variables.

`chalice local` applies the stage's `environment_variables` from `.chalice/config.json` over the process
environment before it imports the app, so a variable the runner sets (`--spa-origin` → CORS_ALLOW_ORIGIN)
would be lost. This runs chalice's own CLI (`python -m local.api local --no-autoreload ...`) with one change:
the variables named in `$LOCAL_STAGE_OVERRIDES` (a JSON object) win over the stage's.

It also exits when the runner that started it dies (`watch_parent`): the emulator is a thread of the runner, so
if the runner is killed outright (SIGKILL, the kernel's OOM killer) no cleanup runs, and an orphaned API would
keep answering 500 to every call that needs AWS.

`chalice local` serves each request on a new thread, and PynamoDB opens a botocore Session per thread: each request
parsed endpoints.json and the DynamoDB model again (~0.2 s). `share_botocore_loader` lets the Sessions share one
loader (read-only data), as the test suite does.

Unknown routes: chalice's local gateway answers them like API Gateway does by default (403 "Missing Authentication
Token", echoing the caller's Authorization header in one variant). `Gateway` answers 404 in the API's error envelope
with CORS headers instead (`chalicelib.api.routing.unknown_route`), as the deployed stack's gateway responses do; a
known path with a method it does not serve reaches the app, which answers 405 with `Allow`.
"""

from __future__ import annotations

import ctypes
import functools
import json
import os
import signal
import sys
import threading
import time
from collections.abc import MutableMapping
from typing import Any

from chalice.local import LocalGateway, RouteMatcher

from local import logs

OVERRIDES = "LOCAL_STAGE_OVERRIDES"
RUNNER_PID = "LOCAL_RUNNER_PID"  # set by the runner: the parent this process lives and dies with
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_GONE = 3  # the exit code when the runner is gone


def _parent_gone_message(parent: int) -> str:
    return (f"[local.api] the runner (pid {parent}) is gone (killed, e.g. by the kernel's OOM killer, with the "
            "emulator inside it); exiting so that no orphaned API answers 500. Restart `make run`.")


def watch_parent(parent: int | None = None, interval: float = 0.5, use_prctl: bool = True) -> threading.Thread:
    """Exit (code 3, saying why on stderr) as soon as `parent` (default: $LOCAL_RUNNER_PID, else the current
    parent) is no longer this process's parent. On Linux the kernel sends SIGTERM at once (PR_SET_PDEATHSIG); a
    daemon thread polling `os.getppid()` every `interval` seconds covers the rest (and other systems)."""
    if parent is None:
        parent = int(os.environ.get(RUNNER_PID) or os.getppid())

    def exit_if_orphaned() -> None:
        if os.getppid() != parent:
            print(_parent_gone_message(parent), file=sys.stderr, flush=True)
            os._exit(PARENT_GONE)

    if use_prctl and sys.platform.startswith("linux"):
        previous = signal.getsignal(signal.SIGTERM)

        def on_sigterm(signum: int, frame: Any) -> None:
            exit_if_orphaned()  # the parent-death signal; otherwise a plain SIGTERM (the runner stopping us)
            if callable(previous):
                previous(signum, frame)
            else:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                os.kill(os.getpid(), signal.SIGTERM)

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, on_sigterm)
            try:
                libc = ctypes.CDLL(None, use_errno=True)
                libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
            except (OSError, AttributeError):
                pass  # the polling thread still watches

    exit_if_orphaned()  # the parent may have died before the signal was armed

    def poll() -> None:
        while True:
            time.sleep(interval)
            exit_if_orphaned()

    thread = threading.Thread(target=poll, name="watch-parent", daemon=True)
    thread.start()
    return thread


class Gateway(LocalGateway):
    """chalice's local API Gateway, with the API's own 404 for a path no route serves."""

    def __init__(self, app_object: Any, config: Any) -> None:
        super().__init__(app_object, config)
        self._routes = RouteMatcher(list(app_object.routes))

    def handle_request(self, method: str, path: str, headers: Any, body: bytes | None) -> Any:
        try:
            self._routes.match_route(path)
        except ValueError:
            from chalicelib.api.routing import unknown_route

            return unknown_route().to_dict()
        return super().handle_request(method, path, headers, body)


def use_gateway() -> None:
    """Make `chalice local` serve through `Gateway` (its request handler builds a LocalGateway per request), for
    every HTTP method, with Nagle's algorithm off on each connection: http.server writes the headers and the body
    in two sends, and with Nagle on the body waits for the client's delayed ACK of the headers — 40 ms added to
    every keep-alive request (API Gateway has no such pause)."""
    import chalice.local

    chalice.local.LocalGateway = Gateway
    chalice.local.ChaliceRequestHandler.__getattr__ = _any_method
    chalice.local.ChaliceRequestHandler.disable_nagle_algorithm = True


def _any_method(handler: Any, name: str) -> Any:
    """`do_<METHOD>` for a method chalice's handler does not list (TRACE, QUERY, ...): the gateway and the app answer
    it (405 with `Allow`) instead of http.server's 501."""
    if name.startswith("do_"):
        return handler._generic_handle
    raise AttributeError(name)


def quiet_chalice() -> None:
    """Only JSON lines on the console (`local/logs.py`): no access log line per request from `chalice local` (the
    app logs one as JSON) and no "Serving on" (the runner's banner says where the API is)."""
    import chalice.local

    chalice.local.ChaliceRequestHandler.log_message = lambda self, format, *args: None  # type: ignore[method-assign]
    chalice.local.LocalDevServer.serve_forever = lambda self: self.server.serve_forever()  # type: ignore[method-assign]


def share_botocore_loader() -> None:
    import botocore.loaders
    import botocore.session

    if not isinstance(botocore.session.create_loader, functools._lru_cache_wrapper):
        botocore.session.create_loader = functools.cache(botocore.loaders.create_loader)


def main() -> int:
    import chalice.cli
    from chalice.cli.factory import CLIFactory

    class Factory(CLIFactory):
        def load_chalice_app(self, environment_variables: MutableMapping | None = None, *args: Any,
                             **kwargs: Any) -> chalice.Chalice:
            overrides = json.loads(os.environ.get(OVERRIDES) or "{}")
            return super().load_chalice_app({**(environment_variables or {}), **overrides}, *args, **kwargs)

    chalice.cli.CLIFactory = Factory  # what `chalice.cli.cli` builds its factory from
    logs.configure()  # before `chalice local`'s own logging.basicConfig, which then changes nothing
    quiet_chalice()
    watch_parent()
    share_botocore_loader()
    use_gateway()
    return chalice.cli.main()


if __name__ == "__main__":
    sys.exit(main())
