"""The local runtime for tests/e2e and tests/browser: start `python -m local.run` as a real subprocess, talk to it
over HTTP, and take it down completely. One runtime serves a whole session: the `stack` fixture in tests/conftest.py,
whose tests xdist runs on one worker (group "local-runtime").

The runner gets an explicit, minimal environment: nothing from the test process (AWS_*, AUTH_*,
TABLE_PREFIX set by tests/conftest.py) may leak into it. It runs in its own process group, so the
teardown can signal the runner and the `chalice local` it started at once, as a terminal's Ctrl-C does.

The runner's SPA origin (`--spa-origin`: what the API and the buckets answer CORS for) is a port reserved
here and held until a browser test serves its page on it (`Stack.spa_socket`): no other process can take it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from local import ROOT
from local.identity import LocalIdp

PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
STARTUP_SECONDS = 90


@dataclass
class Stack:
    process: subprocess.Popen
    state_dir: Path
    log_path: Path
    spa_socket: socket.socket  # bound to the SPA origin's port, not listening: a page server takes it over
    base_url: str = ""
    moto_url: str = ""
    idp: LocalIdp | None = None
    demo: dict[str, Any] = field(default_factory=dict)  # course_id, video_lesson_id, video_id (runtime.json)

    @property
    def spa_origin(self) -> str:
        host, port = self.spa_socket.getsockname()
        return f"http://{host}:{port}"

    def token(self, user: str, **claims: Any) -> str:
        assert self.idp is not None
        return self.idp.mint(user, email=f"{user}@example.com", name=user.replace("-", " ").title(), **claims)

    def call(self, method: str, path: str, user: str | None = None, token: str | None = None,
             body: Any = None, params: dict | None = None, headers: dict | None = None) -> requests.Response:
        headers = dict(headers or {})
        if token or user:
            headers["Authorization"] = f"Bearer {token or self.token(user)}"
        return requests.request(method, f"{self.base_url}{path}", json=body, params=params, headers=headers,
                                timeout=30)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


def start(state_dir: Path) -> Stack:
    """Start a runner on free ports and wait until it reports ready (runtime.json) with demo data seeded."""
    state_dir.mkdir(parents=True, exist_ok=True)
    log_path = state_dir / "runner.log"
    env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    env["PYTHONUNBUFFERED"] = "1"
    spa_socket = socket.socket()
    spa_socket.bind(("127.0.0.1", 0))
    spa_origin = f"http://127.0.0.1:{spa_socket.getsockname()[1]}"
    # Every port free (0): another runner (a second worker's, another session's) may hold any default port.
    command = [sys.executable, "-m", "local.run", "--api-port", "0", "--moto-port", "0", "--stripe-port", "0",
               "--state-dir", str(state_dir), "--spa-origin", spa_origin]
    # Appending (O_APPEND): the runner and its `chalice local` child write through this one file, and without it
    # their concurrent writes can land at the same offset and overwrite each other's lines.
    with log_path.open("ab") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    stack = Stack(process, state_dir, log_path, spa_socket)
    runtime = state_dir / "runtime.json"
    deadline = time.monotonic() + STARTUP_SECONDS
    while not runtime.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            stop(stack)
            raise RuntimeError(f"local runtime did not start (exit {process.returncode}):\n{stack.log()}")
        time.sleep(0.1)
    facts = json.loads(runtime.read_text())
    stack.base_url, stack.moto_url, stack.demo = facts["api_url"], facts["moto_url"], facts["demo"]
    stack.idp = LocalIdp.load_or_create(state_dir)
    return stack


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stop(stack: Stack, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int | None:
    """Signal the whole process group, wait for the runner, then SIGKILL whatever is left; the runner's exit code."""
    pgid = stack.process.pid  # start_new_session: the runner leads its own group
    if group_alive(pgid):
        os.killpg(pgid, sig)
    try:
        code = stack.process.wait(timeout)
    except subprocess.TimeoutExpired:
        code = None
    deadline = time.monotonic() + 5
    while group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if group_alive(pgid):
        os.killpg(pgid, signal.SIGKILL)
        stack.process.wait()
    stack.spa_socket.close()
    return code


def _port_open(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((host, int(port))) == 0


def ctrl_c(stack: Stack) -> None:
    """Stop the runner as a developer does (Ctrl-C: SIGINT to the terminal's process group) and check it stops
    everything it started: exit 0, no process left, its ports closed, runtime.json gone, the IdP key pair kept.
    The session's runtime ends this way (tests/conftest.py `stack`), so the check costs no runtime of its own."""
    try:
        os.killpg(stack.process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
        assert stack.process.wait(20) == 0, stack.log()
        deadline = time.monotonic() + 5
        while group_alive(stack.process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not group_alive(stack.process.pid), "the runner left processes behind"
        assert not _port_open(stack.base_url) and not _port_open(stack.moto_url)
        assert not (stack.state_dir / "runtime.json").exists()
        assert (stack.state_dir / "idp-private.pem").exists()  # the key pair survives restarts
    finally:
        stop(stack)
