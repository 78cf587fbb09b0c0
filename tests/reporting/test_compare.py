"""`cmqconform compare`: the matrix, the baseline regression gate and its exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cmqconform.cli import main
from cmqconform.reporting.compare import cell_text, load_columns, matrix, regressions

from .conftest import SAMPLES

REF = SAMPLES / "reference-emulator.json"
BROKEN = SAMPLES / "broken-target.json"


def expected_regressions() -> set[tuple[str, str]]:
    """Computed from the fixtures directly: passed in the reference, fail/error when broken."""
    base = {(c["api"], c["id"]) for c in json.loads(REF.read_text())["cases"]
            if c["verdict"] == "pass"}
    return {(c["api"], c["id"]) for c in json.loads(BROKEN.read_text())["cases"]
            if c["verdict"] in ("fail", "error") and (c["api"], c["id"]) in base}


def test_matrix_rows_by_action_parameter_and_error_code() -> None:
    rows = {(r.group, r.api, r.label): r for r in matrix(load_columns([REF, BROKEN]))}
    create = rows["action", "cmq.v3", "CreateQueue"]
    assert [cell_text(c) for c in create.cells] == ["100% (18/18)", "83% (15/18)"]
    assert create.differs
    param = rows["param", "cmq.v3", "CreateQueue.QueueName"]
    n = sum(1 for c in json.loads(REF.read_text())["cases"]
            if any(i.startswith("cmq.v3.CreateQueue.QueueName.") for i in c["clause_ids"]))
    assert cell_text(param.cells[0]) == f"100% ({n}/{n})"
    assert param.cells[1] is not None and param.cells[1]["fail"] == 2
    assert not rows["action", "cmq.v3", "ClearSubscriptionFilterTags"].differs
    receive = rows["action", "cmq.legacy", "ReceiveMessage"]
    assert receive.cells[1] is not None and receive.cells[1]["error"] == 14
    errors = [r for r in rows.values() if r.group == "error"]
    assert ("error", "cmq.v3", "InvalidParameter | InvalidParameterValue") in rows
    assert all(r.label != "success" for r in errors)


def test_regressions_are_exactly_the_cases_that_passed_and_now_fail() -> None:
    base, broken = load_columns([REF, BROKEN])
    found = regressions(base, [broken])
    assert {(r.api, r.case_id) for r in found} == expected_regressions()
    assert len(found) == 22
    assert {r.verdict for r in found} == {"fail", "error"}
    # The xpass and the skips are not regressions.
    assert all(r.verdict != "xpass" for r in found)


def test_gate_exits_1_and_lists_each_regression(capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
    out = tmp_path / "matrix.md"
    assert main(["compare", "--baseline", str(REF), str(BROKEN), "--output", str(out)]) == 1
    err = capsys.readouterr().err
    assert "22 regression(s)" in err
    for api, case_id in expected_regressions():
        assert f"{api} {case_id} [broken-emulator]" in err
    text = out.read_text()
    assert "## Regressions against the baseline (22)" in text
    assert "| cmq.v3 | CreateQueue ≠ | 100% (18/18) | 83% (15/18) |" in text


def test_gate_exits_0_without_regression(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--baseline", str(REF), str(REF)]) == 0
    captured = capsys.readouterr()
    assert "no regression" in captured.err
    assert "## Actions" in captured.out
    # Going from broken to healthy is an improvement, never a regression.
    assert main(["compare", "--baseline", str(BROKEN), str(REF)]) == 0


def test_html_output_is_self_contained(tmp_path: Path) -> None:
    out = tmp_path / "compare.html"
    assert main(["compare", str(REF), str(BROKEN), "-o", str(out)]) == 0
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert "83% (15/18)" in html and "broken-emulator" in html
    assert "<link" not in html and " src=" not in html


@pytest.mark.parametrize("content", [None, "{", "[1, 2]", '{"cases": 3}', '{"name": "x"}'],
                         ids=["missing", "bad-json", "not-object", "cases-not-list", "no-cases"])
def test_unreadable_input_exits_2_naming_the_file(content: str | None, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content)
    assert main(["compare", str(REF), str(bad)]) == 2
    assert str(bad) in capsys.readouterr().err


def test_same_target_name_twice_gets_told_apart() -> None:
    columns = load_columns([REF, REF])
    assert columns[0].name != columns[1].name


def _real(tmp_path: Path, name: str) -> Path:
    """A stored real run (gzipped: 1,247 cases each), unpacked for the CLI."""
    import gzip

    out = tmp_path / name / "results.json"
    out.parent.mkdir()
    out.write_bytes(gzip.decompress((SAMPLES / "real" / f"{name}.json.gz").read_bytes()))
    return out


def test_gate_on_two_real_runs_one_against_a_broken_emulator(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``cmqconform run`` and ``cmqconform run --mutant range-max-unchecked``, both -n 2."""
    base, broken = _real(tmp_path, "reference"), _real(tmp_path, "mutant-range-max-unchecked")
    broken_doc = json.loads(broken.read_text())
    assert broken_doc["target"]["mutant"] == "range-max-unchecked"
    failing = {(c["api"], c["id"]) for c in broken_doc["cases"] if c["verdict"] == "fail"}
    assert len(failing) == broken_doc["summary"]["fail"] > 20
    out = tmp_path / "gate.md"
    assert main(["compare", "--baseline", str(base), str(broken), "-o", str(out)]) == 1
    listed = {tuple(line.split()[1:3]) for line in capsys.readouterr().err.splitlines()
              if line.startswith("  FAIL ")}
    assert listed == failing  # exactly the cases that passed before and fail now
    text = out.read_text()
    assert "embedded emulator (mutant range-max-unchecked)" in text
    # The mutant only stops checking maxima: every regression names a range clause.
    rows = [r for r in text.splitlines() if r.startswith("- **fail**")]
    assert len(rows) == len(failing) and all(".range" in r or "page_size" in r for r in rows)
    assert main(["compare", "--baseline", str(base), str(base), "-o", str(out)]) == 0


def test_matrix_groups_by_product_and_surface() -> None:
    """Rows per product and per surface come before actions, each counting all their cases."""
    rows = matrix(load_columns([REF]))
    groups = list(dict.fromkeys(r.group for r in rows))
    assert groups[:3] == ["product", "surface", "action"]
    product = next(r for r in rows if r.group == "product" and r.api == "cmq")
    surfaces = [r for r in rows if r.group == "surface"]
    assert {r.api for r in surfaces} == {"cmq.v3", "cmq.legacy"}
    total = sum(cell.total for r in surfaces for cell in r.cells if cell is not None)
    assert product.cells[0] is not None and product.cells[0].total == total
