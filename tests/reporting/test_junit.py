"""JUnit XML from results.json (error verdicts as <error>) and `cmqconform report`."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cmqconform.cli import main
from cmqconform.reporting.junit import write_junit

from .conftest import SAMPLES

BROKEN = SAMPLES / "broken-target.json"


def test_errors_are_error_elements_and_clauses_are_properties(tmp_path: Path) -> None:
    doc = json.loads(BROKEN.read_text())
    root = ET.parse(write_junit(doc, tmp_path / "junit.xml")).getroot()
    verdicts = [c["verdict"] for c in doc["cases"]]
    assert len(root.findall(".//testcase")) == len(verdicts)
    assert len(root.findall(".//testcase/failure")) == verdicts.count("fail")
    assert len(root.findall(".//testcase/error")) == verdicts.count("error") > 0
    errors = sum(int(s.get("errors", 0)) for s in root.findall("testsuite"))
    assert errors == verdicts.count("error")
    failing = next(c for c in doc["cases"] if c["verdict"] == "fail" and c.get("evidence"))
    leaf = failing["id"].split("::")[-1]
    case = next(t for t in root.iter("testcase") if t.get("name") == leaf
                and any(p.get("value") == failing["clause_ids"][0] for p in t.iter("property")))
    assert case.find("system-out") is not None


def test_report_renders_any_results_file(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(BROKEN), "-o", str(tmp_path / "r.html"),
                 "--junit", str(tmp_path / "j.xml")]) == 0
    assert (tmp_path / "r.html").read_text().startswith("<!") and (tmp_path / "j.xml").exists()
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert main(["report", str(bad)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
