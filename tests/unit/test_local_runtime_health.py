"""The local runtime's emulator health (issue 19): the RSS line and its warning, the watchdog's decision, the runner
exiting non-zero when the emulator is gone, and the API process exiting when the runner dies."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from local import ROOT, logs, run


class FakeThread:
    def __init__(self) -> None:
        self.alive = True

    def is_alive(self) -> bool:
        return self.alive


class FakeServer:
    def __init__(self) -> None:
        self._thread = FakeThread()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Probe:
    def __init__(self) -> None:
        self.calls = 0
        self.error: Exception | None = None

    def __call__(self) -> None:
        self.calls += 1
        if self.error is not None:
            raise self.error


def watch(rss: float = 300.0, **kwargs) -> tuple[run.EmulatorWatch, FakeServer, Probe, Clock]:
    server, probe, clock = FakeServer(), Probe(), Clock()
    options = {"rss_every": 300.0, "rss_warn_mb": 2048.0, "probe_every": 5.0, "failures_allowed": 3, **kwargs}
    return run.EmulatorWatch(server, probe, rss=lambda: rss, clock=clock, **options), server, probe, clock


def rss_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "local.emulator" and r.fields["event"] == "emulator_rss"]


def test_the_rss_is_logged_at_start_then_every_interval(caplog):
    caplog.set_level(logging.INFO, logger="local.emulator")
    watcher, _, _, clock = watch(rss=512.0)
    assert watcher.poll() is None
    clock.now += 299
    assert watcher.poll() is None
    assert len(rss_records(caplog)) == 1
    clock.now += 1
    assert watcher.poll() is None
    records = rss_records(caplog)
    assert len(records) == 2 and all(r.levelno == logging.INFO for r in records)
    assert records[0].fields["rss_mb"] == 512.0 and records[0].fields["warn_mb"] == 2048.0


def test_the_rss_line_is_a_warning_above_the_threshold(caplog):
    caplog.set_level(logging.INFO, logger="local.emulator")
    watcher, *_ = watch(rss=2500.0, rss_warn_mb=2048.0)
    watcher.poll()
    (record,) = rss_records(caplog)
    assert record.levelno == logging.WARNING and "above 2048 MB" in record.getMessage()


def test_the_rss_line_is_one_json_object():
    record = logging.LogRecord("local.emulator", logging.WARNING, __file__, 1, "emulator RSS %d MB", (2500,), None)
    record.fields = {"event": "emulator_rss", "rss_mb": 2500.0}
    line = logs.JsonLines().format(record)
    assert "\n" not in line
    assert json.loads(line) | {"time": None} == {"time": None, "level": "WARNING", "logger": "local.emulator",
                                                 "message": "emulator RSS 2500 MB", "event": "emulator_rss",
                                                 "rss_mb": 2500.0}


def test_rss_every_zero_never_logs(caplog):
    caplog.set_level(logging.INFO, logger="local.emulator")
    watcher, _, _, clock = watch(rss_every=0)
    for _ in range(3):
        watcher.poll()
        clock.now += 1000
    assert rss_records(caplog) == []


def test_rss_of_this_process_is_read_from_proc():
    assert run.rss_mb() > 1.0
    assert run.rss_mb(pid=2**31 - 1) == 0.0  # no such process


def test_an_ended_server_thread_means_gone_at_once():
    watcher, server, probe, _ = watch()
    assert watcher.poll() is None
    server._thread.alive = False
    assert watcher.poll() == "its server thread has ended"
    server._thread = None  # never started
    assert watcher.poll() == "its server thread has ended"


def test_gone_after_three_unanswered_probes_in_a_row_and_an_answer_resets_the_count():
    watcher, _, probe, clock = watch()
    assert watcher.poll() is None and probe.calls == 1
    assert watcher.poll() is None and probe.calls == 1  # the next probe is due in 5 s
    probe.error = ConnectionRefusedError("refused")
    for _ in range(2):
        clock.now += 5
        assert watcher.poll() is None
    probe.error = None
    clock.now += 5
    assert watcher.poll() is None and watcher.failures == 0
    probe.error = TimeoutError("timed out")
    verdicts = []
    for _ in range(3):
        clock.now += 5
        verdicts.append(watcher.poll())
    assert verdicts[:2] == [None, None]
    assert verdicts[2] == "it did not answer 3 checks in a row (TimeoutError: timed out)"


class FakeApi:
    def __init__(self) -> None:
        self.polls = 0

    def poll(self) -> int | None:
        self.polls += 1
        return None


def test_the_runner_exits_non_zero_when_the_emulator_is_gone(monkeypatch, caplog):
    watcher, server, _, _ = watch()
    server._thread.alive = False
    monkeypatch.setattr(run, "configure_logging", lambda state_dir: None)
    monkeypatch.setattr(run.signal, "signal", lambda *args: None)
    monkeypatch.setattr(run, "start", lambda args, stack: (FakeApi(), watcher))
    stopped = []
    monkeypatch.setattr(run.ExitStack, "__exit__", lambda self, *exc: stopped.append(True) or False)
    caplog.set_level(logging.INFO, logger="local.emulator")

    assert run.main([]) == run.EMULATOR_GONE == 3
    assert stopped == [True]  # everything started is stopped
    (gone,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert gone.name == "local.emulator" and gone.fields == {"event": "emulator_gone", "exit_code": 3}
    assert "the emulator is gone (its server thread has ended)" in gone.getMessage()


def test_the_emulator_is_stopped_even_when_its_thread_is_wedged():
    class Wedged:
        def stop(self) -> None:
            time.sleep(30)

    started = time.monotonic()
    run.stop_moto(Wedged(), timeout=0.2)
    assert time.monotonic() - started < 2


# --- the API process exits when the runner dies ---------------------------------------------------

CHILD = """
import sys, time
from local.api import watch_parent
watch_parent(interval=0.2, use_prctl=sys.argv[1] == "prctl")
print("armed", file=sys.stderr, flush=True)
time.sleep(60)
"""
PARENT = """
import subprocess, sys, time
with open(sys.argv[2], "w") as stderr:
    child = subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[3]], stderr=stderr)
print(child.pid, flush=True)
time.sleep(60)
"""


def gone(pid: int) -> bool:
    try:
        state = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("State:"))
    except (FileNotFoundError, ProcessLookupError):
        return True
    return "Z" in state.split()[1]  # exited, not reaped (yet) by whoever adopted it


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("mechanism", ["prctl", "polling"])
def test_the_api_process_exits_when_the_runner_is_killed(tmp_path, mechanism):
    stderr = tmp_path / "child.err"
    parent = subprocess.Popen([sys.executable, "-c", PARENT, CHILD, str(stderr), mechanism], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    child = None
    try:
        child = int(parent.stdout.readline())
        deadline = time.monotonic() + 10
        while "armed" not in stderr.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "armed" in stderr.read_text()
        assert not gone(child)

        parent.kill()  # what the OOM killer does to the runner
        parent.wait()
        deadline = time.monotonic() + 5
        while not gone(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert gone(child), "the API process outlived the runner"
        assert f"the runner (pid {parent.pid}) is gone" in stderr.read_text()
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()
        if child is not None and not gone(child):
            os.kill(child, signal.SIGKILL)


def test_a_plain_sigterm_still_stops_the_api_process_quietly(tmp_path):
    """The runner stops the API with SIGTERM: with the parent alive, that is a normal stop, not "runner gone"."""
    stderr = tmp_path / "child.err"
    with stderr.open("w") as err:
        child = subprocess.Popen([sys.executable, "-c", CHILD, "prctl"], cwd=ROOT, stderr=err)
    try:
        deadline = time.monotonic() + 10
        while "armed" not in stderr.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        child.terminate()
        assert child.wait(5) == -signal.SIGTERM
        assert "is gone" not in stderr.read_text()
    finally:
        child.kill()
        child.wait()
