"""TransactWriteItems in moto, 1k vs 10k items in the table: latency and retained memory (issue 19).

moto's own `transact_write_items` deep-copies every table a transaction touches (for rollback) and keeps the
copies referenced, so each transaction costs time and memory proportional to the table. `local.moto_fixes`
replaces it with an item-level undo log: both figures should be flat in table size and RSS growth bounded.

In-process moto (`mock_aws`), a boto3 client; the table is bulk-loaded with BatchWriteItem. Each transaction is
the shape the app writes most: a conditional Put of a new item + an ADD to a counter item. RSS is this
process's VmRSS (/proc/self/status) after a `gc.collect()`, before and after the transactions. The fixed
transactions run first (RSS that moto's copies took is not given back to the OS); moto's original runs
BENCH_TXN_ORIGINAL transactions (default 25): it is slow and retains ~1 MB per 1k items per transaction.
As in the test suite, botocore's parsed models are shared and moto's response serializer is sped up
(tests/support/emulator.py), so the figures are the transaction's own cost rather than moto's per-request parsing.
"""

from __future__ import annotations

import gc
import os
import statistics
import time

from tests.bench.report import INFO, Row, heading, ms, table, verdict

SIZES = (1_000, 10_000)
TRANSACTIONS = int(os.environ.get("BENCH_TXN_COUNT") or 1_000)
ORIGINAL_TRANSACTIONS = int(os.environ.get("BENCH_TXN_ORIGINAL") or 25)
TABLE = "bench-transactions"
REGION = "us-east-1"
PAYLOAD = "x" * 300  # a listing row's worth of attributes
FLAT = 2.0  # "flat": the 10k figure within 2x the 1k one
RSS_BOUND_MB = 50.0  # fixed transactions: growth after 1,000 transactions (no retained copies)


def rss_mb(pid: int | str = "self") -> float:
    """Resident set size of a process in MB (VmRSS of /proc/<pid>/status; Linux)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS in /proc/{pid}/status")


def settled_rss_mb() -> float:
    gc.collect()
    return rss_mb()


def load(client, items: int) -> None:
    client.create_table(TableName=TABLE, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                        BillingMode="PAY_PER_REQUEST")
    for start in range(0, items, 25):
        batch = [{"PutRequest": {"Item": {"pk": {"S": f"item-{i:06d}"}, "n": {"N": str(i)},
                                          "payload": {"S": PAYLOAD}}}} for i in range(start, min(items, start + 25))]
        client.batch_write_item(RequestItems={TABLE: batch})
    client.put_item(TableName=TABLE, Item={"pk": {"S": "counter"}, "n": {"N": "0"}})


def transact(client, i: int) -> None:
    client.transact_write_items(TransactItems=[
        {"Put": {"TableName": TABLE, "Item": {"pk": {"S": f"txn-{i:06d}"}, "payload": {"S": PAYLOAD}},
                 "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Update": {"TableName": TABLE, "Key": {"pk": {"S": "counter"}}, "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}}}},
    ])


def measure(items: int, count: int, fixed: bool) -> dict:
    """A fresh moto with `items` in the table; `count` transactions: latencies and RSS before/after."""
    import boto3
    import pytest
    from moto import mock_aws

    from local import moto_fixes

    with pytest.MonkeyPatch.context() as patch, mock_aws():
        if fixed:
            moto_fixes.isolate_dynamodb(patch.setattr)  # undone when the context exits
        client = boto3.client("dynamodb", region_name=REGION)
        load(client, items)
        transact(client, -1)  # first call: connection, one-off work
        before = settled_rss_mb()
        latencies = []
        for i in range(count):
            started = time.perf_counter()
            transact(client, i)
            latencies.append(time.perf_counter() - started)
        after = settled_rss_mb()
        counter = client.get_item(TableName=TABLE, Key={"pk": {"S": "counter"}})["Item"]["n"]["N"]
        assert int(counter) == count + 1, counter
    return {"median": statistics.median(latencies), "p95": statistics.quantiles(latencies, n=20)[-1],
            "growth": after - before, "count": count}


def run() -> list[Row]:
    from tests.support import moto_speed
    from tests.support.emulator import share_botocore_data

    share_botocore_data()
    moto_speed.apply()
    print(heading("TransactWriteItems in moto: 1k vs 10k items (conditional Put + ADD counter)"))
    results: dict[tuple[str, int], dict] = {}
    for label, fixed, count in (("undo log", True, TRANSACTIONS), ("moto original", False, ORIGINAL_TRANSACTIONS)):
        for items in SIZES:
            results[label, items] = measure(items, count, fixed)
    print(table(["implementation", "items", "transactions", "median", "p95", "RSS growth", "per transaction"],
                [[label, f"{items:,}", r["count"], ms(r["median"]), ms(r["p95"]), f"{r['growth']:+.1f} MB",
                  f"{r['growth'] * 1024 / r['count']:+.1f} KB"]
                 for (label, items), r in results.items()]))
    small, large = results["undo log", SIZES[0]], results["undo log", SIZES[1]]
    old_small, old_large = results["moto original", SIZES[0]], results["moto original", SIZES[1]]
    latency_flat = large["median"] <= FLAT * max(small["median"], 0.0005)
    rss_bounded = max(small["growth"], large["growth"]) <= RSS_BOUND_MB
    return [
        Row("transactions", f"median latency, {SIZES[0]:,} vs {SIZES[1]:,} items (undo log)",
            f"{ms(small['median'])} vs {ms(large['median'])}", f"10k ≤ {FLAT:.0f}x 1k", verdict(latency_flat)),
        Row("transactions", f"p95 latency, {SIZES[0]:,} vs {SIZES[1]:,} items (undo log)",
            f"{ms(small['p95'])} vs {ms(large['p95'])}", "", INFO),
        Row("transactions", f"RSS growth after {TRANSACTIONS:,} transactions, 1k vs 10k items (undo log)",
            f"{small['growth']:+.1f} MB vs {large['growth']:+.1f} MB", f"≤ {RSS_BOUND_MB:.0f} MB",
            verdict(rss_bounded)),
        Row("transactions", f"moto original: median, 1k vs 10k ({ORIGINAL_TRANSACTIONS} transactions)",
            f"{ms(old_small['median'])} vs {ms(old_large['median'])}", "", INFO),
        Row("transactions", f"moto original: RSS growth, 1k vs 10k ({ORIGINAL_TRANSACTIONS} transactions)",
            f"{old_small['growth']:+.1f} MB vs {old_large['growth']:+.1f} MB", "", INFO),
    ]
