"""``cmqconform proxy`` and ``serve --mutant`` as real processes: an SDK flow, SIGINT, reports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from cmqconform.netutil import free_port
from cmqconform.products import mutant_catalog
from tests.processes import spawn, stop, tail, wait_exit, wait_serving
from tests.proxy.conftest import SID, SKEY
from tests.proxy.flows import api3_flow

pytestmark = pytest.mark.sdk
SCHEMA = Path(__file__).resolve().parents[2] / "cmqconform" / "schemas" / "results.schema.json"


def test_proxy_process_against_a_mutant_writes_reports_on_sigint(tmp_path: Path) -> None:
    pytest.importorskip("tencentcloud.cmq.v20190304")
    mutant = "total-count-stringified"
    up_port, proxy_port = free_port(), free_port()
    env = {**os.environ, "TENCENTCLOUD_SECRET_ID": SID, "TENCENTCLOUD_SECRET_KEY": SKEY}
    serve_log, proxy_log = tmp_path / "serve.log", tmp_path / "proxy.log"
    report, cassette = tmp_path / "report", tmp_path / "traffic.jsonl"
    with serve_log.open("w") as s_out, proxy_log.open("w") as p_out:
        upstream = spawn([sys.executable, "-m", "cmqconform", "serve", "--port", str(up_port),
                          "--mutant", mutant, "--log-level", "warning"],
                         stdout=s_out, stderr=subprocess.STDOUT, env=env)
        proxy = spawn([sys.executable, "-m", "cmqconform", "proxy", "--upstream",
                       f"http://127.0.0.1:{up_port}", "--product", "cmq", "--listen",
                       f"127.0.0.1:{proxy_port}", "--record", str(cassette), "--report-dir",
                       str(report)], stdout=p_out, stderr=subprocess.STDOUT, env=env)
        try:
            wait_serving(f"http://127.0.0.1:{up_port}/", upstream, "serve", log=serve_log)
            wait_serving(f"http://127.0.0.1:{proxy_port}/", proxy, "proxy", log=proxy_log)
            api3_flow(f"http://127.0.0.1:{proxy_port}")
            proxy.send_signal(signal.SIGINT)
            assert wait_exit(proxy, 60, "cmqconform proxy") == 0, tail(proxy_log)
        finally:
            stop(proxy)
            stop(upstream)
    out = proxy_log.read_text()
    lines = [line for line in out.splitlines() if line.startswith("VIOLATION ")]
    # One line per violation: surface, action, clause id, doc line, expected, received.
    assert lines and all(
        line.split()[1:6] == ["response", "cmq.v3", line.split()[3], line.split()[4],
                              line.split()[5]] for line in lines)
    clauses = {line.split()[4] for line in lines}
    # The mutant stringifies every TotalCount; its catalog names two of them.
    assert clauses & set(mutant_catalog("cmq")[mutant].clauses), clauses
    assert all(c.endswith(".response.TotalCount") for c in clauses), clauses
    assert "exchange(s):" in out and "violation(s)" in out
    doc = json.loads((report / "results.json").read_text())
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    assert doc["target"]["kind"] == "proxy" and doc["interrupted"] is True
    assert doc["summary"]["fail"] == len(lines) and doc["summary"]["total"] >= 13
    failed = [c for c in doc["cases"] if c["verdict"] == "fail"]
    assert {cid for c in failed for cid in c["clause_ids"]} == clauses
    traffic = doc["coverage"]["traffic"]
    assert traffic["actions"]["cmq.v3"]["CreateQueue"] == 1
    assert set(traffic["clauses_broken"]) == clauses
    assert doc["coverage"]["clauses_tested"] == len(traffic["clauses_exercised"])
    assert (report / "report.html").exists()
    # No secret in any artifact, log or cassette.
    for path in [cassette, proxy_log, report / "results.json", report / "report.html"]:
        assert SKEY not in path.read_text(errors="replace"), path


def test_sigterm_with_a_dead_upstream_still_writes_the_reports(tmp_path: Path) -> None:
    port, dead = free_port(), free_port()
    log, report = tmp_path / "proxy.log", tmp_path / "report"
    with log.open("w") as out:
        proxy = spawn([sys.executable, "-m", "cmqconform", "proxy", "--upstream",
                       f"http://127.0.0.1:{dead}", "--listen", f"127.0.0.1:{port}",
                       "--report-dir", str(report), "--timeout", "2"],
                      stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_serving(f"http://127.0.0.1:{port}/", proxy, "proxy", log=log)
            proxy.send_signal(signal.SIGTERM)
            assert wait_exit(proxy, 60, "cmqconform proxy") == 0, tail(log)
        finally:
            stop(proxy)
    doc = json.loads((report / "results.json").read_text())
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    # wait_serving's probe got a 502: an error, never a violation.
    assert doc["summary"]["error"] >= 1 and doc["summary"]["fail"] == 0
    assert "VIOLATION" not in log.read_text()


def test_bad_options_are_one_clear_error(tmp_path: Path) -> None:
    from cmqconform.cli import main

    assert main(["proxy", "--upstream", "ftp://x"]) == 2
    assert main(["proxy", "--upstream", "http://127.0.0.1:1", "--product", "nope"]) == 2
    assert main(["replay", str(tmp_path / "missing.jsonl")]) == 2
