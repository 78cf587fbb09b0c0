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

from cmqconform.configschema import Problems, read_yaml, schema_problems, yaml_lines
from cmqconform.models import Clause, SpecSet


def _suites_dir() -> Path:
    """The conformance suites: a checkout's ``suites/``, else the copy the wheel ships."""
    checkout = Path(__file__).resolve().parents[1] / "suites"
    if (checkout / "pytest.ini").is_file():
        return checkout
    return Path(__file__).resolve().parent / "_suites"


#: The suites folder (``suites/`` of a checkout; ``cmqconform/_suites`` in an installed wheel).
SUITES = _suites_dir()
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
    """The ineligible list (``suites/ineligible.yaml`` by default; empty when absent).

    ``schemas/ineligible.schema.json`` states the format; one ConfigError names every bad
    rule's field and line.
    """
    path = path or SUITES / "ineligible.yaml"
    if not path.exists():
        return []
    doc = read_yaml(path, "ineligible list")
    if doc is None:
        return []
    problems = Problems(str(path), "ineligible list", yaml_lines(doc))
    problems.extend(schema_problems("ineligible", doc))
    problems.raise_if_any()
    return [Ineligible(item.get("clauses", "*"), item["reason"], item.get("category"))
            for item in doc.get("ineligible", ())]


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
