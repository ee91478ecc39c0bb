"""A soak of the local runtime (issue 19): the emulator's RSS before and after many mixed API operations.

Starts `python -m local.run` on free ports the way the e2e tests do (`tests.support.runtime`), then a few threads
each run cycles of real HTTP calls: a creator creates and publishes an ebook, a buyer checks out, the payment
succeeds (a `payment_intent.succeeded` webhook signed with the runtime's webhook secret, or, every fourth cycle,
a confirmation with a test card on localstripe, which then delivers the webhook), the buyer reads the order, and
the cycle ends with a refund request, a `charge.refunded` or a `charge.dispute.created` webhook, and reads of the
library, explore, the product and the creator's refund queue. BENCH_SOAK_OPS operations in all (default 5,000),
BENCH_SOAK_THREADS threads (default 4).

The emulator (moto) is a thread of the runner process, so its RSS is the runner's (/proc/<pid>/status VmRSS).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests

from tests.bench.ddb_transactions import rss_mb
from tests.bench.report import INFO, Row, heading, table, verdict

OPERATIONS = int(os.environ.get("BENCH_SOAK_OPS") or 5_000)
THREADS = int(os.environ.get("BENCH_SOAK_THREADS") or 4)
TARGET_MB = 1024.0
PRICE = 1500


class Soak:
    def __init__(self, stack, stripe_url: str, budget: int) -> None:
        self.stack, self.stripe_url = stack, stripe_url
        self.budget, self.done = budget, 0
        self.statuses: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.session = threading.local()

    def take(self) -> bool:
        with self.lock:
            if self.done >= self.budget:
                return False
            self.done += 1
            return True

    def record(self, what: str, response: requests.Response) -> requests.Response:
        with self.lock:
            self.statuses[f"{response.status_code // 100}xx"] += 1
            if response.status_code >= 500:
                self.statuses[f"5xx {what}"] += 1
        return response

    def call(self, what: str, method: str, path: str, token: str | None = None, **kwargs) -> requests.Response:
        http: requests.Session = self.session.http
        headers = {**kwargs.pop("headers", {}), **({"Authorization": f"Bearer {token}"} if token else {})}
        return self.record(what, http.request(method, f"{self.stack.base_url}{path}", headers=headers, timeout=60,
                                              **kwargs))

    def webhook(self, event_type: str, obj: dict) -> requests.Response:
        from local.stripe_server import WEBHOOK_SECRET
        from tests.support import localstripe

        body = localstripe.event(event_type, obj)
        return self.call("webhook", "POST", "/v1/webhooks/stripe", data=body, headers={
            "Stripe-Signature": localstripe.signature(body, WEBHOOK_SECRET), "Content-Type": "application/json"})

    def confirm_on_localstripe(self, intent_id: str) -> None:
        http: requests.Session = self.session.http
        auth = (self.stack_key, "")
        for path, data in ((f"/v1/payment_intents/{intent_id}", {"payment_method": "pm_card_visa"}),
                           (f"/v1/payment_intents/{intent_id}/confirm", None)):
            if self.take():
                self.record("localstripe", http.post(f"{self.stripe_url}{path}", auth=auth, data=data, timeout=60))

    stack_key = "sk_test_localstripe"

    def worker(self, index: int) -> None:
        from tests.support import localstripe

        self.session.http = requests.Session()
        creator_id, buyer_id = f"soak-creator-{index}", f"soak-buyer-{index}"
        creator, buyer = self.stack.token(creator_id), self.stack.token(buyer_id)
        if self.take():
            self.call("account", "POST", "/v1/creator/account", creator, json={"display_name": f"Soak {index}"})
        cycle = 0
        while True:
            cycle += 1
            if not self.take():
                return
            product = self.call("create", "POST", "/v1/products", creator, json={
                "product_type": "ebook", "title": f"Soak {index}.{cycle}", "pricing_type": "fixed",
                "price_cents": PRICE, "page_count": 30, "description": "A product of the soak bench."})
            if product.status_code != 201 or not self.take():
                continue
            product_id, slug = product.json()["product_id"], product.json()["slug"]
            self.call("publish", "POST", f"/v1/products/{product_id}/publish", creator)
            if not self.take():
                return
            checkout = self.call("checkout", "POST", f"/v1/products/{product_id}/checkout", buyer, json={})
            if checkout.status_code != 201:
                continue
            order = checkout.json()
            intent_id = order["client_secret"].split("_secret_")[0]
            variant = cycle % 4
            if variant == 3:
                self.confirm_on_localstripe(intent_id)  # localstripe delivers the webhook itself
            elif self.take():
                self.webhook("payment_intent.succeeded", localstripe.intent(order, intent_id))
            if self.take():
                self.call("order", "GET", f"/v1/orders/{order['order_id']}", buyer)
            if variant == 0 and self.take():
                self.call("refund request", "POST", f"/v1/orders/{order['order_id']}/refund-requests", buyer,
                          json={"reason": "soak: changed my mind"})
            elif variant == 1 and self.take():
                self.webhook("charge.refunded", localstripe.charge(intent_id, PRICE, PRICE // 2))
            elif variant == 2 and self.take():
                self.webhook("charge.dispute.created", localstripe.dispute(intent_id, "needs_response"))
            for what, path, token, params in (
                    ("library", "/v1/library", buyer, None),
                    ("explore", "/v1/products", None, {"product_type": "ebook", "limit": 20}),
                    ("detail", f"/v1/products/{slug}", buyer, None),
                    ("refund queue", "/v1/creator/refund-requests", creator, None)):
                if not self.take():
                    return
                self.call(what, "GET", path, token, params=params)


def run() -> list[Row]:
    from tests.support import runtime

    print(heading(f"Local runtime soak: {OPERATIONS:,} mixed API operations on {THREADS} threads"))
    with tempfile.TemporaryDirectory(prefix="cm-soak-") as state:
        started = time.perf_counter()
        stack = runtime.start(Path(state) / "state")
        try:
            startup = time.perf_counter() - started
            runner = stack.process.pid  # the emulator is a thread of the runner
            stripe_url = json.loads((stack.state_dir / "runtime.json").read_text())["stripe_url"]
            before = rss_mb(runner)
            soak = Soak(stack, stripe_url, OPERATIONS)
            started = time.perf_counter()
            threads = [threading.Thread(target=soak.worker, args=(i,), name=f"soak-{i}") for i in range(THREADS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            time.sleep(2)  # localstripe's last webhook deliveries
            after = rss_mb(runner)
            healthy = stack.call("GET", "/v1/health").status_code == 200 and stack.process.poll() is None
            rss_lines = [line for line in stack.log_path.read_text(errors="replace").splitlines()
                         if '"event": "emulator_rss"' in line]
        finally:
            code = runtime.stop(stack)
    print(f"  start-up {startup:.1f} s; {soak.done:,} operations in {elapsed:.1f} s ({soak.done / elapsed:.0f}/s); "
          f"runner exit code {code}")
    print(table(["status", "count"], sorted(soak.statuses.items())))
    print(f"  runner's RSS log lines: {len(rss_lines)} (first: {rss_lines[0] if rss_lines else '-'})")
    print(table(["emulator RSS", "MB"], [["before", f"{before:.0f}"], ["after", f"{after:.0f}"],
                                         ["growth", f"{after - before:+.0f}"]]))
    server_errors = soak.statuses.get("5xx", 0)
    return [
        Row("soak", f"emulator RSS before → after {soak.done:,} operations", f"{before:.0f} → {after:.0f} MB",
            f"< {TARGET_MB:.0f} MB", verdict(after < TARGET_MB)),
        Row("soak", "5xx answers during the soak", str(server_errors), "0", verdict(server_errors == 0)),
        Row("soak", "operations per second", f"{soak.done / elapsed:.0f}", "", INFO),
        Row("soak", "runtime healthy after the soak", str(healthy), "True", verdict(healthy)),
    ]
