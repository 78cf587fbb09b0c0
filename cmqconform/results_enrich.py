"""What results.json adds to the case records: run-wide errata, ineligible clauses, run metadata.

Each case record already says which kind of clause it tests, its structured expectation, the
codes and the errata readings that decided it (:func:`cmqconform.results.record`); the finished
document also says, for consumers that do not load the specs, which readings were in force for
the whole run, which clauses were ineligible and why, and how the run was made (tool, Python,
argv, workers).
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from cmqconform import __version__
from cmqconform.dialects.redaction import env_secrets, redact, redact_text
from cmqconform.errors import CmqConformError
from cmqconform.models import SpecSet
from cmqconform.verdicts import TESTED


def _specs() -> SpecSet | None:
    from cmqconform.spec import load_specs

    try:
        return load_specs()
    except CmqConformError:
        return None


def errata_in_force(specs: SpecSet, cases: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every erratum with the reading this run used and how many cases it decided."""
    used: dict[str, int] = {}
    for case in cases:
        for eid in case.get("errata") or ():
            used[eid] = used.get(eid, 0) + 1
    return [{"id": e.id, "summary": e.summary, "reading": e.reading,
             "sources": [{"cite": str(cite), "says": says} for cite, says in e.sources],
             "alternatives": list(e.alternatives), "cases": used.get(e.id, 0)}
            for e in specs.errata.values()]


def ineligible_list(specs: SpecSet, apis: Iterable[str],
                    cases: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Clauses no case tested that ``suites/ineligible.yaml`` excuses, with the reason."""
    from cmqconform.coverage import load_ineligible

    tested = {c for case in cases if case.get("verdict") in TESTED
              for c in case.get("clause_ids") or ()}
    rules = load_ineligible()
    out = []
    for api in apis:
        for clause in specs.api(api).all_clauses():
            if clause.id in tested:
                continue
            rule = next((r for r in rules if r.matches(clause)), None)
            if rule is not None:
                out.append({"id": clause.id, "reason": rule.reason})
    return out


def run_metadata(meta: Mapping[str, Any], apis: Iterable[str]) -> dict[str, Any]:
    """The ``run`` object: tool and Python versions, argv (redacted), workers, surfaces."""
    secrets = env_secrets()
    argv = meta.get("argv") or sys.argv
    out = {
        "tool": "cmqconform", "tool_version": __version__,
        "python": platform.python_version(), "implementation": platform.python_implementation(),
        "platform": platform.platform(terse=True),
        "argv": [redact_text(str(a), secrets) for a in argv],
        "workers": meta.get("workers"), "api": list(apis),
    }
    for key, value in meta.items():
        # The mutant belongs to the target (a deliberately broken one), not to the run.
        if key not in out and key not in ("argv", "mutant"):
            out[key] = redact(value, secrets)
    return out


def target_kind(target: Mapping[str, Any], meta: Mapping[str, Any]) -> str:
    """``embedded`` (the reference emulator the run started), ``url``, ``file``, or the kind
    the run named itself (``proxy``: observed traffic, each exchange a case)."""
    if target.get("kind") == "proxy":
        return "proxy"
    if target.get("embedded"):
        return "embedded"
    arg = str(meta.get("target_arg") or target.get("url") or "")
    return "url" if arg.startswith(("http://", "https://")) else "file"


def enrich(doc: dict[str, Any], meta: Mapping[str, Any]) -> None:
    """Add the derived fields to an assembled results document, in place."""
    secrets = env_secrets()
    # A URL target is named after its URL, and a URL may carry user:password.
    target = redact(dict(doc.get("target") or {}), secrets)
    target["kind"] = target_kind(target, meta)
    if meta.get("mutant"):
        target["mutant"] = str(meta["mutant"])
    doc["target"] = target
    doc["run"] = run_metadata(meta, doc.get("apis") or ())
    specs = _specs()
    if specs is None:
        return
    apis = [a for a in doc.get("apis") or () if a in specs.apis]
    doc["errata"] = errata_in_force(specs, doc["cases"])
    coverage = dict(doc.get("coverage") or {})
    coverage["ineligible"] = ineligible_list(specs, apis, doc["cases"])
    doc["coverage"] = coverage
