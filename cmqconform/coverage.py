"""Clause coverage: every clause is tested by at least one case, or listed as ineligible.

Ineligible clauses are data (``suites/ineligible.yaml``): a glob over clause ids or a clause
category, each with a reason. Static coverage counts generated cases plus every
``@pytest.mark.clause("...")`` found in ``suites/``; run coverage counts the clause ids of the
cases that actually ran.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cmqconform.errors import ConfigError
from cmqconform.models import Clause, SpecSet

SUITES = Path(__file__).resolve().parents[1] / "suites"
_MARKER = re.compile(r"mark\.clause\(([^)]*)\)")
# A clause id: ``<product>.<surface>.`` then the rest (only ids the specs define count).
_ID = re.compile(r"""["']([a-z][a-z0-9]*\.[a-z][a-z0-9_]*\.[A-Za-z0-9_.\-]+)["']""")


@dataclass(frozen=True, slots=True)
class Ineligible:
    """A rule marking clauses as not testable by this suite, with the reason."""

    pattern: str
    reason: str
    category: str | None = None

    def matches(self, clause: Clause) -> bool:
        """Whether ``clause`` falls under this rule."""
        if self.category is not None and clause.category != self.category:
            return False
        return fnmatch.fnmatchcase(clause.id, self.pattern)


def load_ineligible(path: Path | None = None) -> list[Ineligible]:
    """The ineligible list (``suites/ineligible.yaml`` by default; empty when absent)."""
    path = path or SUITES / "ineligible.yaml"
    if not path.exists():
        return []
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = []
    for index, item in enumerate(doc.get("ineligible", ())):
        if not isinstance(item, dict) or "reason" not in item or not (
                "clauses" in item or "category" in item):
            raise ConfigError(f"{path}: ineligible[{index}] needs 'clauses' or 'category' "
                              f"and a 'reason'")
        out.append(Ineligible(str(item.get("clauses", "*")), str(item["reason"]),
                              item.get("category")))
    return out


def marked_clauses(root: Path | None = None) -> set[str]:
    """Clause ids named in ``@pytest.mark.clause(...)`` in the hand-written suites."""
    found: set[str] = set()
    for path in (root or SUITES).rglob("*.py"):
        for marker in _MARKER.findall(path.read_text(encoding="utf-8")):
            found.update(_ID.findall(marker))
    return found


def coverage(specs: SpecSet, tested: Iterable[str], ineligible: Iterable[Ineligible] = (),
             apis: Iterable[str] | None = None) -> dict[str, Any]:
    """Figures: clauses total / tested / ineligible, per surface, and the uncovered ids."""
    tested_ids = set(tested)
    rules = list(ineligible)
    out: dict[str, Any] = {"clauses_total": 0, "clauses_tested": 0, "clauses_ineligible": 0,
                           "clauses_uncovered": [], "per_api": {}}
    for api in specs.surfaces() if apis is None else apis:
        figures = {"total": 0, "tested": 0, "ineligible": 0, "uncovered": 0}
        for clause in specs.api(api).all_clauses():
            figures["total"] += 1
            if clause.id in tested_ids:
                figures["tested"] += 1
            elif any(rule.matches(clause) for rule in rules):
                figures["ineligible"] += 1
            else:
                figures["uncovered"] += 1
                out["clauses_uncovered"].append(clause.id)
        out["per_api"][api] = figures
        out["clauses_total"] += figures["total"]
        out["clauses_tested"] += figures["tested"]
        out["clauses_ineligible"] += figures["ineligible"]
    return out


def static_coverage(specs: SpecSet, apis: Iterable[str] | None = None) -> dict[str, Any]:
    """Coverage from generated cases and clause markers, without running anything."""
    from cmqconform.cases import generate

    apis = specs.surfaces() if apis is None else tuple(apis)
    tested = {c for case in generate(specs, apis) for c in case.clause_ids}
    tested |= marked_clauses()
    return coverage(specs, tested, load_ineligible(), apis)
