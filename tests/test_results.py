"""results.json: JSON lines as the run goes, assembled into a schema-valid document."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from jsonschema import Draft202012Validator

from cmqconform.results import CaseLog, RunInfo, assemble, record
from cmqconform.verdicts import Verdict


def test_partial_log_still_assembles(tmp_path: Path) -> None:
    log = CaseLog(tmp_path, "w0")
    log.write(record(Verdict("a", "pass", ("c.1",), "success", "success", api="cmq.v3",
                             action="CreateQueue")))
    log.write(record(Verdict("b", "error", (), "success", "no answer", "reset")))
    log.close()
    with (tmp_path / ".cases" / "w0.jsonl").open("a") as torn:
        torn.write('{"id": "c", "verd')  # a writer killed mid-line
    doc = assemble(tmp_path, RunInfo({"name": "t"}, "2026-01-01T00:00:00+00:00"),
                   {"clauses_total": 1, "clauses_tested": 1, "clauses_ineligible": 0})
    assert doc["summary"]["total"] == 2 and doc["summary"]["error"] == 1
    schema = json.loads(resources.files("cmqconform").joinpath(
        "schemas/results.schema.json").read_text())
    Draft202012Validator(schema).validate(json.loads((tmp_path / "results.json").read_text()))
