"""Read a results.json leniently and shape it into the records every report renders.

Reports accept documents from older or newer writers: a missing field becomes a neutral default,
never a crash, so a partial run (interrupted, target died) still renders. The shapes accepted are
the ones docs/results.md documents; ``expected``/``received`` may be plain strings or objects.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cmqconform.dialects.redaction import redact, redact_text
from cmqconform.errors import CmqConformError
from cmqconform.models import CATEGORIES, Clause, surface_of
from cmqconform.verdicts import VERDICTS

#: Verdicts that count against a target, for "worst verdict" colouring.
_SEVERITY = {"fail": 6, "error": 5, "xpass": 4, "xfail": 3, "pass": 2, "skip": 1, "disabled": 0}
#: The "action" of a case about a whole surface (auth, envelope, limits).
SURFACE_WIDE = "(surface-wide)"
#: Verdicts whose cases actually exercised the target (the pass-rate denominator).
RAN = ("pass", "fail", "error", "xfail", "xpass")


class ResultsError(CmqConformError):
    """A results.json that cannot be read; names the file and what is wrong with it."""


def load_results(path: str | Path) -> dict[str, Any]:
    """Parse a results.json; ResultsError naming the file when it is unreadable or not results."""
    shown = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{shown}: cannot read: {exc.__class__.__name__}: {exc}") from None
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ResultsError(f"{shown}: not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("cases"), list):
        raise ResultsError(f"{shown}: not a cmqconform results document "
                           "(expected an object with a 'cases' list)")
    return doc


@dataclass(frozen=True, slots=True)
class ClauseRef:
    """A clause id as a report shows it: with its category, doc line and text when known."""

    id: str
    category: str | None = None
    source: str | None = None
    text: str = ""


@dataclass(frozen=True, slots=True)
class CaseView:
    """One case of a results document, normalised for rendering."""

    id: str
    api: str
    action: str
    verdict: str
    clauses: tuple[ClauseRef, ...]
    expected: str
    received: str
    message: str = ""
    source: str | None = None
    kind: str = ""
    errata: tuple[str, ...] = ()
    request: str = ""
    response: str = ""
    #: Every check that found a breach: (title, message).
    failures: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> str:
        """Identity across runs: surface and case id (ids repeat across surfaces)."""
        return f"{self.api}::{self.id}"

    @property
    def breached(self) -> tuple[ClauseRef, ...]:
        """The clauses the message or a failing check names (the ones to read first)."""
        text = " ".join([self.message, *(m for _, m in self.failures)])
        return tuple(c for c in self.clauses if c.id in text)

    @property
    def categories(self) -> tuple[str, ...]:
        """The clause categories this case exercises, without repeats."""
        return tuple(dict.fromkeys(c.category for c in self.clauses if c.category))


@dataclass(frozen=True, slots=True)
class Tally:
    """Counts per verdict of a group of cases."""

    counts: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, verdicts: Iterable[str]) -> Tally:
        """Count an iterable of verdict names."""
        return cls(dict(Counter(verdicts)))

    def __getitem__(self, verdict: str) -> int:
        return self.counts.get(verdict, 0)

    @property
    def total(self) -> int:
        """Every case, whatever its verdict."""
        return sum(self.counts.values())

    @property
    def ran(self) -> int:
        """Cases that exercised the target."""
        return sum(self[v] for v in RAN)

    @property
    def passed(self) -> int:
        """Cases that behaved as the contract (or the target's expectations) say."""
        return self["pass"] + self["xfail"]

    @property
    def rate(self) -> float | None:
        """Pass rate among the cases that ran (None when none ran)."""
        return self.passed / self.ran if self.ran else None

    @property
    def worst(self) -> str | None:
        """The most severe verdict present, for colouring."""
        present = [v for v, n in self.counts.items() if n]
        return max(present, key=lambda v: _SEVERITY.get(v, 7)) if present else None


def clause_index() -> dict[str, Clause]:
    """Every clause of the bundled specs by id; empty when the specs cannot be loaded."""
    from cmqconform.spec import load_specs

    try:
        return {c.id: c for c in load_specs().all_clauses()}
    except CmqConformError:
        return {}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if "outcome" in value or "accept" in value:
            if value.get("outcome") == "success" or value.get("success") is True:
                return "success"
            codes = [_code(ref) for ref in value.get("accept", [])]
            return "|".join(dict.fromkeys(codes)) or str(value.get("outcome", "error"))
        if "code" in value:
            text = _code(value)
            return f"{text} ({value['message']})" if value.get("message") else text
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _code(ref: Any) -> str:
    if isinstance(ref, dict):
        code, module = ref.get("code"), ref.get("module")
        return f"{code}/{module}" if module is not None else str(code)
    return str(ref)


def _api_of(case: Mapping[str, Any], clause_ids: Sequence[str]) -> str:
    api = case.get("api")
    if isinstance(api, str) and api:
        return api
    return next((s for s in map(surface_of, clause_ids) if s), "unknown")


def _action_of(case: Mapping[str, Any], clause_ids: Sequence[str], api: str) -> str:
    action = case.get("action")
    if isinstance(action, str) and action:
        return action
    case_id = str(case.get("id", ""))
    if "[" in case_id and "/test_" not in case_id:
        # Generated node ids: ``generated/<surface>.spec::CreateQueue[VisibilityTimeout=43201]``;
        # a scenario's test function (``behaviour/test_auth.py::test_x[...]``) is no action.
        return case_id.split("[", 1)[0].rsplit("::", 1)[-1]
    for cid in clause_ids:
        rest = cid[len(api) + 1:].split(".") if cid.startswith(api + ".") else []
        if rest and rest[0][:1].isupper():
            return rest[0]
    return SURFACE_WIDE


def evidence_text(evidence: Any, secrets: Sequence[str] = ()) -> tuple[str, str]:
    """Request and response of an evidence object as readable, redacted HTTP-like text."""
    if not isinstance(evidence, dict):
        return ("", redact_text(str(evidence), secrets) if evidence else "")
    evidence = redact(evidence, secrets)
    req, resp = evidence.get("request") or {}, evidence.get("response") or {}
    request = response = ""
    if isinstance(req, dict) and req:
        request = f"{req.get('method', '')} {req.get('url', '')}".strip()
        request += _headers(req.get("headers")) + _body(req.get("body"))
    elif req:
        request = str(req)
    if isinstance(resp, dict) and resp:
        status = resp.get("status")
        response = f"HTTP {status}" if status is not None else "(no response)"
        response += _headers(resp.get("headers")) + _body(resp.get("body"))
    elif resp:
        response = str(resp)
    return request, response


def _headers(headers: Any) -> str:
    if isinstance(headers, dict):
        pairs: Iterable[Any] = headers.items()
    elif isinstance(headers, list):
        pairs = (h for h in headers if isinstance(h, list | tuple) and len(h) == 2)
    else:
        return ""
    return "".join(f"\n{k}: {v}" for k, v in pairs)


def _body(body: Any) -> str:
    if body in (None, ""):
        return ""
    if not isinstance(body, str):
        body = json.dumps(body, ensure_ascii=False, indent=2)
    else:
        with contextlib.suppress(ValueError):
            body = json.dumps(json.loads(body), ensure_ascii=False, indent=2)
    return f"\n\n{body}"


def case_view(case: Mapping[str, Any], clauses: Mapping[str, Clause],
              secrets: Sequence[str] = ()) -> CaseView:
    """Normalise one case record of results.json (missing fields become defaults)."""
    clause_ids = [str(c) for c in case.get("clause_ids") or []]
    api = _api_of(case, clause_ids)
    refs = []
    for cid in clause_ids:
        known = clauses.get(cid)
        refs.append(ClauseRef(cid, known.category, str(known.source), known.text) if known
                    else ClauseRef(cid))
    expected = case.get("expected")
    source = case.get("source") or case.get("doc_line")
    if isinstance(expected, dict):
        source = source or expected.get("source")
    if not source and refs:
        source = refs[0].source
    errata = list(case.get("errata") or [])
    if isinstance(expected, dict):
        errata += [e for e in expected.get("errata") or [] if e not in errata]
    verdict = str(case.get("verdict", "error")).lower()
    request, response = evidence_text(case.get("evidence"), secrets)
    return CaseView(
        id=redact_text(str(case.get("id", "?")), secrets), api=api,
        action=_action_of(case, clause_ids, api),
        verdict=verdict if verdict in VERDICTS else "error",
        clauses=tuple(refs), expected=redact_text(_text(expected), secrets),
        received=redact_text(_text(case.get("received")), secrets),
        message=redact_text(str(case.get("message") or ""), secrets),
        source=str(source) if source else None, kind=str(case.get("kind") or ""),
        errata=tuple(str(e) for e in errata), request=request, response=response,
        failures=tuple((redact_text(str(f.get("title", "")), secrets),
                        redact_text(str(f.get("message", "")), secrets))
                       for f in case.get("failures") or [] if isinstance(f, dict)))


def case_views(results: Mapping[str, Any], clauses: Mapping[str, Clause] | None = None,
               secrets: Sequence[str] = ()) -> list[CaseView]:
    """Every case of a results document, normalised."""
    index = clause_index() if clauses is None else clauses
    return [case_view(c, index, secrets) for c in results.get("cases") or []
            if isinstance(c, dict)]


def summary_counts(results: Mapping[str, Any], cases: Sequence[CaseView]) -> dict[str, int]:
    """The document's own summary (what the run wrote), else counts computed from the cases."""
    summary = results.get("summary")
    computed = Tally.of(c.verdict for c in cases)
    if not isinstance(summary, dict):
        return {"total": computed.total, **{v: computed[v] for v in VERDICTS}}
    out = {v: int(summary.get(v, 0) or 0) for v in VERDICTS}
    out["total"] = int(summary.get("total", sum(out.values())) or 0)
    return {"total": out["total"], **{v: out[v] for v in VERDICTS}}


def target_name(results: Mapping[str, Any], fallback: str = "target") -> str:
    """A short name of the target a document was run against."""
    target = results.get("target")
    if isinstance(target, dict):
        # A mutant run is a different target: its name says which deviation it carries.
        mutant = f" (mutant {target['mutant']})" if target.get("mutant") else ""
        for key in ("name", "url", "id"):
            if target.get(key):
                return str(target[key]) + mutant
    elif isinstance(target, str) and target:
        return target
    return fallback


def categories() -> tuple[str, ...]:
    """Clause categories, in the order reports show them."""
    return CATEGORIES
