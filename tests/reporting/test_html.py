"""report.html: content, self-containment and tolerance of partial or foreign documents."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import cmqconform
from cmqconform.reporting.html import context, render_html, write_html
from cmqconform.reporting.view import case_views, categories, load_results

from .conftest import SAMPLES, sample


def counts_in(html: str) -> dict[str, int]:
    """The summary tiles of a rendered report, by verdict."""
    return {m[1]: int(m[2]) for m in re.finditer(r'data-count="(\w+)">(\d+)<', html)}


@pytest.mark.parametrize("name", ["reference-emulator", "broken-target"])
def test_summary_tiles_equal_the_documents_summary(name: str) -> None:
    doc = sample(name)
    assert counts_in(render_html(doc)) == doc["summary"]


def test_partial_document_renders_with_counts_from_its_cases() -> None:
    doc = sample("partial")
    html = render_html(doc)
    counts = counts_in(html)
    assert counts["total"] == len(doc["cases"])
    assert "interrupted: the results are partial" in html


@pytest.mark.parametrize("doc", [
    {}, {"cases": []}, {"cases": [{}]}, {"target": None, "summary": None, "cases": [None]},
    {"cases": [{"id": "X[y]", "verdict": "weird", "expected": {"code": 4000, "module": 10110},
                "received": {"code": "InvalidParameter", "message": "bad"},
                "evidence": "raw text evidence"}]},
], ids=["empty", "no-cases", "empty-case", "nulls", "foreign-shapes"])
def test_odd_documents_still_render(doc: dict[str, Any]) -> None:
    html = render_html(doc)
    assert "<html" in html and 'id="js-status"' in html


def test_report_is_self_contained(broken: dict[str, Any]) -> None:
    html = render_html(broken)
    assert not re.search(r'<(link|script|img|iframe)[^>]+(src|href)=', html, re.I)
    assert not re.search(r'url\((?!#)', html)
    assert "@import" not in html


def test_failure_shows_expected_clause_doc_line_received_and_evidence(
        broken: dict[str, Any]) -> None:
    html = render_html(broken)
    failing = next(c for c in broken["cases"] if c["verdict"] == "fail")
    article = html[html.index(f'<code class="cid">{failing["id"]}'):]
    article = article[:article.index("</article>")]
    assert failing["clause_ids"][0] in article
    assert failing["source"] in article
    assert f"<code>{failing['received']}</code>" in article
    assert "Request and response (redacted)" in article
    assert "HTTP 200" in article


def test_every_non_passing_case_is_listed_once(broken: dict[str, Any]) -> None:
    html = render_html(broken)
    listed = re.findall(r'<article class="case" data-verdict="(\w+)"', html)
    assert len(listed) == sum(1 for c in broken["cases"] if c["verdict"] != "pass")


def test_grid_rows_cover_every_action_of_the_specs(reference: dict[str, Any]) -> None:
    ctx = context(reference)
    apis = {block["api"] for block in ctx["grid"]}
    assert apis == {"cmq.v3", "cmq.legacy"}
    v3 = next(b for b in ctx["grid"] if b["api"] == "cmq.v3")
    names = [action for action, _ in v3["rows"]]
    assert "CreateQueue" in names and names[0] == "(surface-wide)"
    create = dict(v3["rows"])["CreateQueue"]
    assert all(len(cells) == len(ctx["categories"]) for _, cells in v3["rows"])
    assert any(cell.state == "pass" for cell in create)


def test_grid_cell_of_a_broken_check_is_coloured_fail(broken: dict[str, Any]) -> None:
    ctx = context(broken)
    v3 = dict(next(b for b in ctx["grid"] if b["api"] == "cmq.v3")["rows"])
    column = [c for c, _ in ctx["categories"]].index("range")
    assert v3["CreateQueue"][column].state == "fail"


def test_errata_in_force_and_a_profile_override(reference: dict[str, Any]) -> None:
    reference["errata"] = {"subscription-limit": {"reading": "500"}}
    ctx = context(reference)
    by_id = {e["id"]: e for e in ctx["errata"]}
    assert by_id["subscription-limit"]["override"] == "500"
    assert by_id["polling-wait-range"]["reading"].startswith("0-30 seconds")
    html = render_html(reference)
    assert 'id="erratum-subscription-limit"' in html and "target profile:" in html


def test_case_views_accept_the_engines_expected_object() -> None:
    doc = {"cases": [{"id": "CreateQueue[VisibilityTimeout=43201]", "verdict": "fail",
                      "clause_ids": ["cmq.v3.CreateQueue.VisibilityTimeout.range"],
                      "expected": {"outcome": "error", "accept": [{"code": "InvalidParameter"},
                                                                 {"code": 4000, "module": 10110}],
                                   "errata": ["v3-validation-code"], "source": "cmq-api.txt:1"},
                      "received": "success"}]}
    (case,) = case_views(doc)
    assert case.api == "cmq.v3" and case.action == "CreateQueue"
    assert case.expected == "InvalidParameter|4000/10110"
    assert case.errata == ("v3-validation-code",) and case.source == "cmq-api.txt:1"
    assert case.clauses[0].category == "range"


def test_write_html_creates_the_directory(tmp_path: Path, reference: dict[str, Any]) -> None:
    out = write_html(reference, tmp_path / "deep" / "report.html")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_samples_load() -> None:
    for path in SAMPLES.glob("*.json"):
        assert isinstance(load_results(path)["cases"], list)


def test_samples_follow_the_engines_results_schema() -> None:
    schema_path = Path(cmqconform.__file__).parent / "schemas" / "results.schema.json"
    if not schema_path.exists():
        pytest.skip("the engine's results schema is not in this checkout yet")
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    for path in SAMPLES.glob("*.json"):
        jsonschema.validate(load_results(path), schema)


def test_engine_shapes_node_ids_many_clauses_and_uncovered() -> None:
    many = [f"cmq.legacy.GetQueueAttributes.response.{m}" for m in
            ("code", "message", "requestId", "Bps", "qps")]
    doc = {"coverage": {"clauses_total": 3, "clauses_tested": 1, "clauses_ineligible": 0,
                        "clauses_uncovered": ["cmq.legacy.SendMessage.sends_message"]},
           "cases": [{"id": "generated/cmq.legacy.spec::GetQueueAttributes[baseline]",
                      "api": None, "action": None, "clause_ids": many, "verdict": "fail",
                      "expected": "success", "received": "success",
                      "message": "Bps: None is not of type 'integer' "
                                 "(cmq.legacy.GetQueueAttributes.response.Bps)",
                      "failures": [{"title": "Response violates schema", "message": "x"}]}]}
    (case,) = case_views(doc)
    assert (case.api, case.action) == ("cmq.legacy", "GetQueueAttributes")
    assert [c.id for c in case.breached] == ["cmq.legacy.GetQueueAttributes.response.Bps"]
    html = render_html(doc)
    assert "all 5 clauses of this case" in html
    assert "Clauses no case covers (1)" in html and "cmq.legacy.SendMessage.sends_message" in html


def test_a_square_whose_clauses_are_all_ineligible_says_so() -> None:
    import gzip

    doc = json.loads(gzip.decompress(
        (SAMPLES / "real" / "mutant-range-max-unchecked.json.gz").read_bytes()))
    rows = {r[0]: r[1] for g in context(doc)["grid"] if g["api"] == "cmq.v3" for r in g["rows"]}
    limit = rows["ClearQueue"][list(categories()).index("limit")]
    assert limit.state == "ineligible" and limit.label == "ineligible"
    doc["coverage"]["ineligible"] = []  # without the list, the same square is plainly untested
    rows = {r[0]: r[1] for g in context(doc)["grid"] if g["api"] == "cmq.v3" for r in g["rows"]}
    assert rows["ClearQueue"][list(categories()).index("limit")].state == "untested"


def test_counts_per_product_name_its_surfaces(reference: dict[str, Any]) -> None:
    """The report counts cases per product (with its surfaces) above the per-surface table."""
    ctx = context(reference)
    assert [(p, s) for p, s, _ in ctx["per_product"]] == [("cmq", "cmq.legacy, cmq.v3")]
    assert ctx["per_product"][0][2].total == sum(t.total for _, t in ctx["per_api"])
    assert 'data-product="cmq"' in render_html(reference)
