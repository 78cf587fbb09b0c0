"""``cmqconform mutate``: judging catches, the selection plugin, reports, and one run end to end."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from cmqconform import mutate
from cmqconform.products.cmq.mutants import BY_NAME, CATALOG
from tests.processes import run

pytest_plugins = ["pytester"]


def _case(test: str, verdict: str, message: str = "") -> dict[str, object]:
    return {"id": test, "verdict": verdict, "clause_ids": [f"cmq.v3.{test}"], "message": message}


def test_catches_need_a_baseline_pass_and_prefer_fails() -> None:
    """Fails first, then deviation errors; transport errors and baseline failures never catch."""
    baseline = [_case("a", "pass"), _case("b", "pass"), _case("c", "fail"), _case("d", "pass"),
                _case("e", "pass"), _case("f", "skip")]
    mutated = [_case("b", "error", "undecodable cmq.v3 response: no 'Response'"),
               _case("a", "fail", "expected success"), _case("c", "fail"),
               _case("d", "error", "no answer (ConnectError: [Errno 111] Connection refused)"),
               _case("e", "pass"), _case("f", "fail")]
    found = mutate.catches(baseline, mutated)
    assert [(c.test, c.verdict) for c in found] == [("a", "fail"), ("b", "error")]
    assert found[0].clause_ids == ("cmq.v3.a",)


def test_attribution_names_the_rule_or_calls_it_an_accident() -> None:
    """A catch names a mutant's rule through its case's clause ids or those its failure names;
    a mutant caught only by catches naming none is "caught by accident"."""
    mutant = BY_NAME["v3-error-message-missing"]
    base = [{"id": "a", "verdict": "pass"}, {"id": "b", "verdict": "pass"}]
    named = {"id": "a", "verdict": "fail", "clause_ids": ["cmq.v3.condition.queue_not_found"],
             "message": "received an answer breaking the envelope: 'Response.Error' has no "
                        "'Message' member (cmq.v3.protocol.content_type_json)"}
    other = {"id": "b", "verdict": "fail", "clause_ids": ["cmq.v3.condition.queue_not_found"],
             "message": "expected ResourceNotFound"}
    on_rule = mutate.MutantOutcome(mutant, mutate.catches(base, [named, other]), 2, 1.0)
    assert on_rule.state == "caught" and [c.test for c in on_rule.on_rule] == ["a"]
    assert on_rule.caught_by[0].named == ("cmq.v3.protocol.content_type_json",)
    accident = mutate.MutantOutcome(mutant, mutate.catches(base, [other]), 2, 1.0)
    assert accident.state == "caught by accident" and accident.on_rule == ()
    generic = mutate.Mutant("range-max-unchecked", "validation", "", ("<surface>.*.range",))
    catch = mutate.Catch("t", ("trtc.v3.StartMCUMixTranscode.SdkAppId.range",), "fail", "")
    assert catch.names_rule_of(generic)


def test_is_deviation_tells_transport_trouble_apart() -> None:
    """Timeouts, refused connections and strict xpasses are not deviations; a KeyError is."""
    assert not mutate.is_deviation({"message": "httpx.ReadTimeout: timed out"})
    assert not mutate.is_deviation({"message": "[XPASS(strict)] known emulator gap"})
    assert mutate.is_deviation({"message": "KeyError: 'msgId'"})


SELECTED = '''
import pytest

@pytest.mark.clause("cmq.v3.CreateQueue.QueueName.pattern")
def test_pattern():
    pass

@pytest.mark.invalid
def test_marked():
    pass

def test_other():
    pass
'''


@pytest.mark.parametrize(("selector", "kept"), [
    ("test_sel.py::test_pattern", ["test_pattern"]),
    ("@invalid", ["test_marked"]),
    ("~cmq.v3.CreateQueue", ["test_pattern"]),
    ("test_sel.py @invalid", ["test_marked"]),
    ("test_sel.py::test_other @invalid", []),
    ("*::test_o*", ["test_other"]),
    ("~*.pattern", ["test_pattern"]),
])
def test_selection_plugin(pytester: pytest.Pytester, selector: str, kept: list[str]) -> None:
    """--cmq-select keeps what any selector matches; a selector's tokens must all match."""
    pytester.makepyfile(test_sel=SELECTED)
    pytester.makeini("[pytest]\nmarkers =\n    invalid: x\n")
    recorder = pytester.inline_run("-p", "cmqconform.mutate_select", f"--cmq-select={selector}",
                                   "-p", "no:xdist")
    reports = recorder.getreports("pytest_runtest_logreport")
    passed = sorted(r.nodeid.split("::")[-1] for r in reports if r.when == "call" and r.passed)
    assert passed == sorted(kept)


def test_catalog_table_lists_every_mutant() -> None:
    """``mutate --list`` (docs/mutants.md) has one row per mutant with its clause ids."""
    table = mutate.catalog_table()
    for m in CATALOG:
        assert f"`{m.name}`" in table and m.clauses[0] in table
    assert "Equivalent:" in table


def test_unknown_only_is_a_usage_error() -> None:
    """``mutate --only`` with an unknown name exits 2 naming the valid ones."""
    proc = run([sys.executable, "-m", "cmqconform.cli", "mutate", "--only", "nope"], timeout=120)
    assert proc.returncode == 2
    assert "unknown mutant 'nope'" in proc.stderr and "delay-ignored" in proc.stderr


def test_mutate_two_mutants_end_to_end(tmp_path: Path) -> None:
    """Two cheap mutants against their own emulators: both caught (twice), reports written."""
    names = ["delay-ignored", "v3-filter-tags-hidden"]
    report = tmp_path / "mutation"
    argv = [sys.executable, "-m", "cmqconform.cli", "mutate", "--json", "-j", "2", "--confirm",
            "--report-dir", str(report), *(f"--only={n}" for n in names)]
    proc = run(argv, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = json.loads(proc.stdout)
    assert (summary["mutants"], summary["caught"], summary["score"]) == (2, 2, 1.0)
    for result in summary["results"]:
        assert result["mutant"] in names and result["caught"]
        clauses = {c for t in result["caught_by"] for c in t["clause_ids"]}
        assert clauses & set(BY_NAME[result["mutant"]].clauses), result
    doc = json.loads((report / "results.json").read_text(encoding="utf-8"))
    assert set(doc["baseline"]) == {"delay", "consistency"}
    assert all(not b["not_passing"] for b in doc["baseline"].values())
    assert "| `delay-ignored` | delay | caught by" in (report / "mutation.md").read_text()


def test_collect_paths_narrow_to_the_selected_files() -> None:
    """Behaviour-only selections never collect the generated cases; marker-only ones take all."""
    suites = mutate.SUITES
    assert mutate.collect_paths(["behaviour/test_rewind.py::test_x", "behaviour/test_rewind.py"]) \
        == [suites / "behaviour/test_rewind.py"]
    assert mutate.collect_paths(["generated/*baseline*"]) == [suites / "generated"]
    assert mutate.collect_paths(["@valid"]) == [suites]
    assert mutate.collect_paths(["behaviour/no_such_file.py"]) == [suites]
