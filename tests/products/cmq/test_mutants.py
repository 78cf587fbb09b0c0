"""The mutant catalog: well-formed, tied to real clauses, wired to hook points, really deviant."""

from __future__ import annotations

import collections
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cmqconform import cli
from cmqconform.dialects import Credentials
from cmqconform.emulator import app, mock
from cmqconform.emulator.product import NO_MUTANTS, Mutants
from cmqconform.emulator.server import EmulatorServer, ServerOptions
from cmqconform.errors import ConfigError
from cmqconform.netutil import free_port
from cmqconform.products import available, product_emulator, product_package
from cmqconform.products.cmq import mutants
from cmqconform.products.cmq.mutants import CATALOG, CATEGORIES
from cmqconform.session import Session, url_target
from cmqconform.spec import load_specs
from tests.processes import spawn, stop, wait_serving
from tests.surfaces import V3

#: Where hook points live: the product-neutral gateway and CMQ's own package.
HOOKED = (Path(app.__file__).parent, Path(mutants.__file__).parent)
#: The 18 categories of issue 8 and the properties of issue 21.
CATEGORY_COUNT = 19
_HOOK = re.compile(r'mutants\.active\(\s*"([^"]+)"')
SID, SKEY = "AKIDcmqcmutanttest", "mutant-test-key"


def _counted() -> list[mutants.Mutant]:
    return [m for m in CATALOG if m.equivalent is None]


def test_catalog_size_and_spread() -> None:
    """At least 40 countable mutants, at least 2 in each of the 18 categories."""
    assert len(CATEGORIES) == CATEGORY_COUNT
    assert len(_counted()) >= 40
    per = collections.Counter(m.category for m in _counted())
    assert {c: per[c] for c in CATEGORIES if per[c] < 2} == {}


def test_every_mutant_is_described_and_cites_existing_clauses() -> None:
    """Unique names, a known category, a description and clause ids that exist in specs/."""
    known = {c.id for c in load_specs().all_clauses()}
    assert len({m.name for m in CATALOG}) == len(CATALOG)
    for m in CATALOG:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", m.name), m.name
        assert m.category in CATEGORIES, m.name
        assert m.description.strip(), m.name
        assert m.clauses, m.name
        assert set(m.clauses) <= known, f"{m.name}: unknown {set(m.clauses) - known}"
        assert m.equivalent is None or m.equivalent.strip()


def test_hook_points_match_the_catalog() -> None:
    """Every hook names a catalog mutant (CMQ's or the spec-driven mock's, whose hooks the
    gateway shares), and every CMQ mutant has a hook in the emulator."""
    sources = {p: p.read_text(encoding="utf-8") for folder in HOOKED
               for p in folder.glob("*.py") if p.name not in ("mutants.py", "mock.py")}
    hooked = {name for text in sources.values() for name in _HOOK.findall(text)}
    # The product-neutral gateways also hook other products' mutants (roma's REST gateway) and
    # the spec-driven mock's.
    others = {n for p in available() if p != "cmq" for n in product_package(p).MUTANTS}
    names = set(mutants.BY_NAME) | set(mock.MUTANTS) | others
    assert hooked <= names, hooked - names
    everything = "\n".join(sources.values())
    missing = [m.name for m in CATALOG if f'"{m.name}"' not in everything]
    assert missing == []


def test_selections_name_existing_tests() -> None:
    """Every path token of a category selection names a file under suites/."""
    suites = Path(cli.__file__).resolve().parents[1] / "suites"
    for category in CATEGORIES.values():
        assert category.select, category.name
        for selector in category.select:
            for token in selector.split():
                if token[0] in "@~":
                    continue
                path = suites / token.split("::")[0].split("*")[0]
                assert path.exists(), (category.name, token)


def test_unknown_mutant_is_refused_with_the_valid_names(
        capsys: pytest.CaptureFixture[str]) -> None:
    """The registry and ``serve --mutant`` refuse an unknown name, listing every valid one."""
    with pytest.raises(ConfigError, match=r"unknown mutant 'no-such-bug'; valid names: .*"
                                          r"delay-ignored"):
        product_emulator("cmq", load_specs(), mutants=Mutants.of(["no-such-bug"]))
    code = cli.main(["serve", "--mutant", "no-such-bug", "--secret-id", "a", "--secret-key", "b"])
    assert code == 2
    err = capsys.readouterr().err
    assert "no-such-bug" in err and all(m.name in err for m in CATALOG)


def test_no_mutant_is_active_by_default() -> None:
    """The reference emulator runs with no mutant switched on, and no process-wide switch
    exists: mutants are a value each emulator is built with."""
    assert ServerOptions().mutants == NO_MUTANTS
    built = product_emulator("cmq", load_specs())
    assert built.mutants == NO_MUTANTS
    assert not any(built.mutants.active(m.name) for m in CATALOG)
    assert not any(hasattr(mutants, name) for name in ("active", "activate", "current", "_active"))


def test_two_emulators_run_different_mutants_side_by_side() -> None:
    """One emulator's mutant never leaks into another in the same process."""
    stringified = ServerOptions(mutants=Mutants.of(["total-count-stringified"]))
    with EmulatorServer({SID: SKEY}, options=stringified) as mutant, \
            EmulatorServer({SID: SKEY}) as reference:
        assert (_total_count(mutant), _total_count(reference)) == ("0", 0)


def _total_count(base_url: str) -> object:
    specs = load_specs()
    with Session(specs, url_target(base_url, Credentials.of(SID, SKEY), specs)) as session:
        got = session.call(V3, "DescribeQueueDetail", {})
    assert got.ok, got.describe()
    return got.data["TotalCount"]


@pytest.fixture
def mutant_server(tmp_path: Path) -> Iterator[str]:
    """``cmqconform serve --mutant total-count-stringified`` on a free loopback port."""
    port, log_path = free_port(), tmp_path / "serve.log"
    with log_path.open("wb") as log:
        proc = spawn(
            [sys.executable, "-m", "cmqconform.cli", "serve", "--port", str(port),
             "--secret-id", SID, "--secret-key", SKEY, "--mutant", "total-count-stringified",
             "--log-level", "warning"], stdout=subprocess.DEVNULL, stderr=log)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_serving(base_url, proc, "cmqconform serve --mutant", log=log_path)
        yield base_url
    finally:
        stop(proc)
    assert "MUTANT total-count-stringified is active" in log_path.read_text()


def test_a_mutant_changes_what_the_wire_shows(mutant_server: str) -> None:
    """The same call answers TotalCount 0 on the reference and "0" on the mutant."""
    with EmulatorServer({SID: SKEY}) as reference:
        assert _total_count(reference) == 0
    assert _total_count(mutant_server) == "0"


def test_docs_table_is_current() -> None:
    """docs/mutants.md carries the table ``cmqconform mutate --list`` prints."""
    from cmqconform.mutate import catalog_table

    docs = Path(cli.__file__).resolve().parents[1] / "docs" / "mutants.md"
    assert catalog_table() in docs.read_text(encoding="utf-8"), \
        "docs/mutants.md is stale: regenerate its table with cmqconform mutate --list"
