"""report.html and the compare page in headless Chromium: no JS error, the DOM says what JSON says.

The pages' own script records any uncaught error in ``#js-status`` and marks it ready when done;
``--dump-dom`` gives the DOM after scripts ran. Needs Debian's ``chromium`` (skipped without it).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cmqconform.cli import main
from cmqconform.reporting.html import write_html

from .conftest import SAMPLES

pytestmark = pytest.mark.browser
Chromium = Callable[..., subprocess.CompletedProcess[str]]


def dom(chromium: Chromium, page: Path) -> str:
    """The page's DOM after its scripts ran."""
    done = chromium(page, "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def js_status(html: str) -> tuple[str, str, str]:
    """(ready, errors, error text) from the #js-status element."""
    match = re.search(r'<div id="js-status"[^>]*?data-ready="(\d)" data-errors="(\d+)"[^>]*>'
                      r"(.*?)</div>", html, re.S)
    assert match, "no #js-status element in the DOM"
    return match[1], match[2], match[3]


def test_report_runs_without_js_errors_and_shows_the_summary(
        chromium: Chromium, tmp_path: Path, broken: dict[str, Any]) -> None:
    page = write_html(broken, tmp_path / "report.html")
    html = dom(chromium, page)
    ready, errors, text = js_status(html)
    assert (ready, errors) == ("1", "0"), text
    shown = {m[1]: int(m[2]) for m in re.finditer(r'data-count="(\w+)">(\d+)<', html)}
    assert shown == broken["summary"]
    # The filter script ran: by default it shows fail, error and xpass of every listed case.
    default = sum(broken["summary"][v] for v in ("fail", "error", "xpass"))
    listed = broken["summary"]["total"] - broken["summary"]["pass"]
    assert f"Showing {default} of {listed} cases" in html


def test_report_screenshot(chromium: Chromium, tmp_path: Path, broken: dict[str, Any]) -> None:
    page = write_html(broken, tmp_path / "report.html")
    png = tmp_path / "report.png"
    done = chromium(page, f"--screenshot={png}", "--window-size=1400,1800")
    assert done.returncode == 0, done.stderr[-2000:]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000


def test_the_error_trap_catches_a_broken_script(chromium: Chromium, tmp_path: Path,
                                                reference: dict[str, Any]) -> None:
    page = write_html(reference, tmp_path / "report.html")
    page.write_text(page.read_text().replace(
        "</body>", "<script>window.noSuchFunction();</script></body>"))
    ready, errors, text = js_status(dom(chromium, page))
    assert ready == "1" and errors == "1" and "noSuchFunction" in text


def test_compare_page_runs_without_js_errors(chromium: Chromium, tmp_path: Path) -> None:
    page = tmp_path / "compare.html"
    assert main(["compare", "--baseline", str(SAMPLES / "reference-emulator.json"),
                 str(SAMPLES / "broken-target.json"), "-o", str(page)]) == 1
    ready, errors, text = js_status(dom(chromium, page))
    assert (ready, errors) == ("1", "0"), text


def test_report_of_a_real_run_matches_its_results(chromium: Chromium, tmp_path: Path) -> None:
    """A stored real run against a broken emulator: tiles, per-surface rows, coverage, list."""
    import gzip
    import json

    doc = json.loads(gzip.decompress(
        (SAMPLES / "real" / "mutant-range-max-unchecked.json.gz").read_bytes()))
    html = dom(chromium, write_html(doc, tmp_path / "report.html"))
    ready, errors, text = js_status(html)
    assert (ready, errors) == ("1", "0"), text
    shown = {m[1]: int(m[2]) for m in re.finditer(r'data-count="(\w+)">(\d+)<', html)}
    assert shown == doc["summary"]
    for api in doc["apis"]:
        row = re.search(rf'<tr data-api="{re.escape(api)}">(.*?)</tr>', html, re.S)
        assert row, api
        cells = {m[1]: int(m[2]) for m in re.finditer(r'data-v="(\w+)">(\d+)<', row[1])}
        cases = [c for c in doc["cases"] if c["api"] == api]
        assert cells["total"] == len(cases)
        assert cells["fail"] == sum(c["verdict"] == "fail" for c in cases)
    tested = re.search(r'data-coverage="tested">(\d+)<', html)
    assert tested and int(tested[1]) == doc["coverage"]["clauses_tested"]
    listed = doc["summary"]["total"] - doc["summary"]["pass"]
    assert f"Showing {doc['summary']['fail']} of {listed} cases" in html
