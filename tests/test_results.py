"""results.json: JSON lines as the run goes, assembled into a schema-valid, enriched document."""

from __future__ import annotations

import json
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from cmqconform import cases
from cmqconform.cases import generate
from cmqconform.pytest_plugin import skip_reason
from cmqconform.results import (
    CaseLog,
    CaseTail,
    RunInfo,
    assemble,
    derive_api_action,
    record,
    write_collected,
    write_run_meta,
)
from cmqconform.runner import case_verdict
from cmqconform.spec import load_specs
from cmqconform.verdicts import Case, Verdict

COVERAGE = {"clauses_total": 1, "clauses_tested": 1, "clauses_ineligible": 0}
INFO = RunInfo({"name": "http://u:pw@127.0.0.1:1", "embedded": False,
                "url": "http://u:pw@127.0.0.1:1"},
               "2026-01-01T00:00:00+00:00", ("cmq.v3", "cmq.legacy"))


def validate(doc: dict[str, Any]) -> None:
    """Validate against the schema shipped in the package."""
    schema = json.loads(resources.files("cmqconform").joinpath(
        "schemas/results.schema.json").read_text())
    Draft202012Validator(schema).validate(doc)


def test_partial_log_still_assembles(tmp_path: Path) -> None:
    log = CaseLog(tmp_path, "w0")
    log.write(record(Verdict("a", "pass", ("c.1",), "success", "success", api="cmq.v3",
                             action="CreateQueue")))
    log.write(record(Verdict("b", "error", (), "success", "no answer", "reset")))
    log.close()
    with (tmp_path / ".cases" / "w0.jsonl").open("a") as torn:
        torn.write('{"id": "c", "verd')  # a writer killed mid-line
    doc = assemble(tmp_path, RunInfo({"name": "t"}, "2026-01-01T00:00:00+00:00"), COVERAGE)
    assert doc["summary"]["total"] == 2 and doc["summary"]["error"] == 1
    validate(json.loads((tmp_path / "results.json").read_text()))


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085", "\x1c", "\x0b"])
def test_a_record_whose_text_holds_a_line_separator_is_never_dropped(tmp_path: Path,
                                                                     separator: str) -> None:
    """A target's message may hold any character; a record ends only at its newline."""
    log = CaseLog(tmp_path, "w0")
    log.write(record(Verdict("a", "fail", (), "success", f"Error{separator}Message", "x")))
    log.write(record(Verdict("b", "pass", (), "success", "success")))
    log.close()
    doc = assemble(tmp_path, RunInfo({"name": "t"}, "2026-01-01T00:00:00+00:00"), COVERAGE)
    assert doc["summary"]["total"] == 2 and doc["summary"]["fail"] == 1
    assert CaseTail(tmp_path).new_records()[0]["id"] == "a"


def test_collected_cases_without_a_record_are_counted_as_missing(tmp_path: Path) -> None:
    write_collected(tmp_path, "gw0", 3)
    write_collected(tmp_path, "gw1", 3)  # every worker collects the whole selection
    log = CaseLog(tmp_path, "gw0")
    log.write(record(Verdict("a", "pass", (), "success", "success")))
    log.close()
    doc = assemble(tmp_path, RunInfo({"name": "t"}, "2026-01-01T00:00:00+00:00"), COVERAGE)
    assert (doc["summary"]["collected"], doc["summary"]["missing"]) == (3, 2)
    validate(doc)


def test_same_id_on_two_surfaces_is_two_cases(tmp_path: Path) -> None:
    log = CaseLog(tmp_path, "w0")
    for api in ("cmq.v3", "cmq.legacy", "cmq.v3"):  # the v3 one twice: a retried item
        log.write(record(Verdict("CreateQueue[x]", "pass", (), "success", "success", api=api,
                                 action="CreateQueue")))
    log.close()
    doc = assemble(tmp_path, INFO, COVERAGE)
    assert sorted(c["api"] for c in doc["cases"]) == ["cmq.legacy", "cmq.v3"]
    assert doc["summary"]["total"] == 2


def test_behaviour_records_get_surface_and_action_from_clause_ids() -> None:
    assert derive_api_action(["cmq.v3.auth.signature_failure",
                              "cmq.legacy.SendMessage.body_max_size"]) == ("cmq.v3", None)
    assert derive_api_action(["cmq.legacy.condition.x", "cmq.legacy.ReceiveMessage.long_polling"]
                             ) == ("cmq.legacy", "ReceiveMessage")
    # Any product's surface: the id's first two parts name it, its third part the action.
    assert derive_api_action(["tdmq.v3.SendMessages.Topic.required"]) == ("tdmq.v3",
                                                                          "SendMessages")
    # Ids too short (or with an empty part) to name a surface name none.
    assert derive_api_action(["notaclause", "cmq.v3", ".v3.CreateQueue", "cmq..x"]
                             ) == (None, None)


def _generated(case_id: str) -> Case:
    return next(c for c in generate(load_specs(), ["cmq.v3"]) if c.id == case_id)


def test_a_record_carries_the_structured_expectation() -> None:
    clauses = {c.id: c for c in load_specs().all_clauses()}
    case = _generated("CreateQueue[VisibilityTimeout=43201]")
    rec = record(case_verdict(case, "pass", "InvalidParameter"), clauses=clauses)
    assert rec["kind"] == "range" and rec["case_kind"] == "invalid"
    assert rec["expected_codes"] == [{"code": "InvalidParameterValue"},
                                     {"code": "InvalidParameter"}]
    assert rec["expected_outcome"] == {
        "outcome": "error", "accept": rec["expected_codes"], "conditions": ["out_of_range"],
        "errata": ["v3-validation-code"], "source": rec["source"]}
    assert rec["source"] == str(case.expected.source) and rec["errata"] == ["v3-validation-code"]
    # A verdict without a doc line of its own (an item disabled before it ran) takes the
    # expectation's.
    bare = Verdict(case.id, "disabled", case.clause_ids, "", "", expects=case.expected)
    assert record(bare, clauses=clauses)["source"] == str(case.expected.source)
    scenario = record(Verdict("behaviour/test_auth.py::test_x", "pass",
                              ("cmq.v3.auth.missing_auth",), "", ""), clauses=clauses)
    assert scenario["kind"] == "auth" and scenario["errata"] == ["v3-missing-auth-code"]
    assert scenario["expected_codes"] is None and scenario["expected_outcome"] is None
    assert "case_kind" not in scenario


def test_assembled_document_carries_what_reports_need(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    specs = load_specs()
    clauses = {c.id: c for c in specs.all_clauses()}
    case = _generated("CreateQueue[VisibilityTimeout=43201]")
    node_id = "generated/cmq.v3.spec::CreateQueue[VisibilityTimeout=43201]"
    log = CaseLog(tmp_path, "w0")
    log.write(record(replace(case_verdict(case, "pass", "InvalidParameter"), case_id=node_id),
                     clauses=clauses))
    log.write(record(Verdict("behaviour/test_messages.py::test_long_poll", "fail",
                             ("cmq.legacy.ReceiveMessage.long_polling",), "", "", "late"),
                     clauses=clauses))
    log.close()
    write_run_meta(tmp_path, {"argv": ["cmqconform", "run", "--target", "http://u:pw@h:1"],
                              "workers": 2})

    def no_generation(*args: object) -> None:
        raise AssertionError("assembling results.json must not generate cases")

    monkeypatch.setattr(cases, "generate", no_generation)
    doc = assemble(tmp_path, INFO, COVERAGE)
    validate(doc)
    generated, behaviour = doc["cases"]
    assert generated["id"] == node_id
    assert generated["kind"] == "range" and generated["case_kind"] == "invalid"
    codes = {c["code"] for c in generated["expected_codes"]}
    assert "InvalidParameter" in codes
    assert generated["expected_outcome"]["conditions"] == ["out_of_range"]
    assert "v3-validation-code" in generated["errata"]
    assert behaviour["api"] == "cmq.legacy" and behaviour["action"] == "ReceiveMessage"
    assert behaviour["kind"] == "semantics" and behaviour["expected_codes"] is None
    # Metadata: versions, workers, argv and target URL without the password.
    assert doc["run"]["workers"] == 2 and doc["run"]["python"]
    assert "pw" not in json.dumps(doc["run"]) and "pw" not in json.dumps(doc["target"])
    assert doc["target"]["kind"] == "url"
    ids = {e["id"] for e in doc["errata"]}
    assert ids == set(specs.errata) and all(e["reading"] for e in doc["errata"])
    used = next(e for e in doc["errata"] if e["id"] == "v3-validation-code")
    assert used["cases"] == 1
    # Nothing tested but two clauses: the rest of the ineligible rules' clauses are listed.
    assert doc["coverage"]["ineligible"] and all(
        i["reason"] for i in doc["coverage"]["ineligible"])


def test_tail_reads_only_whole_new_lines(tmp_path: Path) -> None:
    tail = CaseTail(tmp_path)
    assert tail.new_records() == [] and tail.collected() is None
    log = CaseLog(tmp_path, "gw0")
    log.write({"id": "a", "verdict": "pass"})
    assert [r["id"] for r in tail.new_records()] == ["a"]
    with log.path.open("a") as raw:
        raw.write('{"id": "b", "verdict": "fa')  # a record being written
    assert tail.new_records() == []
    with log.path.open("a") as raw:
        raw.write('il"}\n')
    other = CaseLog(tmp_path, "gw1")
    other.write({"id": "c", "verdict": "pass"})
    assert sorted(r["id"] for r in tail.new_records()) == ["b", "c"]
    assert tail.new_records() == []
    log.close()
    other.close()
    write_collected(tmp_path, "gw0", 40)
    write_collected(tmp_path, "gw1", 40)
    assert tail.collected() == 40


def test_a_skip_message_is_its_reason() -> None:
    raw = "('/w/suites/behaviour/test_x.py', 23, 'Skipped: the target declares no legacy rate')"
    assert skip_reason(raw) == "the target declares no legacy rate"
    assert skip_reason("(not a tuple") == "(not a tuple"
    assert skip_reason("plain reason") == "plain reason"
