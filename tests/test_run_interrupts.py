"""``cmqconform run`` cut short: a double Ctrl-C and a hung target keep the results, say why the
run ended and leave no emulator or keys file behind (issue 18, item 5).

Each test runs ``cmqconform run`` in a child process (a session of its own, as from a shell) and
signals it; every wait is bounded.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from cmqconform.netutil import free_port
from tests.processes import spawn, stop, tail, wait_exit, wait_serving

SCHEMA = Path(__file__).resolve().parents[1] / "cmqconform" / "schemas" / "results.schema.json"
#: Bounds for a loaded two-core machine.
START_SECONDS = 180.0
EXIT_SECONDS = 180.0
#: Scenarios with enough waiting in them that the run is mid-way when it is interrupted.
SELECTION = "test_messages or test_queue_lifecycle"


def _env(tmp: Path) -> dict[str, str]:
    return {**os.environ, "TENCENTCLOUD_SECRET_ID": "AKIDcmqcrunint", "CI": "true",
            "TENCENTCLOUD_SECRET_KEY": "run-interrupt-key", "TMPDIR": str(tmp)}


def _start(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[bytes], Path, Path]:
    tmp, report, log_path = tmp_path / "tmp", tmp_path / "report", tmp_path / "run.log"
    tmp.mkdir()
    with log_path.open("wb") as log:
        proc = spawn([sys.executable, "-m", "cmqconform", "run", "--product", "cmq",
                      "--report-dir", str(report), "-q", *extra],
                     env=_env(tmp), stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    return proc, report, log_path


def _until(what: str, probe: Any, run: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while not probe():
        if run.poll() is not None:
            raise AssertionError(f"the run exited ({run.returncode}) before {what}" + tail(log))
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} after {START_SECONDS:.0f} s" + tail(log))
        time.sleep(0.05)


def _records(report: Path) -> int:
    return sum(p.read_text(encoding="utf-8").count("\n")
               for p in (report / ".cases").glob("*.jsonl")) if (report / ".cases").exists() else 0


def _descendants(root: int) -> dict[int, str]:
    """Every live descendant of ``root``: pid -> command line."""
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            commands[int(entry.name)] = (entry / "cmdline").read_bytes().replace(
                b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: dict[int, str] = {}
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - set(found)
        found.update({pid: commands.get(pid, "") for pid in frontier})
    return found


def _alive(pid: int, command: str) -> bool:
    try:
        return (Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
                .decode(errors="replace") == command)
    except OSError:
        return False


def _results(report: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((report / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, json.loads(SCHEMA.read_text(encoding="utf-8")))
    return doc


@pytest.mark.slow
def test_two_ctrl_c_keep_the_results_and_leave_no_emulator_or_keys(tmp_path: Path) -> None:
    run, report, log = _start(tmp_path, "-k", SELECTION)
    try:
        _until("3 case records", lambda: _records(report) >= 3, run, log)
        servers = {pid: cmd for pid, cmd in _descendants(run.pid).items() if " serve " in cmd}
        keys = list((tmp_path / "tmp").glob("cmqc-run-*/cmqc-keys-*"))
        assert servers and keys, (servers, keys)
        run.send_signal(signal.SIGINT)
        time.sleep(0.1)
        run.send_signal(signal.SIGINT)
        assert wait_exit(run, EXIT_SECONDS, "cmqconform run after two SIGINT") == 1, tail(log)
    finally:
        stop(run)
    doc = _results(report)
    assert doc["interrupted"] is True and doc["ended"] == "interrupted (SIGINT)"
    assert doc["summary"]["total"] >= 3
    assert "interrupted (SIGINT)" in (report / "report.html").read_text(encoding="utf-8")
    last = log.read_text(encoding="utf-8").strip().splitlines()[-1]
    assert last == "ended: interrupted (SIGINT)", last
    # The embedded emulators were stopped, not left to init; their keys went with the run.
    assert [pid for pid, cmd in servers.items() if _alive(pid, cmd)] == []
    assert list((tmp_path / "tmp").iterdir()) == []


class HungTarget:
    """A loopback listener that accepts connections and never answers; counts them."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.accepted: list[socket.socket] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        """Where it listens."""
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _accept(self) -> None:
        while not self.done.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(conn)


@pytest.fixture
def hung() -> Iterator[HungTarget]:
    target = HungTarget()
    target.thread.start()
    try:
        yield target
    finally:
        target.done.set()
        target.thread.join(5)
        for conn in target.accepted:
            conn.close()
        target.sock.close()


@pytest.mark.slow
def test_ctrl_c_against_a_hung_target_makes_one_bounded_call_then_says_why(
        tmp_path: Path, hung: HungTarget) -> None:
    run, report, log = _start(tmp_path, "--target", hung.url, "--no-preflight", "-k",
                              "test_queue_lifecycle")
    try:
        _until("a connection to the hung target", lambda: hung.accepted, run, log)
        time.sleep(0.3)
        before = len(hung.accepted)
        run.send_signal(signal.SIGINT)
        assert wait_exit(run, EXIT_SECONDS, "cmqconform run after SIGINT") == 1, tail(log)
    finally:
        stop(run)
    # The sweep after the interrupt: one call with a short timeout, then the circuit breaker,
    # not a full-timeout call for each listing and account.
    assert len(hung.accepted) - before <= 1, len(hung.accepted) - before
    doc = _results(report)
    assert doc["interrupted"] is True and doc["ended"] == "interrupted (SIGINT)"
    assert (report / "report.html").exists()


def test_an_emulator_started_to_exit_with_its_parent_stops_when_the_parent_is_killed(
        tmp_path: Path) -> None:
    # How a run starts its embedded emulators: a run killed outright (SIGKILL, a CI timeout)
    # has no chance to stop them, and they must not outlive it.
    port = free_port()
    script = ("import subprocess, sys, time\n"
              "p = subprocess.Popen([sys.executable, '-m', 'cmqconform', 'serve', '--port', "
              f"'{port}', '--exit-with-parent', '--log-level', 'warning'])\n"
              "print(p.pid, flush=True)\n"
              "time.sleep(600)\n")
    parent = spawn([sys.executable, "-c", script], stdout=subprocess.PIPE, env=_env(tmp_path))
    try:
        assert parent.stdout is not None
        server = int(parent.stdout.readline())
        wait_serving(f"http://127.0.0.1:{port}/_cmqconform/health", parent, "cmqconform serve")
        parent.kill()
        parent.wait(EXIT_SECONDS)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _listening(port):
            time.sleep(0.2)
        assert not _listening(port), "the emulator outlived the process that started it"
    finally:
        stop(parent)
        with contextlib.suppress(ProcessLookupError):
            os.kill(server, signal.SIGKILL)


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False
