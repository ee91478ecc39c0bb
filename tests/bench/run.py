"""Benchmarks: `python -m tests.bench.run [section ...]` (or `make bench`) prints figures, asserts nothing.

Each section is a function that prints its own detail and returns summary rows (see `report.Row`);
the runner ends with one summary table. To add a benchmark, write a module with `run() -> list[Row]`
and add a `Section` to `SECTIONS`. Files here have no `test_` prefix, so pytest never collects them.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import traceback

# Importing dynamodb_calls installs the DynamoDB call counter before any botocore session exists.
from tests.bench import (
    analytics_calls,
    cold_start,
    course_calls,
    ddb_transactions,
    dynamodb_calls,
    messaging,
    package_size,
    review_calls,
    runtime_soak,
    search_engine,
    video_transcode,
)
from tests.bench.report import ERROR, FAIL, Row, Section, heading, table

SECTIONS = (
    Section("cold-start", "Cold import of the app vs chalice + boto3", cold_start.run),
    Section("dynamodb", "DynamoDB calls per catalog request, 10 vs 1,000 products", dynamodb_calls.run),
    Section("course", "DynamoDB calls for course detail (1x1 vs 20x10) and the library (1 vs 50 owned)",
            course_calls.run),
    Section("reviews", "DynamoDB calls: detail + reviews summary and reviews pages (10 vs 10,000 reviews), bundle "
            "fulfilment (2 vs 20 members)", review_calls.run),
    Section("analytics", "DynamoDB calls of 90-day creator reads: analytics, funnel, AI usage; 10 vs 10,000 orders, "
            "views, AI calls",
            analytics_calls.run),
    Section("video", "Seconds of video transcoded per wall second: single-pass ladder vs separate FFmpeg processes",
            video_transcode.run),
    Section("transactions", "TransactWriteItems in moto, 1k vs 10k items: latency and RSS, undo log vs moto's copies",
            ddb_transactions.run),
    Section("package", "What the functions ship, zipped and unzipped: app code, dependencies layer, media tools",
            package_size.run),
    Section("messaging", "Blast to 10,000 members (BENCH_BLAST_MEMBERS): rate, calls per recipient, duplicates, "
            "losses; inbox and room pages at 10 vs 10,000", messaging.run),
    Section("search", "The embedded search engine at 10,000 products (BENCH_SEARCH_PRODUCTS): build, query p50/p95, "
            "suggest, size; publish → searchable through the stream", search_engine.run),
    Section("soak", "The local runtime's emulator RSS after 5,000 mixed API operations (BENCH_SOAK_OPS)",
            runtime_soak.run),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.run", description=__doc__.splitlines()[0])
    names = ", ".join(s.name for s in SECTIONS)
    parser.add_argument("sections", nargs="*", help=f"sections to run (default: all): {names}")
    args = parser.parse_args(argv)
    unknown = set(args.sections) - {s.name for s in SECTIONS}
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    chosen = [s for s in SECTIONS if not args.sections or s.name in args.sections]

    print(f"creator-marketplace benchmarks - Python {platform.python_version()} on {platform.machine()}, "
          f"{time.strftime('%Y-%m-%d %H:%M:%S')}")
    rows: list[Row] = []
    started = time.perf_counter()
    for section in chosen:
        section_started = time.perf_counter()
        try:
            rows.extend(section.run())
        except Exception as exc:  # a broken bench is reported, and the others still run
            traceback.print_exc()
            rows.append(Row(section.name, section.title, f"{type(exc).__name__}: {exc}", check=ERROR))
        print(f"\n  ({section.name}: {time.perf_counter() - section_started:.1f} s)")

    print(heading("Summary"))
    print(table(["section", "metric", "value", "target", "check"],
                [[r.section, r.metric, r.value, r.target, r.check] for r in rows]))
    failed = [r for r in rows if r.check in (FAIL, ERROR)]
    print(f"\n  {len(rows)} figures, {len(failed)} FAIL/ERROR, total {time.perf_counter() - started:.1f} s")
    # Figures are not assertions: only a bench that crashed makes the command fail.
    return 1 if any(r.check == ERROR for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
