"""The single-file report.html: summary, clause-coverage grid, searchable failures, metadata.

Rendered with jinja2 from ``templates/report.html.j2``; CSS, SVG and JS are inline so the file can
be mailed, attached to a CI run or published as is. Every piece of evidence passes through
:mod:`cmqconform.dialects.redaction` again here, whatever the writer of results.json did.
"""

from __future__ import annotations

import shlex
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2

from cmqconform.dialects.redaction import env_secrets, redact, redact_text
from cmqconform.errors import CmqConformError
from cmqconform.models import Clause, SpecSet
from cmqconform.reporting.view import (
    RAN,
    SURFACE_WIDE,
    CaseView,
    Tally,
    case_views,
    categories,
    summary_counts,
    target_name,
)
from cmqconform.verdicts import VERDICTS

#: Category labels as column heads.
CATEGORY_LABELS = {
    "required": "required", "range": "range", "pattern": "pattern", "rule": "cross-param rule",
    "response": "response", "error_code": "error code", "semantics": "semantics", "auth": "auth",
    "limit": "limit",
}
#: Verdicts listed under "Failures and other outcomes": everything but a plain pass.
LISTED = tuple(v for v in VERDICTS if v != "pass")
#: Mark for clauses without an action (surface-wide: auth, envelope, limits).
SURFACE = SURFACE_WIDE


@dataclass(frozen=True, slots=True)
class Cell:
    """One square of the coverage grid: the cases of an action in a clause category."""

    tally: Tally
    clauses_total: int
    clauses_tested: int
    #: Untested clauses of the square that the ineligible list excuses (with a reason).
    clauses_ineligible: int = 0

    @property
    def excused(self) -> bool:
        """Whether every clause no case tested here is listed as ineligible."""
        return 0 < self.clauses_total - self.clauses_tested <= self.clauses_ineligible

    @property
    def state(self) -> str:
        """The CSS state: the worst verdict, ``untested``, ``ineligible`` or ``none``."""
        worst = self.tally.worst
        if worst:
            return worst
        if not self.clauses_total:
            return "none"
        return "ineligible" if self.excused else "untested"

    @property
    def label(self) -> str:
        """Short text inside the square."""
        if self.tally.ran:
            return f"{self.tally.passed}/{self.tally.ran}"
        if self.tally.total:
            return self.tally.worst or ""
        if not self.clauses_total:
            return ""
        return "ineligible" if self.excused else "untested"

    @property
    def title(self) -> str:
        """Tooltip and accessible description."""
        parts = [f"{v} {self.tally[v]}" for v in VERDICTS if self.tally[v]]
        cases = ", ".join(parts) if parts else "no cases"
        excused = f", {self.clauses_ineligible} ineligible" if self.clauses_ineligible else ""
        return f"{cases}; clauses tested {self.clauses_tested}/{self.clauses_total}{excused}"


def specs_or_none() -> SpecSet | None:
    """The bundled specs, or None when they cannot be loaded (the report still renders)."""
    from cmqconform.spec import load_specs

    try:
        return load_specs()
    except CmqConformError:
        return None


def _action_order(specs: SpecSet | None, cases: Sequence[CaseView],
                  apis: Collection[str] | None = None) -> list[tuple[str, str]]:
    order: list[tuple[str, str]] = []
    if specs:
        # Only the surfaces the run covered (results.json ``apis``), when it names them.
        order = [(api, name) for api, spec in specs.apis.items() for name in spec.actions
                 if not apis or api in apis]
    seen = set(order)
    for case in cases:
        if (case.api, case.action) not in seen:
            seen.add((case.api, case.action))
            order.append((case.api, case.action))
    return order


def grid(specs: SpecSet | None, cases: Sequence[CaseView], clauses: Mapping[str, Clause],
         ineligible: Collection[str] = (), apis: Collection[str] | None = None
         ) -> list[dict[str, Any]]:
    """Per surface: rows of (action, cells per category), surface-wide clauses first.

    ``ineligible``: ids of clauses the run lists as ineligible, so a square no case could test
    reads "ineligible" rather than "untested".
    """
    tested = {ref.id for case in cases for ref in case.clauses}
    excused = set(ineligible)
    by_cell: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    surface_cell: dict[tuple[str, str], list[str]] = defaultdict(list)
    for case in cases:
        for ref in case.clauses:
            if ref.category:
                by_cell[case.api, case.action, ref.category].append(case.verdict)
                known = clauses.get(ref.id)
                if known is not None and known.action is None:
                    surface_cell[case.api, ref.category].append(case.verdict)
    clause_cells: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for clause in clauses.values():
        clause_cells[clause.api, clause.action or SURFACE, clause.category].append(clause.id)

    def cell(api: str, action: str, category: str, verdicts: list[str]) -> Cell:
        ids = clause_cells.get((api, action, category), [])
        return Cell(Tally.of(verdicts), len(ids), sum(1 for i in ids if i in tested),
                    sum(1 for i in ids if i in excused and i not in tested))

    out = []
    order = _action_order(specs, cases, apis)
    for api in dict.fromkeys(api for api, _ in order):
        rows = [(SURFACE, [cell(api, SURFACE, cat, surface_cell.get((api, cat), []))
                           for cat in categories()])]
        rows += [(action, [cell(api, action, cat, by_cell.get((api, action, cat), []))
                           for cat in categories()])
                 for a, action in order if a == api and action != SURFACE]
        out.append({"api": api, "rows": rows})
    return out


def ineligible_ids(results: Mapping[str, Any]) -> set[str]:
    """Clause ids a results document lists under ``coverage.ineligible``."""
    raw = results.get("coverage")
    listed = raw.get("ineligible") if isinstance(raw, dict) else None
    return {str(i.get("id")) for i in listed or () if isinstance(i, dict)}


def per_action(specs: SpecSet | None, cases: Sequence[CaseView]) -> list[tuple[str, str, Tally]]:
    """Tally per (surface, action), in spec order; actions without cases are left out."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for case in cases:
        groups[case.api, case.action].append(case.verdict)
    return [(api, action, Tally.of(groups[api, action]))
            for api, action in _action_order(specs, cases) if (api, action) in groups]


def _coverage(results: Mapping[str, Any], clauses: Mapping[str, Clause],
              cases: Sequence[CaseView]) -> dict[str, Any]:
    raw = results.get("coverage")
    raw = raw if isinstance(raw, dict) else {}
    ineligible = raw.get("clauses_ineligible")
    # The count is the schema's; the list with reasons is an optional extension.
    listed = ineligible if isinstance(ineligible, list) else raw.get("ineligible") or []
    tested_here = len({ref.id for case in cases for ref in case.clauses})
    uncovered = [str(i) for i in raw.get("clauses_uncovered") or []]
    return {
        "uncovered": [(i, str(clauses[i].source) if i in clauses else "",
                       clauses[i].text if i in clauses else "") for i in uncovered],
        "total": raw.get("clauses_total", len(clauses) or None),
        "tested": raw.get("clauses_tested", tested_here),
        "ineligible": len(listed) if isinstance(ineligible, list) else ineligible,
        "ineligible_list": [redact(item) for item in listed],
        "from_document": bool(raw),
    }


def _errata(results: Mapping[str, Any], specs: SpecSet | None,
            cases: Sequence[CaseView], secrets: Sequence[str]) -> list[dict[str, Any]]:
    used: dict[str, int] = defaultdict(int)
    for case in cases:
        for used_id in case.errata:
            used[used_id] += 1
    overrides = results.get("errata")
    # A target profile may pick an alternative reading; the document then says which.
    chosen: dict[str, str] = {}
    if isinstance(overrides, dict):
        chosen = {str(k): str(v.get("reading") if isinstance(v, dict) else v)
                  for k, v in overrides.items()}
    elif isinstance(overrides, list):
        chosen = {str(e["id"]): str(e.get("reading", "")) for e in overrides
                  if isinstance(e, dict) and "id" in e}
    chosen = {redact_text(k, secrets): redact_text(v, secrets) for k, v in chosen.items()}
    out: list[dict[str, Any]] = []
    for erratum in (specs.errata.values() if specs else []):
        out.append({
            "id": erratum.id, "summary": erratum.summary, "reading": erratum.reading,
            "override": chosen.get(erratum.id) if chosen.get(erratum.id) not in (
                None, "", erratum.reading) else None,
            "sources": [(str(cite), says) for cite, says in erratum.sources],
            "alternatives": list(erratum.alternatives), "cases": used.get(erratum.id, 0),
        })
    known = {e["id"] for e in out}
    out += [{"id": eid, "summary": "", "reading": chosen.get(eid, ""), "override": None,
             "sources": [], "alternatives": [], "cases": used.get(eid, 0)}
            for eid in sorted(set(used) | set(chosen)) if eid not in known]
    out.sort(key=lambda e: (-e["cases"], e["id"]))
    return out


def _scalar_rows(value: Any, secrets: Sequence[str],
                 skip: Sequence[str] = ()) -> list[tuple[str, str]]:
    if not isinstance(value, dict):
        return []
    rows = []
    for key, item in value.items():
        if item is None or key in skip:
            continue
        shown = redact({str(key): item}, secrets)[str(key)]
        if isinstance(shown, list) and all(isinstance(i, str) for i in shown):
            # A command line reads best as one; other string lists as a list.
            text = shlex.join(shown) if str(key).endswith("argv") else ", ".join(shown)
        else:
            text = shown if isinstance(shown, str) else _compact(shown)
        rows.append((str(key), redact_text(text, secrets)))
    return rows


def _compact(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _duration(results: Mapping[str, Any]) -> str | None:
    try:
        start = datetime.fromisoformat(str(results["started_at"]))
        end = datetime.fromisoformat(str(results["finished_at"]))
    except (KeyError, ValueError, TypeError):
        return None
    seconds = (end - start).total_seconds()
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def context(results: Mapping[str, Any], secrets: Sequence[str] = ()) -> dict[str, Any]:
    """Everything the template shows, computed from one results document."""
    secrets = tuple(secrets) + env_secrets()
    specs = specs_or_none()
    clauses = {c.id: c for c in specs.all_clauses()} if specs else {}
    cases = case_views(results, clauses, secrets)
    counts = summary_counts(results, cases)
    ran = sum(counts[v] for v in RAN)
    by_api: dict[str, list[str]] = defaultdict(list)
    by_product: dict[str, list[str]] = defaultdict(list)
    for case in cases:
        by_api[case.api].append(case.verdict)
        # A surface id starts with its product's id (specs/<product>/product.yaml).
        by_product[case.api.split(".")[0]].append(case.verdict)
    surfaces_of: dict[str, list[str]] = defaultdict(list)
    for api in sorted(by_api):
        surfaces_of[api.split(".")[0]].append(api)
    target = results.get("target")
    run_rows = [(k, redact_text(str(results[k]), secrets))
                for k in ("schema_version", "started_at", "finished_at") if results.get(k)]
    if _duration(results):
        run_rows.append(("duration", str(_duration(results))))
    if results.get("apis"):
        run_rows.append(("API surfaces", ", ".join(map(str, results["apis"]))))
    # The run object repeats the surfaces and the target's mutant: shown once, above and left.
    run_rows += _scalar_rows(results.get("run"), secrets, skip=("api", "mutant"))
    if results.get("ended"):
        run_rows.append(("ended", redact_text(str(results["ended"]), secrets)))
    if results.get("interrupted") or not results.get("finished_at"):
        run_rows.append(("status", "interrupted: the results are partial"))
    listed = [c for c in cases if c.verdict in LISTED]
    listed.sort(key=lambda c: (LISTED.index(c.verdict), c.api, c.action, c.id))
    return {
        "title": f"{', '.join(sorted(by_product)) or 'API'} conformance: "
                 f"{redact_text(target_name(results), secrets)}",
        "target_name": redact_text(target_name(results), secrets),
        "target_rows": _scalar_rows(target, secrets) if isinstance(target, dict) else [],
        "run_rows": run_rows,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "verdicts": VERDICTS, "counts": counts,
        "rate": (counts["pass"] + counts["xfail"]) / ran if ran else None,
        "per_product": [(product, ", ".join(surfaces_of[product]), Tally.of(v))
                        for product, v in sorted(by_product.items())],
        "per_api": [(api, Tally.of(v)) for api, v in sorted(by_api.items())],
        "per_action": per_action(specs, cases),
        "grid": grid(specs, cases, clauses, ineligible_ids(results),
                     [str(a) for a in results.get("apis") or ()]),
        "categories": [(c, CATEGORY_LABELS.get(c, c)) for c in categories()],
        "coverage": _coverage(results, clauses, cases),
        "listed": listed, "listed_verdicts": LISTED,
        "apis": sorted({c.api for c in listed}), "actions": sorted({c.action for c in listed}),
        "errata": _errata(results, specs, cases, secrets),
    }


def environment() -> jinja2.Environment:
    """The jinja2 environment of every report template (autoescaping on)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("cmqconform.reporting", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda r: "—" if r is None else f"{r * 100:.1f}%"
    return env


def render_html(results: Mapping[str, Any], secrets: Sequence[str] = ()) -> str:
    """The report as one HTML string."""
    return environment().get_template("report.html.j2").render(**context(results, secrets))


def write_html(results: Mapping[str, Any], path: str | Path, secrets: Sequence[str] = ()) -> Path:
    """Write report.html for a results document; ``secrets`` are extra literals to scrub."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(results, secrets), encoding="utf-8")
    return out
