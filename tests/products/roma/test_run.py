"""``cmqconform run --product roma`` on the embedded emulator, and roma's mutant catalog."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cmqconform import mutate
from cmqconform.errors import ConfigError
from cmqconform.products.roma import mutants
from cmqconform.spec import load_specs

SUITES = Path(mutate.__file__).resolve().parents[1] / "suites"


def test_embedded_run_serves_roma_only(tmp_path: Path) -> None:
    report = tmp_path / "report"
    proc = subprocess.run(
        [sys.executable, "-m", "cmqconform.cli", "run", "--product", "roma", "--report-dir",
         str(report), "-k", "baseline or bad or unknown_topic or asc_orders"],
        capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    doc = json.loads((report / "results.json").read_text(encoding="utf-8"))
    assert doc["apis"] == ["roma.v2"]
    verdicts = {c["verdict"] for c in doc["cases"]}
    assert verdicts == {"pass"}
    ids = [c["id"] for c in doc["cases"]]
    assert any("asc_orders" in i for i in ids) and any("[baseline]" in i for i in ids)
    assert all(c.get("api") in (None, "roma.v2") for c in doc["cases"])


def test_catalog_is_countable_and_hooked() -> None:
    catalog = mutate.catalog_of("roma")
    assert {m.name for m in catalog.mutants} == set(mutants.BY_NAME)
    known = {c.id for c in load_specs().all_clauses()}
    root = Path(mutants.__file__).resolve().parents[2]
    code = "\n".join(p.read_text(encoding="utf-8") for p in
                     [*(root / "products" / "roma").glob("*.py"), root / "emulator" / "rest.py"]
                     if p.name != "mutants.py")
    for mutant in catalog.mutants:
        assert mutant.equivalent is None and mutant.category in catalog.categories
        assert set(mutant.clauses) <= known, mutant.name
        assert re.search(rf'active\("{re.escape(mutant.name)}"\)', code), mutant.name
    for category in catalog.categories.values():
        for selector in category.select:
            head = selector.split()[0]
            assert (SUITES / head.split("::")[0]).exists(), selector


def test_unknown_product_or_mutant_is_one_error() -> None:
    with pytest.raises(ConfigError, match="unknown product 'nope'; the specs define"):
        mutate.catalog_of("nope")
    with pytest.raises(ConfigError, match="valid names: asc-ignored"):
        mutate.catalog_of("roma").lookup("cmq-only-mutant")
