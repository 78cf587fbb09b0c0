"""A run cut short keeps what it did: SIGINT and a dying target both leave valid partial results.

Each test runs pytest with the cmqconform plugin in a child process against a ``cmqconform serve``
child this test starts on loopback, so it can interrupt the run or kill the target mid-way.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from cmqconform.dialects import Credentials
from cmqconform.netutil import free_port
from cmqconform.results import CASES_DIR
from cmqconform.session import Session, url_target
from cmqconform.spec import load_specs
from tests.processes import spawn, stop, tail, wait_exit, wait_serving
from tests.surfaces import V3

SECRET_ID, SECRET_KEY = "AKIDcmqcinterrupt", "interrupt-test-key"
SCHEMA = Path(__file__).resolve().parents[1] / "cmqconform" / "schemas" / "results.schema.json"
CASES = 30
#: Bounds for a loaded two-core machine (``pytest -n 2`` beside other work): the child pytest
#: imports the package and loads the specs before its first case.
FIRST_RECORDS_SECONDS = 180.0
EXIT_SECONDS = 180.0

SUITE = f'''
import time

import pytest


@pytest.mark.parametrize("n", range({CASES}))
@pytest.mark.clause("cmq.v3.CreateQueue.creates_queue")
def test_create_then_wait(n, cmq_queue, cmq_v3):
    name = cmq_queue()
    assert cmq_v3.call("DescribeQueueDetail", Offset=0, Limit=1).ok, name
    time.sleep(0.3)
'''

#: CMQ's scenario fixtures are suites/behaviour's own now; the slow suite defines the two it uses
#: from the plugin's factories.
CONFTEST = '''
import pytest
from cmqconform.pytest_plugin import resource_factory

@pytest.fixture(scope="session")
def cmq_v3(cmq_client):
    return cmq_client("cmq.v3")

cmq_queue = resource_factory("queue", "cmq.v3")
'''


def _env() -> dict[str, str]:
    return {**os.environ, "TENCENTCLOUD_SECRET_ID": SECRET_ID,
            "TENCENTCLOUD_SECRET_KEY": SECRET_KEY}


@pytest.fixture
def target(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A ``cmqconform serve`` child on a free loopback port: (url, process)."""
    port, log_path = free_port(), tmp_path / "serve.log"
    url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        proc = spawn(
            [sys.executable, "-m", "cmqconform", "serve", "--port", str(port), "--secret-id",
             SECRET_ID, "--secret-key", SECRET_KEY, "--log-level", "warning"],
            stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_serving(url, proc, "cmqconform serve", log=log_path)
        yield url, proc
    finally:
        stop(proc)


#: Starts the child pytest run against a URL: (process, report folder, its output log).
StartRun = Callable[[str], tuple[subprocess.Popen[bytes], Path, Path]]


@pytest.fixture
def start_run(tmp_path: Path) -> Iterator[StartRun]:
    """Starts the slow suite in a child pytest; the child and its group are stopped at teardown."""
    started: list[subprocess.Popen[bytes]] = []

    def start(url: str) -> tuple[subprocess.Popen[bytes], Path, Path]:
        (tmp_path / "test_slow_suite.py").write_text(SUITE, encoding="utf-8")
        (tmp_path / "conftest.py").write_text(CONFTEST, encoding="utf-8")
        report, log_path = tmp_path / "report", tmp_path / "run.log"
        with log_path.open("wb") as log:
            proc = spawn(
                [sys.executable, "-m", "pytest", "test_slow_suite.py", "-q", "-p", "no:xdist",
                 "-p", "no:randomly", "-p", "no:cacheprovider", f"--cmq-target={url}",
                 f"--cmq-report-dir={report}"],
                cwd=tmp_path, env=_env(), stdout=log, stderr=subprocess.STDOUT)
        started.append(proc)
        return proc, report, log_path

    try:
        yield start
    finally:
        for proc in started:
            stop(proc)


def _wait_for_records(report: Path, count: int, run: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + FIRST_RECORDS_SECONDS
    while True:
        lines = sum(len(p.read_text(encoding="utf-8").splitlines())
                    for p in (report / CASES_DIR).glob("*.jsonl")) \
            if (report / CASES_DIR).exists() else 0
        if lines >= count:
            return
        if run.poll() is not None:
            raise AssertionError(f"the child pytest exited with {run.returncode} after {lines} "
                                 f"case records, before {count}" + tail(log))
        if time.monotonic() > deadline:
            raise AssertionError(f"{lines} of {count} case records in {report} after "
                                 f"{FIRST_RECORDS_SECONDS:.0f} s" + tail(log))
        time.sleep(0.05)


def _results(report: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((report / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, json.loads(SCHEMA.read_text(encoding="utf-8")))
    return doc


def _queue_names(url: str) -> set[str]:
    specs = load_specs()
    with Session(specs, url_target(url, Credentials.of(SECRET_ID, SECRET_KEY), specs)) as s:
        got = s.call(V3, "DescribeQueueDetail", {"Offset": 0, "Limit": 50})
        return {q["QueueName"] for q in got.data.get("QueueSet", [])}


def test_sigint_leaves_valid_partial_results_and_still_sweeps(
        target: tuple[str, subprocess.Popen[bytes]], start_run: StartRun) -> None:
    """SIGINT mid-run: results.json is valid, marked interrupted, and no run queue is left."""
    url, _ = target
    run, report, log = start_run(url)
    _wait_for_records(report, 3, run, log)
    run.send_signal(signal.SIGINT)
    assert wait_exit(run, EXIT_SECONDS, "the child pytest after SIGINT") != 0, tail(log)
    doc = _results(report)
    summary = doc["summary"]
    assert doc["interrupted"] is True and doc["ended"] == "interrupted (SIGINT)"
    assert 3 <= summary["pass"] < CASES
    assert not any(name.startswith("cmqc-") for name in _queue_names(url))


def test_a_dying_target_turns_later_cases_into_errors_not_fails(
        target: tuple[str, subprocess.Popen[bytes]], start_run: StartRun) -> None:
    """Killing the target mid-run: finished cases keep their verdicts, the rest are errors."""
    url, server = target
    run, report, log = start_run(url)
    _wait_for_records(report, 3, run, log)
    server.kill()
    wait_exit(server, EXIT_SECONDS, "the killed cmqconform serve")
    assert wait_exit(run, EXIT_SECONDS, "the child pytest after its target died") == 1, tail(log)
    doc = _results(report)
    summary = doc["summary"]
    assert summary["total"] == CASES
    assert summary["pass"] >= 3 and summary["error"] >= 1
    assert summary["fail"] == 0
    # The run says it was cut short, and why: the circuit breaker found the target gone.
    assert doc["interrupted"] is True
    assert doc["ended"].startswith("target unreachable: "), doc["ended"]
    errors = [c["message"] for c in doc["cases"] if c["verdict"] == "error"]
    # The error says what went wrong, not where in the traceback it was raised.
    assert all("transport" in message for message in errors), errors[:3]
