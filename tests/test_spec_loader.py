"""The loader reads specs/ into frozen models with derived clauses."""

from __future__ import annotations

from cmqconform.models import Cite
from cmqconform.spec import load_specs
from tests.surfaces import V3


def test_create_queue_visibility_timeout_is_loaded_with_its_source() -> None:
    action = load_specs().api(V3).action("CreateQueue")
    param = action.param("VisibilityTimeout")
    assert (param.min, param.max, param.default) == (1, 43200, 30)
    assert param.source == Cite("cmq-api.txt", 3540)


def test_named_pattern_is_resolved_to_its_regex() -> None:
    param = load_specs().api(V3).action("CreateQueue").param("QueueName")
    assert param.pattern_name == "resource_name"
    assert param.pattern is not None and param.pattern.startswith("^[A-Za-z]")


def test_constraint_clauses_are_derived_with_stable_ids() -> None:
    action = load_specs().api(V3).action("CreateQueue")
    clause = action.clause("cmq.v3.CreateQueue.VisibilityTimeout.range")
    assert clause.category == "range"
    assert str(clause.source) == "cmq-api.txt:3540"
