"""The baseline gate refuses runs it cannot judge: one line each, with the reason, exit 2."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from cmqconform.cli import main

from .conftest import SAMPLES

REF = SAMPLES / "reference-emulator.json"


def _write(tmp_path: Path, name: str, doc: dict[str, Any]) -> str:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(doc))
    return str(path)


def _base() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(REF.read_text())
    return doc


def _gate(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    code = main(["compare", "-o", "/dev/null", *argv])
    return code, [line for line in capsys.readouterr().err.splitlines() if line.strip()]


def test_the_same_run_passes_the_gate(capsys: pytest.CaptureFixture[str]) -> None:
    assert _gate(capsys, "--baseline", str(REF), str(REF))[0] == 0


@pytest.mark.parametrize(("name", "change", "reason"), [
    ("empty", lambda d: d.update(cases=[], summary={"total": 0}), "the run has 0 cases"),
    ("interrupted", lambda d: d.update(interrupted=True, cases=d["cases"][:-40]),
     "the run was interrupted"),
    ("subset", lambda d: d.update(cases=d["cases"][:100],
                                  run={"argv": ["cmqconform", "run", "-k", "Queue"]}),
     "selected a subset (-k)"),
    ("unrecorded", lambda d: d["summary"].update(missing=3, collected=10),
     "3 of 10 collected cases have no result"),
])
def test_an_unfit_run_is_refused_with_one_line(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path, name: str, change: Any,
                                               reason: str) -> None:
    doc = _base()
    change(doc)
    path = _write(tmp_path, name, doc)
    code, lines = _gate(capsys, "--baseline", str(REF), path)
    assert code == 2
    refused = [line for line in lines if reason in line]
    assert len(refused) == 1 and refused[0].startswith(f"cmqconform compare: {path}: refused: ")


def test_cases_missing_from_the_new_run_are_named(capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path) -> None:
    doc = _base()
    gone = doc["cases"].pop(5)
    code, lines = _gate(capsys, "--baseline", str(REF), _write(tmp_path, "fewer", doc))
    assert code == 2
    total = len(_base()["cases"])
    [line] = [x for x in lines if "missing from this run" in x]
    assert f"1 of {total} baseline cases" in line and gone["id"] in line


def test_a_declared_subset_is_gated_on_what_it_holds(capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    doc = _base()
    doc["cases"] = doc["cases"][:100]
    doc["run"] = {"argv": ["cmqconform", "run", "-k", "Queue"]}
    code, lines = _gate(capsys, "--baseline", str(REF), "--subset",
                        _write(tmp_path, "subset", doc))
    assert code == 0
    assert any("baseline cases not in this run (declared subset)" in x for x in lines)


def test_a_case_skipped_in_the_baseline_that_fails_now_is_a_regression(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    base = _base()
    case = next(c for c in base["cases"] if c["verdict"] == "pass")
    now = copy.deepcopy(base)
    case["verdict"] = "skip"
    now_case = next(c for c in now["cases"] if c["id"] == case["id"] and c["api"] == case["api"])
    now_case.update(verdict="fail", message="broken now")
    code, lines = _gate(capsys, "--baseline", _write(tmp_path, "base", base),
                        _write(tmp_path, "now", now))
    assert code == 1
    assert any(case["id"] in x and "(was skip in the baseline)" in x for x in lines)
