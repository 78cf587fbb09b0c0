"""The run's live progress: plain lines when quiet or in CI, a rich bar and table on a terminal."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from cmqconform.reporting.progress import RunProgress

FEED = [("pass", "A[1]", ""), ("fail", "A[2]", "expected X; received Y"), ("pass", "A[3]", ""),
        ("error", "B[1]", "timeout"), ("skip", "B[2]", "n/a"), ("xpass", "B[3]", "")]


class Tty(io.StringIO):
    """A text stream that says it is a terminal, so rich draws live."""

    def isatty(self) -> bool:
        return True


def feed(progress: RunProgress) -> None:
    for verdict, case_id, message in FEED:
        progress.update(verdict, case_id, message)


def test_quiet_prints_plain_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    stream = Tty()
    with RunProgress(total=len(FEED), quiet=True, stream=stream, every=4) as progress:
        feed(progress)
        progress.finish(report="reports/report.html")
    lines = stream.getvalue().splitlines()
    assert lines == [
        "running 6 cases",
        "FAIL A[2]: expected X; received Y",
        "ERROR B[1]: timeout",
        "progress 4/6: pass=2 fail=1 error=1 skip=0 xfail=0",
        "XPASS B[3]",
        "summary: total=6 pass=2 fail=1 error=1 skip=1 disabled=0 xfail=0 xpass=1",
        "report: reports/report.html",
    ]
    assert "\x1b[" not in stream.getvalue()


@pytest.mark.parametrize("value", ["true", "1", "TRUE"])
def test_ci_environment_means_plain(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    assert RunProgress(stream=Tty()).plain


def test_terminal_gets_a_bar_and_a_summary_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    stream = Tty()
    progress = RunProgress(stream=stream)
    assert not progress.plain
    with progress:
        progress.set_total(len(FEED))
        feed(progress)
        progress.finish(report="reports/report.html",
                        summary={"total": 6, "pass": 2, "fail": 1, "error": 1, "skip": 1,
                                 "disabled": 0, "xfail": 0, "xpass": 1})
    out = stream.getvalue()
    assert "Conformance summary" in out
    assert "FAIL A[2]: expected X; received Y" in out
    assert "report.html" in out
    assert progress.counts["pass"] == 2 and progress.counts["fail"] == 1


def test_summary_from_results_wins_over_fed_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    stream = io.StringIO()  # not a terminal: plain
    progress = RunProgress(stream=stream).start()
    progress.update("pass", "A[1]")
    progress.finish(summary={"total": 5, "pass": 5})
    assert stream.getvalue().splitlines()[-1].startswith("summary: total=5 pass=5 fail=0")


PER_API = {"cmq.legacy": {"total": 4, "pass": 2, "fail": 1, "skip": 1},
           "cmq.v3": {"total": 2, "error": 1, "xpass": 1}}


def test_summary_per_surface_in_both_modes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    plain = io.StringIO()
    with RunProgress(quiet=True, stream=plain) as progress:
        progress.set_total(6)  # the count arrives after collection
        feed(progress)
        progress.finish(per_api=PER_API, extra=["results: r.json"])
    lines = plain.getvalue().splitlines()
    assert lines[:2] == ["running: collecting cases", "collected 6 cases"]
    assert "cmq.legacy: total=4 pass=2 fail=1 error=0 skip=1 disabled=0 xfail=0 xpass=0" in lines
    assert "cmq.v3: total=2 pass=0 fail=0 error=1 skip=0 disabled=0 xfail=0 xpass=1" in lines
    assert lines[-1] == "results: r.json"

    tty = Tty()
    with RunProgress(stream=tty) as progress:
        feed(progress)
        progress.finish(per_api=PER_API)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", tty.getvalue())  # colours split the cells
    rows = [line for line in text.splitlines() if "cmq." in line or " all " in line]
    assert any("cmq.legacy" in r and " 4 " in r for r in rows)
    assert any("cmq.v3" in r for r in rows) and any(" all " in r and " 6 " in r for r in rows)


def test_the_live_line_fits_the_terminal_and_names_what_runs(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A banner first; the bar's line never wraps at 160 columns, the case is ellipsised."""
    monkeypatch.delenv("CI", raising=False)
    stream = io.StringIO()
    stream.isatty = lambda: True  # type: ignore[method-assign]
    progress = RunProgress(stream=stream, banner="cmqconform: target T · product cmq")
    progress.console = Console(file=stream, width=160, force_terminal=True, color_system=None)
    with progress:
        progress.set_total(3)
        progress.update("skip", "generated/x.spec::" + "CreateQueue[" + "Q" * 300 + "]")
        progress._progress.refresh()  # type: ignore[union-attr]
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", stream.getvalue())  # cursor moves, not text
    assert text.lstrip().startswith("cmqconform: target T · product cmq")
    assert "skip 1" in text and "xfail 0" in text and "eta" in text
    assert all(len(line) <= 160 for line in text.replace("\r", "\n").splitlines())
