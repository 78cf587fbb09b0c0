"""Runs of the suite through the fault injector: every fault an error, nothing dropped, no
secret in any artifact (issue 18's harness).

A real ``cmqconform run`` against the CMQ emulator goes through :mod:`cmqconform.proxy.faults`,
which spoils one answer in ten, each with the next kind of fault in turn; the run's own results
must say what happened.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cmqconform.emulator.server import EmulatorServer
from cmqconform.proxy.faults import injecting
from cmqconform.spec import load_specs
from tests.surfaces import LEGACY, V3

SECRET_ID, SECRET_KEY = "AKIDcmqcfaultrun0001", "fault-run-secret-key-0001"
#: Generated cases of two actions (one creating and deleting, one listing) and the queue
#: lifecycle scenarios, on both CMQ surfaces.
SELECTION = "DeleteQueue or DescribeQueueDetail or test_queue_lifecycle"
#: Faults a target or a network can make: none may become a contract failure.
FAULTS = ("reset", "html500", "garbage", "truncated", "throttle")


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with EmulatorServer({SECRET_ID: SECRET_KEY}) as url:
        yield url


def _run(url: str, report: Path) -> tuple[int, dict[str, Any]]:
    env = {"TENCENTCLOUD_SECRET_ID": SECRET_ID, "TENCENTCLOUD_SECRET_KEY": SECRET_KEY,
           "CI": "true", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "cmqconform", "run", "--target", url,
                           "--product", "cmq", "-k", SELECTION, "--report-dir", str(report),
                           "-q"], env=env, capture_output=True, timeout=600, check=False)
    results = report / "results.json"
    assert results.exists(), done.stdout.decode()[-2000:] + done.stderr.decode()[-2000:]
    return done.returncode, json.loads(results.read_text(encoding="utf-8"))


def test_every_fault_is_an_error_or_retried_never_a_fail(upstream: str, tmp_path: Path) -> None:
    with injecting(upstream, FAULTS, specs=load_specs(), apis=(V3, LEGACY)) as injector:
        code, doc = _run(injector.url, tmp_path / "report")
    summary = doc["summary"]
    assert all(injector.spoiled.values()), injector.spoiled
    assert summary["fail"] == 0, [c["id"] + ": " + c["message"][:200]
                                  for c in doc["cases"] if c["verdict"] == "fail"]
    assert summary["error"] > 0 and code == 1
    # Throttled calls were sent again; nothing collected is missing from the results.
    assert summary["retries"] > 0 and any(c.get("retries") for c in doc["cases"])
    assert summary["missing"] == 0 and summary["total"] == summary["collected"]


def test_an_echoing_target_leaks_no_secret_and_separators_drop_no_case(
        upstream: str, tmp_path: Path) -> None:
    report = tmp_path / "report"
    with injecting(upstream, ("echo", "separator"), specs=load_specs(),
                   apis=(V3, LEGACY)) as injector:
        _, doc = _run(injector.url, report)
    assert all(injector.spoiled.values()), injector.spoiled
    # An internal-error answer is the target failing, not evidence about the contract.
    assert doc["summary"]["fail"] == 0, [c["id"] + ": " + c["message"][:200]
                                         for c in doc["cases"] if c["verdict"] == "fail"]
    assert doc["summary"]["missing"] == 0
    assert doc["summary"]["total"] == doc["summary"]["collected"]
    leaked = [str(p.relative_to(report)) for p in report.rglob("*") if p.is_file()
              and (SECRET_KEY.encode() in (data := p.read_bytes())
                   or b"Signature=" in data.replace(b"Signature=***", b""))]
    assert leaked == []
