"""The ineligible list (suites/ineligible.yaml): the schema's format, problems at file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmqconform import coverage as coverage_module
from cmqconform.cli import main
from cmqconform.configschema import schema
from cmqconform.coverage import Ineligible, load_ineligible
from cmqconform.errors import ConfigError
from cmqconform.models import CATEGORIES


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ineligible.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_list_is_valid() -> None:
    rules = load_ineligible()
    assert rules and all(rule.reason.strip() for rule in rules)
    assert Ineligible("cmq.v3.*.rate_limit", rules[0].reason, "limit") == rules[0]


def test_rules_load_with_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, "ineligible:\n  - {category: auth, reason: r}\n"
                           "  - {clauses: 'cmq.*.x', reason: s}\n")
    assert load_ineligible(path) == [Ineligible("*", "r", "auth"), Ineligible("cmq.*.x", "s")]
    assert load_ineligible(tmp_path / "absent.yaml") == []
    assert load_ineligible(write(tmp_path, "")) == []


def test_schema_categories_are_the_models() -> None:
    rule = schema("ineligible")["properties"]["ineligible"]["items"]
    assert tuple(rule["properties"]["category"]["enum"]) == CATEGORIES


@pytest.mark.parametrize(("text", "line", "field", "says"), [
    ("ineligible:\n  - {clauses: x, reason: r}\n  - reason: r\n", 3, "ineligible[1]",
     "needs 'clauses' or 'category'"),
    ("ineligible:\n  - {clauses: x}\n", 2, "ineligible[0].reason",
     "missing (why no suite tests these clauses)"),
    ("ineligible:\n  - clauses: x\n    reason: ''\n", 3, "ineligible[0].reason",
     "expected a non-empty reason, got ''"),
    ("ineligible:\n  - {category: nope, reason: r}\n", 2, "ineligible[0].category",
     "expected a clause category (required, range"),
    ("ineligible:\n  - {clauses: x, reason: r, why: s}\n", 2, "ineligible[0].why",
     "unknown key (known: category, clauses, reason)"),
    ("ineligible:\n  - {clauses: x, reason: r}\nineligable: []\n", 3, "ineligable",
     "unknown key (known: ineligible)"),
    ("ineligible: {clauses: x, reason: r}\n", 1, "ineligible",
     "expected a list of rules, got mapping"),
])
def test_bad_rule_is_named_with_file_line_and_field(tmp_path: Path, text: str, line: int,
                                                    field: str, says: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_ineligible(path)
    message = str(info.value)
    assert message.startswith(f"{path}: invalid ineligible list (1 problem):\n")
    assert f"\n  - {path}:{line}: {field}: {says}" in message


def test_cli_names_a_bad_list_without_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "ineligible:\n  - {clauses: x}\n")
    monkeypatch.setattr(coverage_module, "SUITES", tmp_path)
    code = main(["run", "--report-dir", str(tmp_path / "out"), "-q"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    path = tmp_path / "ineligible.yaml"
    assert err == (f"cmqconform: {path}: invalid ineligible list (1 problem):\n"
                   f"  - {path}:2: ineligible[0].reason: missing (why no suite tests these "
                   "clauses)\n")
