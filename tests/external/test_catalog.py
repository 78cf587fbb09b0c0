"""The external deviation catalog: the bundled one loads, a malformed entry is a clear error
naming file, line and field (exit 2), and ``mutate --external --list`` prints every entry."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from cmqconform.errors import ConfigError, SpecError
from cmqconform.external.catalog import load_catalog, lookup
from cmqconform.external.run import catalog_table, score_table
from cmqconform.products.cmq.mutants import CATALOG as OWN_MUTANTS
from tests.processes import run

GOOD = """\
version: 1
deviations:
  - name: one
    statement: "msgBody String Body of the consumed message."
    source: cmq-api.txt:5363
    surface: cmq.legacy
    actions: [ReceiveMessage]
    clauses: [cmq.legacy.ReceiveMessage.response.msgBody]
    transform: {op: text, path: msgBody, how: rstrip}
"""


def test_bundled_catalog_has_forty_doc_derived_deviations_apart_from_the_mutants() -> None:
    """At least 40 entries, each citing the doc, none named like an emulator mutant."""
    catalog = load_catalog()
    assert len(catalog) >= 40
    own = {m.name for m in OWN_MUTANTS}
    assert not own & {d.name for d in catalog}
    assert all(d.source.startswith("cmq-api.txt:") for d in catalog)
    assert {d.side for d in catalog} == {"request", "response"}


def test_a_good_entry_loads(tmp_path: Path) -> None:
    """A minimal valid catalog gives one deviation with its selectors."""
    path = tmp_path / "c.yaml"
    path.write_text(GOOD, encoding="utf-8")
    (one,) = load_catalog(path)
    assert one.selectors() == ("~cmq.legacy.ReceiveMessage.",
                               "~cmq.legacy.ReceiveMessage.response.msgBody")
    assert one.applies("cmq.legacy", "ReceiveMessage") and not one.applies("cmq.v3", "X")


@pytest.mark.parametrize(("old", "new", "line", "expected"), [
    ("    transform: {op: text, path: msgBody, how: rstrip}\n", "", 3, "missing field 'transform'"),
    ("how: rstrip", "how: sideways", 9, "field 'transform': text rewrite 'sideways'"),
    ("op: text", "op: explode", 9, "field 'transform': unknown op 'explode'"),
    ("cmq-api.txt:5363", "cmq-api.txt:999999", 5, "field 'source': line 999999 is outside"),
    ("cmq-api.txt:5363", "nowhere", 5, "field 'source': 'nowhere' is not DOC:LINE"),
    ("msgBody]", "noSuchMember]", 8, "field 'clauses': no clause "
                                     "'cmq.legacy.ReceiveMessage.response.noSuchMember'"),
    ("[ReceiveMessage]", "[Fly]", 7, "field 'actions': cmq.legacy has no action 'Fly'"),
    ("cmq.legacy\n", "cmq.nope\n", 6, "field 'surface': no surface 'cmq.nope'"),
    ("name: one", "name: One Two", 3, "field 'name'"),
    ("    surface:", "    colour: red\n    surface:", 6, "field 'colour': unknown field"),
])
def test_a_malformed_entry_names_file_line_and_field(tmp_path: Path, old: str, new: str,
                                                     line: int, expected: str) -> None:
    """Each mistake is one SpecError naming the file, the line and the field."""
    path = tmp_path / "c.yaml"
    assert old in GOOD
    path.write_text(GOOD.replace(old, new), encoding="utf-8")
    with pytest.raises(SpecError) as err:
        load_catalog(path)
    message = str(err.value)
    assert message.startswith(f"{path}:{line}: deviation #1"), message
    assert expected in message


def test_unknown_only_names_the_valid_ones() -> None:
    """An unknown deviation name is a usage error listing the catalog."""
    with pytest.raises(ConfigError, match=r"valid names: .*receive-body-base64"):
        lookup(load_catalog(), "nope")


def test_cli_bad_catalog_exits_2_without_traceback(tmp_path: Path) -> None:
    """``mutate --external --catalog BAD`` exits 2 with one line naming file, line and field."""
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace("how: rstrip", "how: sideways"), encoding="utf-8")
    proc = run([sys.executable, "-m", "cmqconform.cli", "mutate", "--external", "--list",
                "--catalog", str(path)], timeout=120)
    assert proc.returncode == 2
    assert f"{path}:9: deviation #1 (one): field 'transform'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_list_prints_every_deviation_and_the_docs_quote_it() -> None:
    """``mutate --external --list`` has a row per deviation; docs/mutants.md holds it verbatim."""
    proc = run([sys.executable, "-m", "cmqconform.cli", "mutate", "--external", "--list"],
               timeout=120)
    assert proc.returncode == 0, proc.stderr
    catalog = load_catalog()
    assert proc.stdout == catalog_table(catalog)
    for d in catalog:
        assert f"| `{d.name}` | {d.source}" in proc.stdout
    docs = (Path(__file__).parents[2] / "docs" / "mutants.md").read_text(encoding="utf-8")
    assert proc.stdout in docs, "docs/mutants.md: paste `cmqconform mutate --external --list`"


def test_docs_quote_the_committed_external_score() -> None:
    """reports/mutation/external.json covers the whole catalog, and docs/mutants.md carries its
    score rows (per deviation the clause ids that catch it)."""
    root = Path(__file__).parents[2]
    report = json.loads((root / "reports" / "mutation" / "external.json").read_text("utf-8"))
    assert [r["deviation"] for r in report["results"]] == [d.name for d in load_catalog()], (
        "reports/mutation/external.json is stale: run cmqconform mutate --external")
    docs = (root / "docs" / "mutants.md").read_text(encoding="utf-8")
    assert "\n".join(score_table(report["results"])) in docs, (
        "docs/mutants.md: paste the table of reports/mutation/external.md")


@pytest.mark.parametrize("argv", [["--external", "--full"], ["--target", "t.toml"],
                                  ["--external", "--only", "nope"]])
def test_mismatched_options_are_usage_errors(argv: list[str]) -> None:
    """Options of the other mode, or an unknown deviation, exit 2 with one line."""
    proc = run([sys.executable, "-m", "cmqconform.cli", "mutate", *argv], timeout=120)
    assert proc.returncode == 2 and proc.stderr.startswith("cmqconform: "), proc.stderr
    assert "Traceback" not in proc.stderr
