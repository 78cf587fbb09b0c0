"""How ``cmqconform run`` stops: one SIGINT for pytest however many signals come at once, a kill
only when forced, and results.json from the case logs when pytest could not write it."""

from __future__ import annotations

import argparse
import json
import signal
from pathlib import Path

import jsonschema

from cmqconform import run as run_module
from cmqconform.results import CaseLog, record, write_collected
from cmqconform.run import FORCE_AFTER_SECONDS, STOP_GRACE_SECONDS, Stop, fallback_results
from cmqconform.verdicts import Verdict

SCHEMA = Path(__file__).resolve().parents[1] / "cmqconform" / "schemas" / "results.schema.json"


def test_signals_close_together_are_one_and_a_late_one_forces() -> None:
    stop = Stop()
    assert stop.reason is None and not stop.force_due(0.0)
    stop.signals += [("SIGINT", 100.0), ("SIGINT", 100.1)]
    assert stop.reason == "interrupted (SIGINT)"
    assert not stop.force_due(100.2)
    assert stop.force_due(100.0 + STOP_GRACE_SECONDS + 1)
    stop.signals.append(("SIGTERM", 100.0 + FORCE_AFTER_SECONDS + 0.5))
    assert stop.force_due(104.0)
    stop.forced = True
    assert stop.reason == "interrupted (SIGINT; pytest was killed, the sweep may not have run)"


def test_the_handler_notes_a_signal_without_raising() -> None:
    stop = Stop()
    stop.handler(signal.SIGTERM, None)
    assert stop.signals[0][0] == "SIGTERM"


def test_results_from_the_case_logs_when_pytest_was_killed(tmp_path: Path) -> None:
    log = CaseLog(tmp_path, "main-1")
    for n in range(2):
        log.write(record(Verdict(f"case{n}", "pass", ("cmq.v3.CreateQueue.creates_queue",),
                                 "", "", api="cmq.v3", action="CreateQueue")))
    log.close()
    write_collected(tmp_path, "main", 5)
    args = argparse.Namespace(product="cmq", api="all", target="http://u:pw@127.0.0.1:9")
    ended = "interrupted (SIGINT; pytest was killed, the sweep may not have run)"
    fallback_results(args, tmp_path, "2026-01-01T00:00:00+00:00", ended)
    doc = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert doc["interrupted"] is True and doc["ended"] == ended
    assert doc["summary"]["pass"] == 2 and doc["summary"]["missing"] == 3
    assert "pw" not in json.dumps(doc["target"])
    assert doc["coverage"]["clauses_tested"] >= 1


def test_ended_is_amended_atomically(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"ended": "interrupted (SIGINT)", "x": 1}), encoding="utf-8")
    run_module.amend_ended(results, "interrupted (SIGTERM)")
    assert json.loads(results.read_text(encoding="utf-8")) == {
        "ended": "interrupted (SIGTERM)", "x": 1}
    assert not (tmp_path / "results.json.tmp").exists()
