"""Per-target expectations as data: which cases or clauses are xfail or disabled, and why.

A YAML list; each entry names ``case`` (a test name or node id, globs allowed) or ``clause`` (a
clause id, globs allowed), a ``status`` (``xfail`` or ``disabled``) and a ``reason``::

    - {clause: cmq.legacy.GetQueueAttributes.response.Bps, status: xfail, reason: returns null}
    - {case: "CreateQueue[VisibilityTimeout=43201]", status: disabled, reason: slow on this target}
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from cmqconform.errors import ConfigError

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
    """The entries of an expectations file (none when ``path`` is None)."""
    if path is None:
        return []
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read expectations file: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(doc, list):
        raise ConfigError(f"{path}: expected a list of entries")
    out = []
    for index, item in enumerate(doc):
        where = f"{path}: entry {index + 1}"
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: expected a mapping")
        if item.get("status") not in STATUSES:
            raise ConfigError(f"{where}: 'status' must be one of {', '.join(STATUSES)}: "
                              f"{item.get('status')!r}")
        if not item.get("reason"):
            raise ConfigError(f"{where}: 'reason' is required")
        if ("case" in item) == ("clause" in item):
            raise ConfigError(f"{where}: give exactly one of 'case' or 'clause'")
        out.append(Expectation(item["status"], str(item["reason"]), item.get("case"),
                               item.get("clause")))
    return out


def lookup(entries: Iterable[Expectation], names: Iterable[str],
           clause_ids: Iterable[str]) -> Expectation | None:
    """The first entry that applies; ``disabled`` wins over ``xfail``."""
    names, clause_ids = list(names), list(clause_ids)
    hits = [e for e in entries if e.matches(names, clause_ids)]
    hits.sort(key=lambda e: STATUSES.index(e.status), reverse=True)
    return hits[0] if hits else None
