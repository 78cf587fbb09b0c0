"""JUnit XML from results.json: one ``testcase`` per case, fail as ``<failure>``, error as
``<error>`` (the suite or transport broke: CI tools tell them apart), skip, disabled and xfail as
``<skipped>``; clause ids and the doc line as properties, the redacted evidence in system-out."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from cmqconform.dialects.redaction import env_secrets, redact_text

#: Verdicts written as ``<skipped>``: the case did not judge the target, or deviated as expected.
SKIPPED = ("skip", "disabled", "xfail")


def _suite_name(case: Mapping[str, Any]) -> str:
    return str(case.get("api") or "cmqconform")


def junit_tree(doc: Mapping[str, Any], secrets: Iterable[str] = ()) -> ET.ElementTree:
    """The JUnit document of a results document (every text redacted)."""
    secrets = (*secrets, *env_secrets())
    cases = [c for c in doc.get("cases") or () if isinstance(c, Mapping)]
    root = ET.Element("testsuites", name="cmqconform")
    suites: dict[str, ET.Element] = {}
    counts: dict[str, dict[str, int]] = {}
    for case in cases:
        name = _suite_name(case)
        if name not in suites:
            suites[name] = ET.SubElement(root, "testsuite", name=name)
            counts[name] = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        tally = counts[name]
        tally["tests"] += 1
        case_id = redact_text(str(case.get("id", "")), secrets)
        classname, _, leaf = case_id.rpartition("::")
        seconds = f"{float(case.get('duration') or 0):.3f}"
        element = ET.SubElement(suites[name], "testcase", classname=classname or name,
                                name=leaf or case_id, time=seconds)
        props = ET.SubElement(element, "properties")
        for cid in case.get("clause_ids") or ():
            ET.SubElement(props, "property", name="clause", value=str(cid))
        for key in ("verdict", "source", "kind", "action"):
            if case.get(key):
                ET.SubElement(props, "property", name=key, value=str(case[key]))
        verdict = str(case.get("verdict"))
        message = redact_text(str(case.get("message") or ""), secrets)
        if verdict == "fail":
            tally["failures"] += 1
            ET.SubElement(element, "failure", message=message[:500],
                          type="ContractFailure").text = message
        elif verdict == "error":
            tally["errors"] += 1
            ET.SubElement(element, "error", message=message[:500], type="SuiteFault").text = message
        elif verdict in SKIPPED:
            tally["skipped"] += 1
            ET.SubElement(element, "skipped", message=f"{verdict}: {message}"[:500])
        if case.get("evidence"):
            text = json.dumps(case["evidence"], indent=2, ensure_ascii=False)
            ET.SubElement(element, "system-out").text = redact_text(text, secrets)
    for name, suite in suites.items():
        for key, value in counts[name].items():
            suite.set(key, str(value))
    return ET.ElementTree(root)


def write_junit(doc: Mapping[str, Any], path: str | Path, secrets: Iterable[str] = ()) -> Path:
    """Write the JUnit XML of ``doc`` to ``path``; returns the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tree = junit_tree(doc, secrets)
    ET.indent(tree)
    tree.write(out, encoding="utf-8", xml_declaration=True)
    return out
