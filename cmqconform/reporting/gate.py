"""The baseline gate's refusals: runs ``compare --baseline`` must not judge.

A regression gate that passes a run which tested nothing is worse than none. Before looking for
regressions, each later run is checked: it ran cases, it was not interrupted, every case it
collected has a result, it is not a ``-k``/``--lf`` selection, and it holds every case of the
baseline — unless ``--subset`` declares that a selection is intended (then the missing cases are
only counted). Each refusal is one line naming the file and the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

#: pytest options that select a subset of the cases (as results.json's ``run.argv`` spells them).
SUBSET_OPTIONS = ("-k", "--lf", "--last-failed", "--maxfail", "-x", "--exitfirst", "--deselect")
#: How many missing case ids a refusal names before it says "and N more".
SHOWN = 3


def _keys(doc: Mapping[str, Any]) -> dict[str, str]:
    """``api::id`` -> verdict of every case of a results document."""
    return {f"{c.get('api')}::{c.get('id')}": str(c.get("verdict"))
            for c in doc.get("cases") or () if isinstance(c, Mapping)}


def _selection(doc: Mapping[str, Any]) -> str | None:
    """The subset-selecting option the run was made with, if any."""
    run: Mapping[str, Any] = doc["run"] if isinstance(doc.get("run"), Mapping) else {}
    argv = [str(a) for a in (run.get("argv") or ())] + [str(a) for a in
                                                        (run.get("pytest_argv") or ())]
    for arg in argv:
        for option in SUBSET_OPTIONS:
            if arg == option or arg.startswith(option + "="):
                return option
        if arg.startswith("-k") and len(arg) > 2:  # pytest's joined form, -kEXPR
            return "-k"
    return None


def refusals(path: str, doc: Mapping[str, Any], baseline: Mapping[str, Any],
             *, subset: bool = False) -> list[str]:
    """Why the run ``doc`` (read from ``path``) cannot be gated against ``baseline``; [] if fit."""
    out: list[str] = []
    summary: Mapping[str, Any] = doc["summary"] if isinstance(doc.get("summary"), Mapping) else {}
    cases = _keys(doc)
    if not cases:
        out.append(f"{path}: refused: the run has 0 cases (a configuration error or an empty "
                   "selection); nothing to gate")
        return out
    if doc.get("interrupted"):
        out.append(f"{path}: refused: the run was interrupted ({len(cases)} cases recorded); "
                   "its results are partial")
    missing = int(summary.get("missing") or 0)
    if missing:
        out.append(f"{path}: refused: {missing} of {summary.get('collected')} collected cases "
                   "have no result")
    option = _selection(doc)
    if option and not subset:
        out.append(f"{path}: refused: the run selected a subset ({option}); pass --subset to "
                   "gate a declared subset")
    absent = [key for key in _keys(baseline) if key not in cases]
    if absent and not subset:
        named = ", ".join(absent[:SHOWN]) + (f" and {len(absent) - SHOWN} more"
                                             if len(absent) > SHOWN else "")
        out.append(f"{path}: refused: {len(absent)} of {len(_keys(baseline))} baseline cases "
                   f"are missing from this run ({named}); pass --subset to gate a declared "
                   "subset")
    return out


def missing_note(path: str, doc: Mapping[str, Any], baseline: Mapping[str, Any]) -> str | None:
    """With ``--subset``: one line counting the baseline cases the run left out."""
    cases = _keys(doc)
    absent = [key for key in _keys(baseline) if key not in cases]
    if not absent:
        return None
    return (f"{path}: {len(absent)} of {len(_keys(baseline))} baseline cases not in this run "
            "(declared subset)")


def gate_lines(paths: Sequence[str], docs: Sequence[Mapping[str, Any]],
               baseline: Mapping[str, Any], *, subset: bool) -> tuple[list[str], list[str]]:
    """(refusals, notes) over every later run."""
    refused: list[str] = []
    notes: list[str] = []
    for path, doc in zip(paths, docs, strict=True):
        refused += refusals(path, doc, baseline, subset=subset)
        if subset and (note := missing_note(path, doc, baseline)):
            notes.append(note)
    return refused, notes
