"""Typed clients: `openapi-typescript` turns the served /v1/openapi.json into TypeScript types that compile with
`tsc --strict` together with client.ts, a typed usage sample (explore → detail → checkout → library → lesson
playback) that reads the API's real field names. A rename or a retype in a response breaks it, as it would break an
SPA team's build. The npm packages are pinned by package-lock.json; `make test` installs them (`npm ci`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
# README ("Typed clients") gives client teams the same generator options.
GENERATE = ["npx", "--no", "--", "openapi-typescript", "--default-non-nullable", "false"]
COMPILE = ["npx", "--no", "--", "tsc", "--strict", "--noEmit", "--target", "es2022", "--lib", "es2022,dom",
           "--module", "esnext", "--moduleResolution", "bundler"]


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=HERE, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603


def test_generated_types_compile_with_the_typed_sample(api, tmp_path):
    assert (HERE / "node_modules" / ".bin" / "tsc").exists(), "run `make test` (it runs npm ci in tests/typescript)"
    document = api.call("GET", "/v1/openapi.json")
    assert document.status_code == 200
    (tmp_path / "openapi.json").write_text(json.dumps(document.json))
    generated = _run([*GENERATE, str(tmp_path / "openapi.json"), "-o", str(tmp_path / "api.ts")])
    assert generated.returncode == 0, generated.stdout + generated.stderr
    shutil.copy(HERE / "client.ts", tmp_path / "client.ts")  # it imports "./api"
    compiled = _run([*COMPILE, str(tmp_path / "client.ts")])
    assert compiled.returncode == 0, "tsc --strict refused the typed sample:\n" + compiled.stdout + compiled.stderr
