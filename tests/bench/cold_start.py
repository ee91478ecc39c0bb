"""Cold start: how long `import app` takes in a fresh interpreter, against `import chalice, boto3`.

Method: each sample is a new `python -c` process (cwd = repo root, a minimal environment with what the
app reads). The child times only the import statement with `time.perf_counter()`, so interpreter
start-up is excluded from both sides. One discarded warm-up run per target writes the .pyc files first;
samples then alternate app / baseline so drift hits both equally. The figure is the median.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tests.bench.report import Row, heading, ms, table, verdict

ROOT = Path(__file__).resolve().parents[2]
RUNS = int(os.environ.get("BENCH_IMPORT_RUNS", "9"))
TARGET_RATIO = 1.5
APP = "app"
BASELINE = "chalice, boto3"
# SDKs the design wants imported lazily (inside the function that needs them), never at app import.
LAZY = ("boto3", "pydantic", "pynamodb", "jwt", "cryptography", "stripe", "weaviate", "moto")

CHILD = """\
import sys, time
before = set(sys.modules)
t0 = time.perf_counter()
import {target}
elapsed = time.perf_counter() - t0
import json
new = sorted(set(sys.modules) - before)
print(json.dumps({{"seconds": elapsed, "new_modules": new}}))
"""


def child_env() -> dict[str, str]:
    """What a Lambda would have: region, stage and table prefix; nothing from this shell's AWS setup."""
    keep = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if name in os.environ}
    return {**keep, "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1", "STAGE": "bench",
            "TABLE_PREFIX": "cm-bench", "POWERTOOLS_LOG_LEVEL": "WARNING"}


def sample(target: str, *flags: str) -> tuple[dict, str]:
    result = subprocess.run(
        [sys.executable, *flags, "-c", CHILD.format(target=target)],
        cwd=ROOT, env=child_env(), capture_output=True, text=True, check=True, timeout=120,
    )
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stderr


def import_breakdown(stderr: str, new_modules: list[str], top: int = 8) -> list[tuple[str, float]]:
    """Self time per top-level package, from `-X importtime`, for modules the import itself loaded."""
    wanted = set(new_modules)
    per_package: Counter[str] = Counter()
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        if name in wanted:
            per_package[name.split(".")[0]] += int(self_us)
    return [(package, us / 1e6) for package, us in per_package.most_common(top)]


def run() -> list[Row]:
    print(heading("Cold import of the app"))
    print(f"  method: perf_counter around the import inside a fresh `{Path(sys.executable).name} -c` process,")
    print(f"          cwd={ROOT}, median of {RUNS} runs each (after one warm-up run), runs interleaved")
    for target in (APP, BASELINE):
        sample(target)
    times: dict[str, list[float]] = {APP: [], BASELINE: []}
    loaded: dict[str, list[str]] = {}
    for _ in range(RUNS):
        for target in (APP, BASELINE):
            data, _ = sample(target)
            times[target].append(data["seconds"])
            loaded[target] = data["new_modules"]
    median = {target: statistics.median(values) for target, values in times.items()}
    ratio = median[APP] / median[BASELINE]

    print(table(
        ["import", "median", "min", "max", "modules loaded"],
        [[f"import {target}", ms(median[target]), ms(min(times[target])), ms(max(times[target])),
          len(loaded[target])] for target in (APP, BASELINE)],
    ))
    print(f"\n  ratio app / baseline = {ratio:.2f}x   target <= {TARGET_RATIO}x   {verdict(ratio <= TARGET_RATIO)}")

    data, stderr = sample(APP, "-X", "importtime")
    print("\n  where `import app` spends its time (one -X importtime run, self time per package):")
    print(table(["package", "self time"], [[package, ms(s)] for package, s in import_breakdown(
        stderr, data["new_modules"])], indent="    "))
    eager = [name for name in LAZY if name in {module.split(".")[0] for module in data["new_modules"]}]
    print(f"\n  heavy SDKs loaded by `import app`: {', '.join(eager) or 'none'}"
          f" (checked: {', '.join(LAZY)})")

    return [
        Row("cold-start", f"import app (median of {RUNS})", ms(median[APP])),
        Row("cold-start", f"import {BASELINE} (median of {RUNS})", ms(median[BASELINE])),
        Row("cold-start", "ratio app / baseline", f"{ratio:.2f}x", f"<= {TARGET_RATIO}x",
            verdict(ratio <= TARGET_RATIO)),
        Row("cold-start", "heavy SDKs loaded at import", ", ".join(eager) or "none"),
    ]
