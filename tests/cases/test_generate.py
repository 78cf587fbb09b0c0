"""Case generation from the specs: ids, expectations, clause ids, placeholders."""

from __future__ import annotations

import re

import pytest

from cmqconform.cases import generate
from cmqconform.cases.values import violated
from cmqconform.models import Ref
from cmqconform.spec import load_specs
from tests.surfaces import LEGACY, V3


@pytest.fixture(scope="module")
def cases() -> dict[str, object]:
    specs = load_specs()
    return {f"{c.api} {c.id}": c for c in generate(specs)}


def test_ids_are_unique_and_readable(cases: dict[str, object]) -> None:
    assert "cmq.v3 CreateQueue[VisibilityTimeout=43201]" in cases
    assert "cmq.v3 CreateQueue[VisibilityTimeout=43200]" in cases


def test_out_of_range_expects_the_condition_codes(cases: dict[str, object]) -> None:
    specs = load_specs()
    case = cases["cmq.v3 CreateQueue[VisibilityTimeout=43201]"]
    accept = specs.api(V3).conditions["out_of_range"].accept
    assert {r.code for r in case.expected.accept} == {r.code for r in accept}
    assert "cmq.v3.CreateQueue.VisibilityTimeout.range" in case.clause_ids
    assert case.expected.errata  # the v3-validation-code reading decided the codes
    assert str(case.expected.source) == str(
        specs.api(V3).action("CreateQueue").param("VisibilityTimeout").source)


def test_valid_boundary_expects_success(cases: dict[str, object]) -> None:
    case = cases["cmq.v3 CreateQueue[VisibilityTimeout=43200]"]
    assert case.expected.success


def test_every_action_has_protocol_and_auth_negatives(cases: dict[str, object]) -> None:
    specs = load_specs()
    for action in specs.api(V3).actions:
        for label in ("unknown action", "wrong Version", "bad signature", "missing auth"):
            assert f"cmq.v3 {action}[{label}]" in cases


def test_names_that_must_exist_are_set_up(cases: dict[str, object]) -> None:
    case = cases["cmq.v3 DeleteQueue[baseline]"]
    assert case.params["QueueName"] == Ref("queue")
    assert [n.kind for n in case.setup] == ["queue"]


def test_rules_are_broken_one_at_a_time(cases: dict[str, object]) -> None:
    case = cases["cmq.v3 CreateQueue[rule ttl_below_retention]"]
    assert not case.expected.success
    assert case.params["MaxTimeToLive"] >= case.params["MsgRetentionSeconds"]


def test_legacy_unknown_parameter_may_be_ignored(cases: dict[str, object]) -> None:
    case = cases["cmq.legacy CreateQueue[unknown parameter]"]
    assert case.expected.or_success
    assert case.api == LEGACY


def test_violated_names_the_broken_constraints() -> None:
    param = load_specs().api(V3).action("CreateQueue").param("VisibilityTimeout")
    assert violated(param, 0) == ["range"]
    assert violated(param, "x") == ["type"]
    assert violated(param, 30) == []


def test_missing_resource_case_carries_the_actions_error_clause(cases: dict[str, object]) -> None:
    case = cases["cmq.legacy GetQueueAttributes[queueName=unknown]"]
    assert "cmq.legacy.GetQueueAttributes.not_found" in case.clause_ids
    assert "cmq.legacy.condition.queue_not_found" in case.clause_ids


def test_pattern_parts_are_derived_from_the_pattern() -> None:
    """Each part a name pattern states gets its own breaking value: a character allowed inside
    but not first, one allowed nowhere, and the first length the pattern refuses."""
    from cmqconform.cases.values import pattern_parts

    specs = load_specs()
    pattern = specs.api("cmq.v3").actions["CreateQueue"].param("QueueName").pattern
    assert pattern is not None
    parts = pattern_parts(pattern, "queue")
    assert set(parts) == {"first character", "character set", "length"}
    head, _ = parts["first character"]
    _, tail = parts["character set"]
    assert re.search(pattern, "q" + head + "ueue") and not re.search(pattern, head + "queue")
    assert not re.search(pattern, "queue" + tail)
    limit = int(parts["length"][1])
    assert re.search(pattern, "q" * (limit - 1)) and not re.search(pattern, "q" * limit)
    assert pattern_parts("^https?://", "http://x") == {}


def test_a_rate_costly_value_is_at_its_cheapest_unless_it_is_the_subject(
        cases: dict[str, object]) -> None:
    """A member whose value ``rate_cost`` counts (messages asked for) sits at its spec minimum
    in every case about something else; its own boundary and typical cases keep theirs."""
    specs = load_specs()
    costly = [(api, a, a.param(a.rate_cost.member)) for api in specs.apis.values()
              for a in api.actions.values()
              if a.rate_cost is not None and a.rate_cost.mode == "value"]
    assert costly
    for api, action, param in costly:
        own = {key: case for key, case in cases.items()
               if key.startswith(f"{api.id} {action.name}[")}
        assert own[f"{api.id} {action.name}[baseline]"].params[param.name] == param.min
        others = [c for key, c in own.items() if f"[{param.name}=" not in key
                  and param.name in c.params]
        assert others and all(c.params[param.name] == param.min for c in others)
        subject = {c.params[param.name] for key, c in own.items()
                   if key.startswith(f"{api.id} {action.name}[{param.name}=")}
        assert {param.min, param.max, param.min - 1, param.max + 1} <= subject
        assert len(subject - {param.min, param.max, param.min - 1, param.max + 1}) >= 1
