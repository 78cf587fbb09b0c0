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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from cmqconform.dialects import Credentials
from cmqconform.models import V3
from cmqconform.netutil import free_port
from cmqconform.results import CASES_DIR
from cmqconform.session import Session, url_target
from cmqconform.spec import load_specs

SECRET_ID, SECRET_KEY = "AKIDcmqcinterrupt", "interrupt-test-key"
SCHEMA = Path(__file__).resolve().parents[1] / "cmqconform" / "schemas" / "results.schema.json"
CASES = 30

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


def _env() -> dict[str, str]:
    return {**os.environ, "TENCENTCLOUD_SECRET_ID": SECRET_ID,
            "TENCENTCLOUD_SECRET_KEY": SECRET_KEY}


@pytest.fixture
def target(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A ``cmqconform serve`` child on a free loopback port: (url, process)."""
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cmqconform", "serve", "--port", str(port), "--secret-id",
         SECRET_ID, "--secret-key", SECRET_KEY, "--log-level", "warning"],
        stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(url, timeout=0.5)
            break
        except httpx.TransportError:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            time.sleep(0.05)
    else:
        raise AssertionError(f"cmqconform serve did not answer on {url}")
    try:
        yield url, proc
    finally:
        proc.kill()
        proc.wait(10)
        log.close()


def _start_run(tmp_path: Path, url: str) -> tuple[subprocess.Popen[bytes], Path]:
    (tmp_path / "test_slow_suite.py").write_text(SUITE, encoding="utf-8")
    report = tmp_path / "report"
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "test_slow_suite.py", "-q", "-p", "no:xdist",
         "-p", "no:randomly", "-p", "no:cacheprovider", f"--cmq-target={url}",
         f"--cmq-report-dir={report}"],
        cwd=tmp_path, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return proc, report


def _wait_for_records(report: Path, count: int) -> None:
    for _ in range(600):
        lines = sum(len(p.read_text(encoding="utf-8").splitlines())
                    for p in (report / CASES_DIR).glob("*.jsonl")) \
            if (report / CASES_DIR).exists() else 0
        if lines >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} case records appeared in {report}")


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
        tmp_path: Path, target: tuple[str, subprocess.Popen[bytes]]) -> None:
    """SIGINT mid-run: results.json is valid, marked interrupted, and no run queue is left."""
    url, _ = target
    run, report = _start_run(tmp_path, url)
    _wait_for_records(report, 3)
    run.send_signal(signal.SIGINT)
    assert run.wait(60) != 0
    doc = _results(report)
    summary = doc["summary"]
    assert doc["interrupted"] is True
    assert 3 <= summary["pass"] < CASES
    assert not any(name.startswith("cmqc-") for name in _queue_names(url))


def test_a_dying_target_turns_later_cases_into_errors_not_fails(
        tmp_path: Path, target: tuple[str, subprocess.Popen[bytes]]) -> None:
    """Killing the target mid-run: finished cases keep their verdicts, the rest are errors."""
    url, server = target
    run, report = _start_run(tmp_path, url)
    _wait_for_records(report, 3)
    server.kill()
    server.wait(10)
    assert run.wait(120) == 1
    doc = _results(report)
    summary = doc["summary"]
    assert summary["total"] == CASES
    assert summary["pass"] >= 3 and summary["error"] >= 1
    assert summary["fail"] == 0
    errors = [c["message"] for c in doc["cases"] if c["verdict"] == "error"]
    # The error says what went wrong, not where in the traceback it was raised.
    assert all("transport" in message for message in errors), errors[:3]
