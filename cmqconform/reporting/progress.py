"""What ``cmqconform run`` shows while it runs: a live bar with counts per verdict, then a summary.

The run command feeds it one verdict per case::

    with RunProgress(total=len(cases)) as progress:
        for verdict in verdicts:
            progress.update(verdict.verdict, verdict.case_id, verdict.message)
        progress.finish(report="reports/report.html")

On a terminal it draws a rich progress bar; with ``quiet=True``, with ``CI=true`` in the
environment, or when the output is not a terminal, it prints plain lines instead: one per failing
or erroring case, a count line every ``every`` cases, and the summary.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Column, Table

from cmqconform.dialects.redaction import env_secrets, redact_text
from cmqconform.verdicts import VERDICTS

#: Rich styles per verdict.
STYLES = {"pass": "green", "fail": "bold red", "error": "bold dark_orange", "skip": "grey50",
          "disabled": "grey42", "xfail": "magenta", "xpass": "bold blue"}
#: Verdicts reported line by line in plain mode.
LOUD = ("fail", "error", "xpass")
#: Verdicts the live counts always show (the others once they occur).
SHOWN = ("pass", "fail", "error", "skip", "xfail")
#: What the bar says before the first case: collection generates every case from the specs.
COLLECTING = "collecting: generating cases from the specs and importing the scenarios…"


def current_case(case_id: str) -> str:
    """The part of a case id worth showing live: ``CreateQueue[VisibilityTimeout=0]``."""
    return case_id.rpartition("::")[2] or case_id


def in_ci() -> bool:
    """Whether the environment says this is a CI job (``CI=true``, as most CI systems set)."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


class RunProgress:
    """Live progress of a run: feed ``update`` each verdict, then call ``finish``."""

    def __init__(self, total: int | None = None, *, quiet: bool = False,
                 stream: IO[str] | None = None, every: int = 100,
                 banner: str | None = None) -> None:
        self.total = total
        #: One line naming what runs (target, products, surfaces, mutant), printed first.
        self.banner = banner
        self.counts: Counter[str] = Counter()
        self.stream = stream if stream is not None else sys.stdout
        self.every = max(1, every)
        isatty = getattr(self.stream, "isatty", lambda: False)()
        self.plain = quiet or in_ci() or not isatty
        self.console = Console(file=self.stream, highlight=False,
                               force_terminal=None if not self.plain else False)
        self._secrets = env_secrets()
        self._progress: Progress | None = None
        self._task: int | None = None

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> RunProgress:
        """Begin drawing (rich mode) or print the opening line (plain mode)."""
        if self.plain:
            if self.banner:
                self._line(redact_text(self.banner, self._secrets))
            self._line(f"running {self.total} cases" if self.total is not None
                       else "running: collecting cases")
            return self
        if self.banner:
            self.console.print(redact_text(self.banner, self._secrets), markup=False,
                               highlight=False, style="bold")
        # The case column takes what is left and ellipsises: the line never wraps or cuts the
        # counts, whatever the terminal's width.
        self._progress = Progress(
            BarColumn(bar_width=24), MofNCompleteColumn(), TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
            TextColumn("{task.fields[current]}",
                       table_column=Column(ratio=1, no_wrap=True, overflow="ellipsis")),
            console=self.console, transient=False, expand=True)
        self._progress.start()
        self._task = self._progress.add_task("run", total=self.total, counts="",
                                             current=COLLECTING)
        return self

    def __enter__(self) -> RunProgress:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop()

    def _stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    # -- feeding --------------------------------------------------------------------------
    def set_total(self, total: int) -> None:
        """Set the number of cases once it is known (after collection)."""
        self.total = total
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, total=total,  # type: ignore[arg-type]
                                  current=f"{total} cases collected; starting")
        elif self.plain:
            self._line(f"collected {total} cases")

    def update(self, verdict: str, case_id: str = "", message: str = "") -> None:
        """Count one verdict; in plain mode print failing cases and a periodic count line."""
        self.counts[verdict] += 1
        done = sum(self.counts.values())
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=done,  # type: ignore[arg-type]
                                  counts=self._rich_counts(),
                                  current=redact_text(current_case(case_id), self._secrets))
            if verdict in LOUD:
                self._progress.console.print(self._case_line(verdict, case_id, message),
                                             style=STYLES.get(verdict), markup=False)
            return
        if verdict in LOUD:
            self._line(self._case_line(verdict, case_id, message))
        if done % self.every == 0:
            of = f"/{self.total}" if self.total else ""
            self._line(f"progress {done}{of}: {self.plain_counts()}")

    def _case_line(self, verdict: str, case_id: str, message: str) -> str:
        text = f"{verdict.upper()} {case_id}" + (f": {message}" if message else "")
        return redact_text(text, self._secrets)

    def plain_counts(self) -> str:
        """``pass=10 fail=1 ...`` for every verdict seen (all verdicts when none yet)."""
        shown = [v for v in VERDICTS if self.counts[v] or v in SHOWN]
        return " ".join(f"{v}={self.counts[v]}" for v in shown)

    def _rich_counts(self) -> str:
        return " ".join(f"[{STYLES[v]}]{v} {self.counts[v]}[/]" for v in VERDICTS
                        if self.counts[v] or v in SHOWN)

    def _line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    # -- the end --------------------------------------------------------------------------
    def abort(self) -> None:
        """Stop the bar without a summary (the run wrote no results)."""
        self._stop()

    def finish(self, report: str | Path | None = None, summary: Mapping[str, int] | None = None,
               per_api: Mapping[str, Mapping[str, int]] | None = None,
               extra: Sequence[str] = (), ended: str | None = None) -> None:
        """Stop the bar; print the summary (per verdict, per surface), ``extra`` lines, report,
        and last why the run ended (``ended``).

        ``summary`` (results.json's) wins over the counts fed, so both always agree.
        """
        self._stop()
        counts = {v: (summary or {}).get(v, self.counts[v]) for v in VERDICTS}
        total = (summary or {}).get("total", sum(counts.values()))
        rows = [(api, dict(row)) for api, row in (per_api or {}).items()]
        if self.plain:
            for api, row in rows:
                self._line(f"{api}: total={row.get('total', 0)} "
                           + " ".join(f"{v}={row.get(v, 0)}" for v in VERDICTS))
            self._line(f"summary: total={total} " + " ".join(f"{v}={counts[v]}" for v in VERDICTS))
            for line in extra:
                self._line(redact_text(line, self._secrets))
            if report:
                self._line(f"report: {report}")
            if ended:
                self._line(f"ended: {ended}")
            return
        table = Table(title="Conformance summary", show_edge=True, header_style="bold")
        table.add_column("surface", style="bold")
        for verdict in ("total", *VERDICTS):
            table.add_column(verdict, justify="right", style=STYLES.get(verdict, "bold"))
        for api, row in rows:
            table.add_row(api, str(row.get("total", 0)), *(str(row.get(v, 0)) for v in VERDICTS))
        if rows:
            table.add_section()
        table.add_row("all", str(total), *(str(counts[v]) for v in VERDICTS), style="bold")
        self.console.print(table)
        for line in extra:
            self.console.print(redact_text(line, self._secrets), markup=False, highlight=False)
        if report:
            self.console.print(f"report: [link=file://{Path(report).resolve()}]{report}[/link]")
        if ended:
            self.console.print(f"ended: {ended}", markup=False, highlight=False)
