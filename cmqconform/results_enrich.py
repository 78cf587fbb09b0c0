"""What results.json adds to the raw case records: clause kinds, errata, codes, run metadata.

The case logs hold what each item saw; the finished document also says, for consumers that do
not load the specs, which kind of clause each case tests, which errata readings decided its
expected codes, the codes themselves, which readings were in force for the whole run, which
clauses were ineligible and why, and how the run was made (tool, Python, argv, workers).
Generated cases are looked up again by (surface, case id): generation is deterministic and
cheap, and it keeps the pytest plugin out of this.
"""

from __future__ import annotations

import ast
import platform
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from cmqconform import __version__
from cmqconform.errors import CmqConformError
from cmqconform.models import Clause, SpecSet
from cmqconform.reporting.redact import env_secrets, redact, redact_text
from cmqconform.verdicts import TESTED, Case

#: pytest node ids of generated items: ``generated/cmq.v3.spec::CreateQueue[...]``.
_SPEC_FILE = ".spec::"


def _specs() -> SpecSet | None:
    from cmqconform.spec import load_specs

    try:
        return load_specs()
    except CmqConformError:
        return None


def generated_index(specs: SpecSet, apis: Iterable[str]) -> dict[tuple[str, str], Case]:
    """Every generated case by (surface, case id)."""
    from cmqconform.cases import generate

    return {(case.api, case.id): case for case in generate(specs, list(apis))}


def case_name(record_id: str) -> str:
    """The generated case id inside a pytest node id (the id itself when it is not one)."""
    return record_id.split("::", 1)[1] if _SPEC_FILE in record_id else record_id


def clause_kind(clause_ids: Iterable[str], clauses: Mapping[str, Clause]) -> str | None:
    """The kind (category) of the first known clause: the one the case is built around."""
    return next((clauses[c].category for c in clause_ids if c in clauses), None)


def skip_reason(message: str) -> str:
    """The reason of a skip whose message is pytest's ``(path, line, 'Skipped: reason')``."""
    if not (message.startswith("(") and message.endswith(")")):
        return message
    try:
        value = ast.literal_eval(message)
    except (ValueError, SyntaxError):
        return message
    if isinstance(value, tuple) and len(value) == 3 and isinstance(value[2], str):
        return value[2].removeprefix("Skipped: ")
    return message


def enrich_case(rec: dict[str, Any], clauses: Mapping[str, Clause],
                generated: Mapping[tuple[str, str], Case]) -> None:
    """Add ``kind``, ``errata``, ``expected_codes`` (and ``case_kind``) to one record."""
    if rec.get("verdict") in ("skip", "disabled", "xfail") and rec.get("message"):
        rec["message"] = skip_reason(str(rec["message"]))
    ids = [str(c) for c in rec.get("clause_ids") or ()]
    rec["kind"] = clause_kind(ids, clauses)
    errata = [e for c in ids if c in clauses and (e := clauses[c].errata)]
    case = generated.get((str(rec.get("api") or ""), case_name(str(rec.get("id", "")))))
    if case is None:
        rec["expected_codes"] = None
    else:
        rec["case_kind"] = case.kind
        errata += case.expected.errata
        rec["expected_codes"] = [
            {"code": ref.code, "module": ref.module} if ref.module is not None
            else {"code": ref.code} for ref in case.expected.accept]
        if not rec.get("source") and case.expected.source is not None:
            rec["source"] = str(case.expected.source)
    rec["errata"] = list(dict.fromkeys(errata))


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
    """``embedded`` (the reference emulator the run started), ``url`` or ``file``."""
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
    clauses = {c.id: c for c in specs.all_clauses()}
    apis = [a for a in doc.get("apis") or () if a in specs.apis]
    generated = generated_index(specs, apis)
    for rec in doc["cases"]:
        enrich_case(rec, clauses, generated)
    doc["errata"] = errata_in_force(specs, doc["cases"])
    coverage = dict(doc.get("coverage") or {})
    coverage["ineligible"] = ineligible_list(specs, apis, doc["cases"])
    doc["coverage"] = coverage
