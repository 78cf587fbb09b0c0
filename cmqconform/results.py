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

from cmqconform.verdicts import VERDICTS, Verdict

SCHEMA_VERSION = "1.0"
CASES_DIR = ".cases"


def now_iso() -> str:
    """The current UTC time, ISO 8601 with seconds."""
    return datetime.now(tz=UTC).isoformat(timespec="seconds")


def record(verdict: Verdict, *, duration: float | None = None) -> dict[str, Any]:
    """The results.json form of one verdict."""
    out: dict[str, Any] = {
        "id": verdict.case_id,
        "clause_ids": list(verdict.clause_ids),
        "api": verdict.api,
        "action": verdict.action,
        "verdict": verdict.verdict,
        "expected": verdict.expected,
        "received": verdict.received,
        "message": verdict.message,
        "source": verdict.source,
        "failures": [{"title": f.title, "message": f.message} for f in verdict.failures],
    }
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
        for line in path.read_text(encoding="utf-8").splitlines():
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


def assemble(report_dir: Path, info: RunInfo, coverage: Mapping[str, Any]) -> dict[str, Any]:
    """Write ``results.json`` from the case logs (atomically) and return the document."""
    cases = read_cases(report_dir)
    # An xdist crash can re-run nothing, but a retried item would appear twice: keep the last.
    by_id = {c["id"]: c for c in cases}
    cases = list(by_id.values())
    doc = {
        "schema_version": SCHEMA_VERSION,
        "target": dict(info.target),
        "apis": list(info.apis),
        "started_at": info.started_at,
        "finished_at": now_iso(),
        "interrupted": info.interrupted,
        "summary": summarize(cases),
        "coverage": dict(coverage),
        "cases": cases,
    }
    report_dir.mkdir(parents=True, exist_ok=True)
    tmp = report_dir / "results.json.tmp"
    tmp.write_text(json.dumps(doc, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    tmp.replace(report_dir / "results.json")
    return doc


def reset(report_dir: Path) -> None:
    """Remove the case logs of a previous run in ``report_dir``."""
    folder = report_dir / CASES_DIR
    if folder.is_dir():
        for path in folder.glob("*.jsonl"):
            path.unlink()
