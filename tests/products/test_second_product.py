"""A second product made only of YAML loads, lints, exports and generates cases.

The throwaway product ``demo`` has one Tencent API 3.0 action and shares the vendor's facts
(``specs/vendors/tencent/api3``); no Python is written for it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cmqconform.cases import generate
from cmqconform.cli import main
from cmqconform.spec import default_root
from cmqconform.spec.lint import lint
from cmqconform.spec.loader import collect, load_specs
from cmqconform.spec.openapi import openapi_document

DOC = """Demo API 3.0
Version 2020-02-17
ap-guangzhou South China (Guangzhou)
SendDemo sends one message. The request rate is 20 requests per second.
Topic String Yes The topic name, 1-64 characters.
Count Integer No How many copies; value range: 1-10.
MessageId String The id of the message sent.
RequestId String The unique request ID.
"""

PRODUCT = """product: demo
vendor: tencent
service: demo
title: Demo
surfaces:
  demo.v3:
    folder: v3
    dialect: tencent_v3
    shares: tencent.api3
    credentials: tencent_secret
    version: {value: "2020-02-17", source: demo-api.txt:2}
    regions:
      - {id: ap-guangzhou, name: South China (Guangzhou), source: demo-api.txt:3}
"""

ERRORS = """api: demo.v3
codes: []
conditions: {}
"""

ACTION = """action: SendDemo
api: demo.v3
source: demo-api.txt:4
summary: Sends one message.
rate_limit: {per_second: 20, source: demo-api.txt:4}
request:
  - {name: Topic, type: string, required: true, min_length: 1, max_length: 64,
     source: demo-api.txt:5}
  - {name: Count, type: integer, required: false, min: 1, max: 10, source: demo-api.txt:6}
response:
  - {name: MessageId, type: string, nullable: false, source: demo-api.txt:7}
  - {name: RequestId, type: string, nullable: false, source: demo-api.txt:8}
errors:
  - {code: InvalidParameterValue}
"""


@pytest.fixture
def specs_root(tmp_path: Path) -> Path:
    """A specs tree holding only the vendor's shared facts and the demo product."""
    real = default_root()
    root = tmp_path / "specs"
    shutil.copytree(real / "vendors", root / "vendors")
    (root / "reference").mkdir()
    for doc in ("cmq-api.txt", "CLIENT-WIRE-NOTES.md"):
        shutil.copy(real / "reference" / doc, root / "reference")
    (root / "reference" / "demo-api.txt").write_text(DOC, encoding="utf-8")
    (root / "demo" / "v3").mkdir(parents=True)
    (root / "demo" / "product.yaml").write_text(PRODUCT, encoding="utf-8")
    (root / "demo" / "v3" / "errors.yaml").write_text(ERRORS, encoding="utf-8")
    (root / "demo" / "v3" / "SendDemo.yaml").write_text(ACTION, encoding="utf-8")
    return root


def test_it_loads_with_the_vendor_facts(specs_root: Path) -> None:
    """The surface gets the shared signing, common parameters and common codes."""
    specs = load_specs(specs_root)
    assert list(specs.products) == ["demo"]
    api = specs.api("demo.v3")
    assert api.dialect == "tencent_v3" and api.facts.service == "demo"
    assert api.facts.default_signature_method == "TC3-HMAC-SHA256"
    assert "unknown_action" in api.conditions and "responses" in api.common_tables
    assert {c.id for c in api.all_clauses()} >= {
        "demo.v3.SendDemo.Topic.required", "demo.v3.SendDemo.Count.range",
        "demo.v3.condition.out_of_range"}


def test_it_lints_clean(specs_root: Path) -> None:
    """Citations resolve into its own doc and the vendor's."""
    assert [str(p) for p in lint(specs_root)] == []


def test_a_bad_citation_names_the_file_and_line(specs_root: Path) -> None:
    """A fault in the new product is reported like one in CMQ's."""
    path = specs_root / "demo" / "v3" / "SendDemo.yaml"
    path.write_text(ACTION.replace("demo-api.txt:6}", "demo-api.txt:999}"), encoding="utf-8")
    problems = [str(p) for p in lint(specs_root)]
    assert any("SendDemo.yaml" in p and "past the end" in p for p in problems), problems


def test_it_exports_in_both_formats(specs_root: Path, capsys: pytest.CaptureFixture[str]
                                    ) -> None:
    """``spec export`` and the OpenAPI document cover the new surface."""
    assert main(["--specs", str(specs_root), "spec", "export", "--api", "demo.v3"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["product"] == "demo" and list(exported["actions"]) == ["SendDemo"]
    doc = openapi_document(load_specs(specs_root))
    assert list(doc["paths"]) == ["/demo.v3/SendDemo"]
    assert main(["--specs", str(specs_root), "spec", "stats", "--json"]) == 0
    assert list(json.loads(capsys.readouterr().out)) == ["demo.v3"]


def test_it_generates_cases(specs_root: Path) -> None:
    """Boundaries, negatives and protocol cases come from the YAML alone."""
    cases = generate(load_specs(specs_root))
    ids = {c.id for c in cases}
    assert {"SendDemo[baseline]", "SendDemo[missing Topic]", "SendDemo[Count=11]",
            "SendDemo[unknown parameter]"} <= ids
    assert all(c.api == "demo.v3" for c in cases)


def test_a_surface_outside_its_product_is_refused(specs_root: Path) -> None:
    """A surface id must start with its product's id."""
    path = specs_root / "demo" / "product.yaml"
    path.write_text(PRODUCT.replace("  demo.v3:", "  other.v3:"), encoding="utf-8")
    _, problems = collect(specs_root)
    assert any("layout.surface" in repr(p) or "does not start with" in str(p)
               for p in problems), problems
