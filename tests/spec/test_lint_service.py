"""Fact lint over service.yaml, product.yaml and the vendor facts: citations say what is cited;
ids unique; clause ids match their api."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cmqconform.errors import SpecError
from cmqconform.spec.lint_service import number_names, url_parts
from tests.spec.conftest import SpecTree

SERVICE = "service.yaml"
PRODUCT = "product.yaml"
VENDOR = "vendors/tencent/api3/facts.yaml"


def _assert_reported(found: list[SpecError], line: int, rule: str, rel: str = SERVICE) -> None:
    file = SpecTree.display(rel)
    assert any(p.file == file and p.line == line and p.rule == rule for p in found), (
        f"expected {file}:{line} [{rule}]; got:\n" + "\n".join(map(str, found)))


def test_limit_citation_must_state_the_value(
        tree: SpecTree, new_problems: Callable[[], list[SpecError]]) -> None:
    limit = tree.doc("service.yaml")["limits"]["batch_max_messages"]
    tree.replace("service.yaml", "batch_max_messages:\n    value: 16",
                 "batch_max_messages:\n    value: 17")
    _assert_reported(new_problems(), limit.line, "cite.mismatch")


def test_region_citation_must_name_the_region(
        tree: SpecTree, new_problems: Callable[[], list[SpecError]]) -> None:
    region = tree.doc(PRODUCT)["surfaces"]["cmq.legacy"]["regions"][0]
    tree.replace(PRODUCT, f"{{id: {region['id']}, name: {region['name']}, "
                 f"source: {region['source']}",
                 f"{{id: {region['id']}, name: {region['name']}, source: cmq-api.txt:10")
    _assert_reported(new_problems(), region.line, "cite.mismatch", PRODUCT)


def test_also_citation_past_the_end_is_reported(
        tree: SpecTree, new_problems: Callable[[], list[SpecError]]) -> None:
    limit = tree.doc("service.yaml")["limits"]["batch_max_messages"]
    tree.replace("service.yaml", f"also: [{limit['also'][0]},", "also: [cmq-api.txt:99999,")
    _assert_reported(new_problems(), limit.line, "cite.line")


def test_unknown_erratum_in_service_facts(
        tree: SpecTree, new_problems: Callable[[], list[SpecError]]) -> None:
    limit = tree.doc("service.yaml")["limits"]["subscriptions_per_topic"]
    tree.replace("service.yaml", "errata: subscription-limit", "errata: no-such-erratum")
    _assert_reported(new_problems(), limit.line, "ref.errata")


def test_duplicate_region_id(tree: SpecTree,
                             new_problems: Callable[[], list[SpecError]]) -> None:
    regions = tree.doc(PRODUCT)["surfaces"]["cmq.legacy"]["regions"]
    tree.replace(PRODUCT, "{id: sh, name: Shanghai", "{id: bj, name: Shanghai")
    second = next(r for r in regions if r["id"] == "sh")
    _assert_reported(new_problems(), second.line, "service.unique", PRODUCT)


def test_product_endpoint_citation_must_show_the_host(
        tree: SpecTree, new_problems: Callable[[], list[SpecError]]) -> None:
    endpoint = next(e for e in tree.doc(PRODUCT)["surfaces"]["cmq.legacy"]["endpoints"]
                    if e["name"] == "topic-public")
    tree.replace(PRODUCT, f"{endpoint['url']}\", source: {endpoint['source']}",
                 f"{endpoint['url']}\", source: cmq-api.txt:10")
    _assert_reported(new_problems(), endpoint.line, "cite.mismatch", PRODUCT)


def test_vendor_common_param_citation_must_name_the_param(
        tree: SpecTree, new_problems: Callable[[], list[SpecError]]) -> None:
    param = next(p for p in tree.doc(VENDOR)["facts"]["common_params"]
                 if p["name"] == "X-TC-Action")
    tree.replace(VENDOR, f"location: header, source: {param['source']}}}",
                 "location: header, source: cmq-api.txt:10}")
    _assert_reported(new_problems(), param.line, "cite.mismatch", VENDOR)


def test_vendor_duplicate_common_param(
        tree: SpecTree, new_problems: Callable[[], list[SpecError]]) -> None:
    params = tree.doc(VENDOR)["facts"]["common_params"]
    second = next(p for p in params if p["name"] == "X-TC-Region")
    tree.replace(VENDOR, "{name: X-TC-Region,", "{name: X-TC-Action,")
    _assert_reported(new_problems(), second.line, "service.unique", VENDOR)


def test_vendor_fact_unknown_erratum(
        tree: SpecTree, new_problems: Callable[[], list[SpecError]]) -> None:
    param = next(p for p in tree.doc(VENDOR)["facts"]["common_params"]
                 if p["name"] == "X-TC-Language")
    tree.replace(VENDOR, "source: CLIENT-WIRE-NOTES.md:46, errata: v3-language-param",
                 "source: CLIENT-WIRE-NOTES.md:46, errata: no-such-erratum")
    _assert_reported(new_problems(), param.line, "ref.errata", VENDOR)


def test_surface_clause_id_must_start_with_its_api(
        tree: SpecTree, new_problems: Callable[[], list[SpecError]]) -> None:
    clause = next(c for c in tree.doc("service.yaml")["clauses"]
                  if c["id"] == "cmq.v3.auth.signature_failure")
    tree.replace("service.yaml", "  - id: cmq.v3.auth.signature_failure\n    api: cmq.v3",
                 "  - id: cmq.v3.auth.signature_failure\n    api: cmq.legacy")
    _assert_reported(new_problems(), clause.line, "clause.api")


@pytest.mark.parametrize(("value", "names"), [
    (16, ["16", "sixteen"]), (1000, ["1000", "1,000"]), (2, ["2", "two"]), (30, ["30"]),
])
def test_number_names_include_commas_and_words(value: int, names: list[str]) -> None:
    assert number_names(value) == names


def test_url_parts_split_the_region_placeholder() -> None:
    assert url_parts("https://cmq-queue-{region}.api.qcloud.com") == ["cmq-queue-",
                                                                      ".api.qcloud.com"]
    assert url_parts("https://cmq.intl.tencentcloudapi.com") == ["cmq.intl.tencentcloudapi.com"]
