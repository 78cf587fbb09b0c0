"""results.json: one JSON line per case as the run goes, assembled into one document at the end.

Each process (the controller and every xdist worker) appends to its own ``.cases/<id>.jsonl``
and flushes after every record, so a run cut short by SIGINT or a dying target still leaves
every finished case on disk; :func:`assemble` reads whatever is there and always writes a
valid document.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from cmqconform.models import Clause, surface_of
from cmqconform.verdicts import VERDICTS, Verdict

SCHEMA_VERSION = "1.4"
CASES_DIR = ".cases"
#: Run metadata the controller leaves for :func:`assemble` (argv, workers, versions).
RUN_META = "run.json"
#: Suffix of the per-process files holding how many cases were selected.
COLLECTED_SUFFIX = ".collected"


def now_iso() -> str:
    """The current UTC time, ISO 8601 with seconds."""
    return datetime.now(tz=UTC).isoformat(timespec="seconds")


def record(verdict: Verdict, *, duration: float | None = None,
           clauses: Mapping[str, Clause] | None = None) -> dict[str, Any]:
    """The results.json form of one verdict, its structured expectation included.

    ``clauses`` (the specs' clauses by id) name the record's clause ``kind`` and the errata
    readings of its clauses; without them the kind is unknown and only the expectation's
    errata are listed.
    """
    known = clauses or {}
    expects = verdict.expects
    outcome = expects.to_json() if expects is not None else None
    errata = [e for c in verdict.clause_ids if c in known and (e := known[c].errata)]
    out: dict[str, Any] = {
        "id": verdict.case_id,
        "clause_ids": list(verdict.clause_ids),
        "api": verdict.api,
        "action": verdict.action,
        "verdict": verdict.verdict,
        "expected": verdict.expected,
        "received": verdict.received,
        "message": verdict.message,
        "source": verdict.source or (outcome or {}).get("source"),
        "failures": [{"title": f.title, "message": f.message} for f in verdict.failures],
        # The first clause is the one the case is built around.
        "kind": next((known[c].category for c in verdict.clause_ids if c in known), None),
        "errata": list(dict.fromkeys((*errata, *(expects.errata if expects else ())))),
        "expected_codes": list(outcome["accept"]) if outcome is not None else None,
        "expected_outcome": outcome,
    }
    if verdict.case_kind is not None:
        out["case_kind"] = verdict.case_kind
    if duration is not None:
        out["duration"] = round(duration, 4)
    if verdict.evidence is not None and verdict.verdict not in ("pass", "skip", "disabled"):
        out["evidence"] = verdict.evidence.to_json()
    return out


class CaseLog:
    """Appends case records as JSON lines to one file, flushed after each record."""

    def __init__(self, report_dir: Path, name: str) -> None:
        folder = report_dir / CASES_DIR
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{name}.jsonl"
        self._file: IO[str] | None = self.path.open("a", encoding="utf-8")

    def write(self, rec: Mapping[str, Any]) -> None:
        """Append one record and push it to disk."""
        if self._file is None:
            return
        self._file.write(json.dumps(rec, ensure_ascii=False, default=str) + "\n")
        # flush() hands the line to the OS: it survives SIGINT and a killed process alike.
        self._file.flush()

    def close(self) -> None:
        """Close the file."""
        if self._file is not None:
            self._file.close()
            self._file = None


def read_cases(report_dir: Path) -> list[dict[str, Any]]:
    """Every record written so far, skipping a torn last line (a killed writer)."""
    out: list[dict[str, Any]] = []
    folder = report_dir / CASES_DIR
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else ():
        # Records end in "\n" only: str.splitlines() would also cut at U+2028, U+0085... inside
        # a record (a target's message), and the halves would be dropped as torn lines.
        for line in path.read_text(encoding="utf-8").split("\n"):
            if not line:
                continue
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
    return out


def summarize(cases: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Counts per verdict plus ``total``."""
    counts = {"total": 0, **{v: 0 for v in VERDICTS}}
    for case in cases:
        counts["total"] += 1
        counts[case["verdict"]] = counts.get(case["verdict"], 0) + 1
    return counts


@dataclass(frozen=True, slots=True)
class RunInfo:
    """What a results document says about the run itself."""

    target: Mapping[str, Any]
    started_at: str
    apis: tuple[str, ...] = ()
    interrupted: bool = False
    #: Why the run ended (:data:`ENDED_COMPLETED`, ``interrupted (SIGINT)``, ``target
    #: unreachable: ...``, ``target died: ...``, ``stopped early (--maxfail / -x)``).
    ended: str = "completed"


def derive_api_action(clause_ids: Iterable[str]) -> tuple[str | None, str | None]:
    """Surface and action named by clause ids (``<surface>.CreateQueue.X.range``), when any is."""
    api = action = None
    for cid in clause_ids:
        known = surface_of(cid)
        if known is None:
            continue
        api = api or known
        head = cid[len(known) + 1:].split(".", 1)[0]
        # Surface-wide clauses (``<surface>.auth.x``, ``<surface>.condition.y``) name no action.
        if known == api and head[:1].isupper():
            return api, head
    return api, action


def case_key(rec: Mapping[str, Any]) -> tuple[str, str]:
    """Identity of a case record: (surface, id); ids repeat across surfaces."""
    return (str(rec.get("api") or ""), str(rec.get("id") or ""))


def read_run_meta(report_dir: Path) -> dict[str, Any]:
    """The run metadata the controller left in ``.cases/run.json`` (empty when absent)."""
    path = report_dir / CASES_DIR / RUN_META
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def write_run_meta(report_dir: Path, meta: Mapping[str, Any]) -> None:
    """Leave the run metadata for :func:`assemble` (written by the controller at start)."""
    folder = report_dir / CASES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    (folder / RUN_META).write_text(json.dumps(dict(meta), default=str), encoding="utf-8")


def assemble(report_dir: Path, info: RunInfo, coverage: Mapping[str, Any]) -> dict[str, Any]:
    """Write ``results.json`` from the case logs (atomically) and return the document.

    Each record already carries its clause kind and structured expectation (:func:`record`);
    only the run-wide fields are added here (:func:`cmqconform.results_enrich.enrich`).
    """
    from cmqconform.results_enrich import enrich

    cases = read_cases(report_dir)
    for case in cases:
        if not case.get("api") or not case.get("action"):
            api, action = derive_api_action(case.get("clause_ids") or ())
            case["api"] = case.get("api") or api
            case["action"] = case.get("action") or action
    # A retried item (xdist re-runs a crashed worker's item) appears twice: keep the last.
    by_key = {case_key(c): c for c in cases}
    cases = list(by_key.values())
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "target": dict(info.target),
        "apis": list(info.apis),
        "started_at": info.started_at,
        "finished_at": now_iso(),
        "interrupted": info.interrupted,
        "ended": info.ended,
        "summary": summarize(cases),
        "coverage": dict(coverage),
        "cases": cases,
    }
    doc["summary"]["retries"] = sum(int(c.get("retries", 0)) for c in cases)
    collected = CaseTail(report_dir).collected()
    if collected is not None:
        # What was selected but has no record: never silently fewer cases than the run chose.
        doc["summary"]["collected"] = collected
        doc["summary"]["missing"] = max(0, collected - doc["summary"]["total"])
    enrich(doc, read_run_meta(report_dir))
    write_results(report_dir, doc)
    return doc


def write_results(report_dir: Path, doc: Mapping[str, Any]) -> None:
    """Write ``doc`` as ``report_dir/results.json`` atomically (a reader never sees half)."""
    report_dir.mkdir(parents=True, exist_ok=True)
    tmp = report_dir / "results.json.tmp"
    tmp.write_text(json.dumps(doc, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    tmp.replace(report_dir / "results.json")


class CaseTail:
    """Reads the records appended to the case logs since the last call (a live run's progress).

    Each xdist worker writes its own file, so the reader keeps an offset per file and holds back
    a line until its newline arrives: a record being written is never read torn.
    """

    def __init__(self, report_dir: Path) -> None:
        self.folder = report_dir / CASES_DIR
        self._offsets: dict[Path, int] = {}

    def new_records(self) -> list[dict[str, Any]]:
        """Every complete record written since the previous call."""
        out: list[dict[str, Any]] = []
        if not self.folder.is_dir():
            return out
        for path in sorted(self.folder.glob("*.jsonl")):
            start = self._offsets.get(path, 0)
            try:
                with path.open("rb") as handle:
                    handle.seek(start)
                    chunk = handle.read()
            except OSError:
                continue
            end = chunk.rfind(b"\n") + 1
            self._offsets[path] = start + end
            for line in chunk[:end].splitlines():
                try:
                    out.append(json.loads(line))
                except ValueError:
                    continue
        return out

    def collected(self) -> int | None:
        """How many cases the run selected (the largest count any worker reported), if known."""
        counts = []
        for path in self.folder.glob(f"*{COLLECTED_SUFFIX}") if self.folder.is_dir() else ():
            try:
                counts.append(int(path.read_text(encoding="utf-8").strip()))
            except (OSError, ValueError):
                continue
        return max(counts) if counts else None


def write_collected(report_dir: Path, worker: str, count: int) -> None:
    """Record how many cases this process selected (read by :class:`CaseTail`)."""
    folder = report_dir / CASES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{worker}{COLLECTED_SUFFIX}").write_text(str(count), encoding="utf-8")


def reset(report_dir: Path) -> None:
    """Remove the case logs and collected counts of a previous run in ``report_dir``."""
    folder = report_dir / CASES_DIR
    if folder.is_dir():
        for path in [*folder.glob("*.jsonl"), *folder.glob(f"*{COLLECTED_SUFFIX}")]:
            path.unlink(missing_ok=True)
