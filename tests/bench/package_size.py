"""What the Lambda functions ship, zipped and unzipped: the app's code (`chalice package`), the dependencies layer
(requirements.txt for the runtime, AWS SDK included: README, Deploying) and the probe worker's media-tools layer.

Lambda's limit is 250 MB unzipped for a function and its layers together; the zipped sizes are what every deploy
uploads (a layer only when requirements.txt changes). The `chalice deploy` path bundles the same requirements into
each function's own zip instead of a layer: the same bytes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

from tests.bench.report import Row, table, verdict

SECTION = "package"
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024
SDK = ("boto3", "botocore", "s3transfer", "jmespath")


def mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MiB"


def sizes(archive: Path) -> tuple[int, int, Counter[str]]:
    """(zipped, unzipped, unzipped bytes per top-level package: `python/<package>` in a layer)."""
    with zipfile.ZipFile(archive) as opened:
        entries = opened.infolist()
    per_package: Counter[str] = Counter()
    for entry in entries:
        parts = entry.filename.split("/")
        per_package[parts[1] if parts[0] == "python" and len(parts) > 1 else parts[0]] += entry.file_size
    return archive.stat().st_size, sum(entry.file_size for entry in entries), per_package


def app_zip(out: Path) -> Path:
    """`chalice package` of the app without requirements.txt (infra/packaging.py): the code every function runs."""
    from infra.packaging import app_source

    with app_source() as source:
        subprocess.run([str(Path(sys.executable).with_name("chalice")), "package", "--stage", "dev", str(out)],  # noqa: S603
                       cwd=source, check=True, capture_output=True, timeout=300,
                       env={**os.environ, "AWS_DEFAULT_REGION": "us-east-1"})
    return out / "deployment.zip"


def run() -> list[Row]:
    from infra.packaging import dependencies_zip, media_tools_zip

    with tempfile.TemporaryDirectory() as work:
        app = sizes(app_zip(Path(work) / "out"))
    dependencies, media = sizes(dependencies_zip()), sizes(media_tools_zip())
    sdk = sum(size for package, size in dependencies[2].items() if package in SDK)
    print(table(["archive", "zipped", "unzipped"],
                [["app code (chalice package)", mb(app[0]), mb(app[1])],
                 ["dependencies layer", mb(dependencies[0]), mb(dependencies[1])],
                 ["media-tools layer (probe worker only)", mb(media[0]), mb(media[1])]]))
    print("\n  Largest packages of the dependencies layer (unzipped):")
    print(table(["package", "unzipped"], [[name, mb(size)] for name, size in dependencies[2].most_common(8)]))
    api_function = app[1] + dependencies[1]
    probe_function = api_function + media[1]
    return [
        Row(SECTION, "app code zipped / unzipped", f"{mb(app[0])} / {mb(app[1])}"),
        Row(SECTION, "dependencies layer zipped / unzipped", f"{mb(dependencies[0])} / {mb(dependencies[1])}"),
        Row(SECTION, f"of which the AWS SDK ({', '.join(SDK)}), unzipped", mb(sdk)),
        Row(SECTION, "media-tools layer zipped / unzipped", f"{mb(media[0])} / {mb(media[1])}"),
        Row(SECTION, "API function unzipped (code + dependencies)", mb(api_function)),
        Row(SECTION, "probe worker unzipped (+ media tools)", mb(probe_function), f"<= {mb(LAMBDA_UNZIPPED_LIMIT)}",
            verdict(probe_function <= LAMBDA_UNZIPPED_LIMIT)),
    ]
