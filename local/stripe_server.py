"""localstripe, the Stripe-compatible test server, bound to 127.0.0.1 (its own CLI binds every interface).

It runs as a child process (`python -c` → aiohttp `web.run_app(localstripe.server.app, host="127.0.0.1")`),
in memory. `register_webhook` points its webhook sender at our API with a shared secret: it then POSTs
`payment_intent.succeeded` / `payment_intent.payment_failed`, signed as Stripe signs them, when a
PaymentIntent is confirmed (e.g. with `payment_method=pm_card_visa`). It has no Checkout Sessions, Prices,
Connect, disputes or `charge.refunded` events, and ignores idempotency keys.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass

from local import ROOT

HOST = "127.0.0.1"
API_KEY = "sk_test_localstripe"  # localstripe accepts any key that starts with sk_
WEBHOOK_SECRET = "whsec_local_development_only"
_SERVE = ("import logging, sys\n"
          "from local.api import watch_parent\n"
          "watch_parent()  # never outlive the runner (SIGKILL, OOM killer): the port would stay taken\n"
          "from aiohttp import web\n"
          "from localstripe.server import app\n"
          "logging.getLogger('aiohttp.access').setLevel(logging.WARNING)\n"
          "web.run_app(app, host=sys.argv[1], port=int(sys.argv[2]), print=None)\n")


@dataclass
class LocalStripe:
    process: subprocess.Popen
    url: str
    api_key: str = API_KEY

    def register_webhook(self, name: str, url: str, secret: str = WEBHOOK_SECRET,
                         events: list[str] | None = None) -> None:
        body: dict = {"url": url, "secret": secret}
        if events is not None:
            body["events"] = events
        request = urllib.request.Request(f"{self.url}/_config/webhooks/{name}", data=json.dumps(body).encode(),  # noqa: S310
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - 127.0.0.1 only
            assert response.status == 200

    def env(self, webhook_secret: str = WEBHOOK_SECRET) -> dict[str, str]:
        """What the API needs to use this server."""
        return {"STRIPE_API_BASE": self.url, "STRIPE_API_KEY": self.api_key, "STRIPE_WEBHOOK_SECRET": webhook_secret}

    def stop(self, timeout: float = 5.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start(port: int = 0, timeout: float = 20.0) -> LocalStripe:
    """Start localstripe on `port` (0 = any free port) and wait until it accepts connections."""
    port = port or free_port()
    process = subprocess.Popen([sys.executable, "-c", _SERVE, HOST, str(port)], stdin=subprocess.DEVNULL, cwd=ROOT)
    server = LocalStripe(process, f"http://{HOST}:{port}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"localstripe exited with code {process.returncode}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"localstripe did not listen on {HOST}:{port} within {timeout:.0f} s")
