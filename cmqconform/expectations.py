"""Per-target expectations as data: which cases or clauses are xfail or disabled, and why.

A YAML list; each entry names ``case`` (a test name or node id, globs allowed) or ``clause`` (a
clause id, globs allowed), a ``status`` (``xfail`` or ``disabled``) and a ``reason``
(``schemas/expectations.schema.json``)::

    - {clause: <surface>.GetQueueAttributes.response.Bps, status: xfail, reason: returns null}
    - {case: "CreateQueue[VisibilityTimeout=43201]", status: disabled, reason: slow on this target}
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cmqconform.configschema import Problems, read_yaml, schema_problems, yaml_lines

STATUSES = ("xfail", "disabled")


@dataclass(frozen=True, slots=True)
class Expectation:
    """One entry: a case or clause glob, its status and the reason."""

    status: str
    reason: str
    case: str | None = None
    clause: str | None = None

    def matches(self, names: Iterable[str], clause_ids: Iterable[str]) -> bool:
        """Whether an item with these names (name, node id) and clause ids is meant."""
        if self.case is not None:
            return any(fnmatch.fnmatchcase(n, self.case) for n in names)
        return any(fnmatch.fnmatchcase(c, self.clause or "") for c in clause_ids)


def load_expectations(path: Path | str | None) -> list[Expectation]:
    """The entries of an expectations file (none when ``path`` is None).

    ``schemas/expectations.schema.json`` states the format; one ConfigError names every bad
    entry's field and line.
    """
    if path is None:
        return []
    path = Path(path)
    doc = read_yaml(path, "expectations")
    if doc is None:
        return []
    problems = Problems(str(path), "expectations", yaml_lines(doc))
    problems.extend(schema_problems("expectations", doc))
    problems.raise_if_any()
    return [Expectation(item["status"], item["reason"], item.get("case"), item.get("clause"))
            for item in doc]


def lookup(entries: Iterable[Expectation], names: Iterable[str],
           clause_ids: Iterable[str]) -> Expectation | None:
    """The first entry that applies; ``disabled`` wins over ``xfail``."""
    names, clause_ids = list(names), list(clause_ids)
    hits = [e for e in entries if e.matches(names, clause_ids)]
    hits.sort(key=lambda e: STATUSES.index(e.status), reverse=True)
    return hits[0] if hits else None
