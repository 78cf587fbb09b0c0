"""``item_min_length`` end to end: schema, model, clause, export, lint, cases and emulator."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cmqconform.cases.values import probes, violated
from cmqconform.emulator.faults import Fault
from cmqconform.emulator.validate import validate
from cmqconform.errors import SpecError
from cmqconform.models import SpecSet
from cmqconform.spec import load_specs
from cmqconform.spec.export import param_record
from cmqconform.spec.openapi import param_schema
from cmqconform.spec.rules import condition_for
from tests.spec.conftest import SpecTree
from tests.surfaces import LEGACY

BSM = "legacy/BatchSendMessage.yaml"
BATCHES = ("BatchSendMessage", "BatchPublishMessage")


@pytest.fixture(scope="module")
def specs() -> SpecSet:
    """The project's specs."""
    return load_specs()


@pytest.mark.parametrize("action", BATCHES)
def test_batch_bodies_refuse_an_empty_item(specs: SpecSet, action: str) -> None:
    """Each batch body is at least 1 byte; an empty one answers empty_message_body."""
    param = specs.api(LEGACY).actions[action].param("msgBody")
    assert param.item_min_length == 1
    assert condition_for(param, "item_min_length") == "empty_message_body"
    clause = next(c for c in specs.all_clauses()
                  if c.id == f"cmq.legacy.{action}.msgBody.item_min_length")
    # The clause cites the line that says a body cannot be empty, not the msgBody.n row.
    assert str(clause.source) == str(param.sources["item_min_length"]) != str(param.source)
    assert "at least 1" in clause.text


def test_export_and_openapi_carry_it(specs: SpecSet) -> None:
    """The export record and the JSON Schema of an item both state the lower bound."""
    param = specs.api(LEGACY).actions["BatchSendMessage"].param("msgBody")
    record = param_record(param)
    assert record["item_min_length"] == 1
    assert record["sources"] == {"item_min_length": str(param.sources["item_min_length"])}
    assert param_schema(specs.api(LEGACY), param)["items"]["minLength"] == 1


def test_generated_cases_include_the_empty_item(specs: SpecSet) -> None:
    """The generator yields a valid 1-byte item and an invalid "empty item" probe."""
    api = specs.api(LEGACY)
    param = api.actions["BatchSendMessage"].param("msgBody")
    found = {(p.kind, p.valid, p.note): p.value for p in probes(api, param)}
    assert found[("item_min_length", False, "empty item")] == [""]
    assert len(found[("item_min_length", True, "min")][0]) == 1
    assert violated(param, [""]) == ["item_min_length"]
    assert violated(param, ["x"]) == []


def test_emulator_refuses_an_empty_item(specs: SpecSet) -> None:
    """validate() answers the parameter's condition for an empty item, accepts a 1-byte one."""
    action = specs.api(LEGACY).actions["BatchSendMessage"]
    validate(action, {"queueName": "q1", "msgBody": ["a", "b"]})
    with pytest.raises(Fault) as info:
        validate(action, {"queueName": "q1", "msgBody": ["a", ""]})
    assert info.value.condition == "empty_message_body"
    assert "item 1" in str(info.value)


def test_lint_item_min_above_item_max(tree: SpecTree,
                                      new_problems: Callable[[], list[SpecError]]) -> None:
    """item_min_length > item_max_length is reported at the parameter (range.order)."""
    line = tree.item(BSM, "request", "msgBody").line
    tree.replace(BSM, "item_min_length: 1", "item_min_length: 9\n    item_max_length: 3")
    found = new_problems()
    assert any(p.line == line and p.rule == "range.order" for p in found), found


def test_lint_item_min_on_a_string(tree: SpecTree,
                                   new_problems: Callable[[], list[SpecError]]) -> None:
    """item_min_length on a non-array parameter is reported (range.type)."""
    rel = "legacy/SendMessage.yaml"
    line = tree.item(rel, "request", "msgBody").line
    tree.replace(rel, "min_length: 1\n", "min_length: 1\n    item_min_length: 1\n")
    found = new_problems()
    assert any(p.file.endswith(rel) and p.line == line and p.rule == "range.type"
               for p in found), found


def test_lint_source_of_a_missing_constraint(tree: SpecTree,
                                             new_problems: Callable[[], list[SpecError]]) -> None:
    """A ``sources`` entry for a constraint the parameter lacks, or past the doc, is reported."""
    tree.replace(BSM, "sources: {item_min_length: cmq-api.txt:6715}",
                 "sources: {item_min_length: cmq-api.txt:6715, item_max_length: "
                 "cmq-api.txt:999999}")
    rules = {p.rule for p in new_problems()}
    assert {"cite.unused", "cite.line"} <= rules


def test_meta_schema_refuses_a_bad_value(tree: SpecTree,
                                         new_problems: Callable[[], list[SpecError]]) -> None:
    """item_min_length must be an integer >= 1 (meta-schema)."""
    tree.replace(BSM, "item_min_length: 1", "item_min_length: 0")
    assert any(p.rule.startswith("meta") for p in new_problems())
