"""Expectations files: the schema's format, one ConfigError naming file:line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmqconform.cli import main
from cmqconform.errors import ConfigError
from cmqconform.expectations import Expectation, load_expectations, lookup

GOOD = """\
- {clause: cmq.legacy.GetQueueAttributes.response.Bps, status: xfail, reason: returns null}
- case: "CreateQueue[VisibilityTimeout=43201]"
  status: disabled
  reason: slow on this target
"""


def write(tmp_path: Path, text: str, name: str = "expect.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_entries_load_and_disabled_wins(tmp_path: Path) -> None:
    entries = load_expectations(write(tmp_path, GOOD))
    assert entries == [
        Expectation("xfail", "returns null", clause="cmq.legacy.GetQueueAttributes.response.Bps"),
        Expectation("disabled", "slow on this target", case="CreateQueue[VisibilityTimeout=43201]"),
    ]
    both = [Expectation("xfail", "r", case="CreateQueue*"),
            Expectation("disabled", "s", clause="cmq.v3.CreateQueue.*")]
    hit = lookup(both, ["CreateQueue[DelaySeconds=-1]"], ["cmq.v3.CreateQueue.DelaySeconds"])
    assert hit is not None and hit.status == "disabled"


def test_no_file_and_empty_file_mean_no_entries(tmp_path: Path) -> None:
    assert load_expectations(None) == []
    assert load_expectations(write(tmp_path, "# nothing yet\n")) == []


@pytest.mark.parametrize(("text", "line", "field", "says"), [
    ("- {case: x, status: maybe, reason: r}\n", 1, "[0].status",
     "expected xfail or disabled, got 'maybe'"),
    ("- {case: x, reason: r}\n", 1, "[0].status", "missing (xfail or disabled)"),
    ("- {case: x, status: xfail}\n", 1, "[0].reason", "missing (why the target deviates)"),
    ("- case: x\n  status: xfail\n  reason: '  '\n", 3, "[0].reason",
     "expected a non-empty reason, got '  '"),
    ("- {case: x, status: xfail, reason: r}\n- {status: xfail, reason: r}\n", 2, "[1]",
     "give exactly one of 'case' or 'clause'"),
    ("- {case: x, clause: y, status: xfail, reason: r}\n", 1, "[0]",
     "give exactly one of 'case' or 'clause'"),
    ("- {case: x, status: xfail, reason: r, resaon: s}\n", 1, "[0].resaon",
     "unknown key (known: case, clause, reason, status)"),
    ("- {case: 7, status: xfail, reason: r}\n", 1, "[0].case",
     "expected a test name, node id or clause id (globs allowed), got 7"),
    ("- {case: x, status: xfail, reason: r}\n\n- just text\n", 3, "[1]",
     "expected a mapping, got string"),
    ("case: x\nstatus: xfail\n", 1, "<root>", "expected a list of entries, got mapping"),
])
def test_bad_entry_is_named_with_file_line_and_field(tmp_path: Path, text: str, line: int,
                                                     field: str, says: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_expectations(path)
    message = str(info.value)
    assert message.startswith(f"{path}: invalid expectations (")
    assert f"\n  - {path}:{line}: {field}: {says}" in message


def test_every_bad_entry_in_one_error(tmp_path: Path) -> None:
    path = write(tmp_path, "- {case: x, status: maybe, reason: r}\n- {clause: y, status: xfail}\n")
    with pytest.raises(ConfigError, match=r"invalid expectations \(2 problems\)") as info:
        load_expectations(path)
    assert f"{path}:1: [0].status" in str(info.value)
    assert f"{path}:2: [1].reason" in str(info.value)


@pytest.mark.parametrize(("text", "says"), [
    ("- {case: x, status: xfail\n", ":2: invalid YAML: "),
    ("- {case: x, status: xfail, status: disabled, reason: r}\n", ":1: duplicate key 'status'"),
])
def test_bad_yaml_names_the_line(tmp_path: Path, text: str, says: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=r"^" + str(path) + says):
        load_expectations(path)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read expectations file"):
        load_expectations(tmp_path / "absent.yaml")


def test_cli_names_the_bad_file_without_traceback(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "- {case: x, status: maybe, reason: r}\n")
    code = main(["run", "--expectations", str(path), "--report-dir", str(tmp_path / "out"),
                 "-q"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert err == (f"cmqconform: {path}: invalid expectations (1 problem):\n"
                   f"  - {path}:1: [0].status: expected xfail or disabled, got 'maybe'\n")


def test_docs_examples_are_true(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/targets.md: its expectations example loads, its error example is what we print."""
    text = (Path(__file__).parents[1] / "docs" / "targets.md").read_text(encoding="utf-8")
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    entries = load_expectations(write(tmp_path, example))
    assert [e.status for e in entries] == ["xfail", "disabled"]
    shown = text.split("invalid expectations (", 1)[0].rsplit("```\n", 1)[1]
    shown += "invalid expectations (" + text.split("invalid expectations (", 1)[1].split("```")[0]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "expectations").mkdir()
    write(tmp_path, "- {case: x, status: maybe, reason: r}\n- {status: xfail, reason: r}\n",
          "expectations/tencent-cloud.yaml")
    with pytest.raises(ConfigError) as info:
        load_expectations("expectations/tencent-cloud.yaml")
    assert str(info.value) == shown.strip()
