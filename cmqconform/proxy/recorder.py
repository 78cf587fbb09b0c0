"""Where judgements go: live lines, the case log, the cassette, and the run's reports at the end.

Every judged exchange is written as it happens — a results.json case line in the report
directory's case log (:class:`~cmqconform.results.CaseLog`) and, with ``--record``, a cassette
line — each flushed, so a killed proxy still leaves both on disk. :meth:`Recorder.finish`
assembles results.json (a ``proxy`` kind of target: each exchange a case) and report.html.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from cmqconform.coverage import coverage, load_ineligible
from cmqconform.models import SpecSet
from cmqconform.proxy.judge import Judgement
from cmqconform.reporting import write_html
from cmqconform.results import CaseLog, RunInfo, assemble, now_iso, record, reset, write_run_meta

#: Cassette files start with this line, so replay can refuse anything else by name.
CASSETTE_HEADER = {"cassette": "cmqconform-proxy", "version": 1}


class Cassette:
    """Appends redacted exchanges as JSON lines, flushed after each one."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file: IO[str] | None = path.open("w", encoding="utf-8")
        self._write(CASSETTE_HEADER)

    def _write(self, doc: dict[str, Any]) -> None:
        if self._file is not None:
            self._file.write(json.dumps(doc, ensure_ascii=False) + "\n")
            self._file.flush()

    def add(self, judgement: Judgement) -> None:
        """Record one exchange."""
        self._write(judgement.recorded.to_json())

    def close(self) -> None:
        """Close the file."""
        if self._file is not None:
            self._file.close()
            self._file = None


class Recorder:
    """Collects judgements: prints violations live, logs cases, counts, writes the reports."""

    def __init__(self, specs: SpecSet, apis: tuple[str, ...], report_dir: Path | None, *,
                 target: dict[str, Any], cassette: Path | None = None,
                 out: Callable[[str], None] = print, meta: dict[str, Any] | None = None) -> None:
        self.specs = specs
        self.apis = apis
        self.report_dir = report_dir
        self.target = target
        self.out = out
        self.started_at = now_iso()
        self.counts: Counter[str] = Counter()
        self.violations: Counter[str] = Counter()
        self.sides: Counter[str] = Counter()
        self.actions: Counter[tuple[str, str]] = Counter()
        self.exercised: set[str] = set()
        self.clauses = {c.id: c for c in specs.all_clauses()}
        # The server answers from several threads' tasks; one lock keeps lines whole.
        self._lock = threading.Lock()
        self._log: CaseLog | None = None
        if report_dir is not None:
            reset(report_dir)
            write_run_meta(report_dir, meta or {})
            self._log = CaseLog(report_dir, "proxy")
        self.cassette = Cassette(cassette) if cassette is not None else None
        self._finished = False

    def add(self, judgement: Judgement) -> None:
        """Print, log and count one judged exchange."""
        with self._lock:
            self.counts[judgement.state] += 1
            if judgement.api and judgement.action:
                self.actions[(judgement.api, judgement.action)] += 1
            if judgement.verdict is not None and judgement.verdict.verdict != "error":
                self.exercised.update(judgement.clause_ids)
            for violation in judgement.violations:
                self.violations[violation.clause_id] += 1
                self.sides[violation.side] += 1
                self.out(violation.line(judgement.api, judgement.action))
            if judgement.error is not None:
                self.out(f"ERROR {judgement.api or '-'} {judgement.action or '-'} "
                         f"{judgement.error}")
            if self._log is not None and judgement.verdict is not None:
                self._log.write(record(judgement.verdict, duration=judgement.recorded.duration,
                                       clauses=self.clauses))
            if self.cassette is not None:
                self.cassette.add(judgement)

    def summary(self) -> str:
        """The counts printed on exit."""
        total = sum(self.counts.values())
        return (f"{total} exchange(s): {self.counts['pass']} pass, {self.counts['fail']} fail, "
                f"{self.counts['error']} error; {sum(self.violations.values())} violation(s) "
                f"({self.sides['request']} request, {self.sides['response']} response) of "
                f"{len(self.violations)} clause(s); {len(self.actions)} action(s) and "
                f"{len(self.exercised)} clause(s) exercised")

    def traffic(self) -> dict[str, Any]:
        """Which actions and clauses the traffic exercised, and the clauses it broke."""
        by_api: dict[str, dict[str, int]] = {}
        for (api, action), count in sorted(self.actions.items()):
            by_api.setdefault(api, {})[action] = count
        return {"exchanges": sum(self.counts.values()), "actions": by_api,
                "clauses_exercised": sorted(self.exercised),
                "clauses_broken": dict(sorted(self.violations.items()))}

    def finish(self, interrupted: bool = True) -> dict[str, Any] | None:
        """Write results.json and report.html (once); None without a report directory."""
        with self._lock:
            if self._finished:
                return None
            self._finished = True
            if self.cassette is not None:
                self.cassette.close()
            if self._log is not None:
                self._log.close()
        self.out(self.summary())
        if self.report_dir is None:
            return None
        figures = coverage(self.specs, self.exercised, load_ineligible(), self.apis)
        figures["traffic"] = self.traffic()
        info = RunInfo(self.target, self.started_at, self.apis, interrupted)
        doc = assemble(self.report_dir, info, figures)
        write_html(doc, self.report_dir / "report.html")
        self.out(f"results: {self.report_dir / 'results.json'}; report: "
                 f"{self.report_dir / 'report.html'}")
        return doc
