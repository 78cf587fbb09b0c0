"""ROMA Connect MQS: unknown names and bad input answer the documented 400 body, never a 5xx
(huawei-mqs-query-messages.txt:287-397; errata roma-unknown-resource, roma-unknown-route)."""

from __future__ import annotations

from typing import Any

import pytest
from roma_steps import CLAUSE, Roma

BAD_INPUT = f"{CLAUSE}.bad_input_is_400"


@pytest.mark.clause("roma.v2.ShowMqsInstanceMessages.unknown_instance",
                    "roma.v2.condition.instance_not_found",
                    "roma.v2.ShowMqsInstanceMessages.error_response.error_code",
                    "roma.v2.ShowMqsInstanceMessages.error_response.error_msg")
def test_unknown_instance(roma: Roma) -> None:
    """An instance the project does not hold is refused with the 400 body."""
    got = roma.query(instance_id=f"{roma.base['instance_id']}-cmqc-unknown")
    roma.error("instance_not_found", "unknown instance", got, f"{CLAUSE}.unknown_instance")


@pytest.mark.clause("roma.v2.ShowMqsInstanceMessages.unknown_topic",
                    "roma.v2.condition.topic_not_found")
def test_unknown_topic(roma: Roma) -> None:
    """A topic the instance does not hold is refused with the 400 body."""
    got = roma.query(topic=f"{roma.base['topic']}-cmqc-unknown")
    roma.error("topic_not_found", "unknown topic", got, f"{CLAUSE}.unknown_topic")


@pytest.mark.clause("roma.v2.ShowMqsInstanceMessages.bad_input_is_400",
                    "roma.v2.condition.unknown_action",
                    "roma.v2.protocol.error_body")
@pytest.mark.parametrize("label,alter", [
    ("misspelt resource", lambda p: p.replace("/messages", "/messagez")),
    ("extra segment", lambda p: p.replace("/messages", "/messages/extra")),
    ("missing segment", lambda p: p.replace("/mqs/", "/")),
    ("no '?' before the query", lambda p: p.replace("?", "", 1)),
])
def test_malformed_path(roma: Roma, label: str, alter: Any) -> None:
    """A path that is not the documented template is a 400 with the error body."""
    got = roma.raw(path=alter)
    roma.error("unknown_action", label, got, BAD_INPUT)


@pytest.mark.clause("roma.v2.ShowMqsInstanceMessages.bad_input_is_400",
                    "roma.v2.condition.unsupported_method")
@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_other_method(roma: Roma, method: str) -> None:
    """Another method on the documented path is a 400 with the error body."""
    got = roma.raw(method=method)
    roma.error("unsupported_method", method, got, BAD_INPUT)


@pytest.mark.clause("roma.v2.ShowMqsInstanceMessages.bad_input_is_400",
                    "roma.v2.condition.invalid_type",
                    "roma.v2.condition.out_of_range")
@pytest.mark.parametrize("params,condition", [
    ({"start_time": "yesterday", "end_time": "1700000000000"}, "invalid_type"),
    ({"start_time": "1.5e12", "end_time": "1700000000000"}, "invalid_type"),
    ({"limit": "-5"}, "out_of_range"),
    ({"limit": str(10**30)}, "out_of_range"),
    ({"asc": "sometimes"}, "invalid_type"),
    ({"partition": "", "message_offset": "0"}, "invalid_type"),
])
def test_bad_values(roma: Roma, params: dict[str, str], condition: str) -> None:
    """A non-numeric timestamp, an absurd limit, a non-boolean asc: the 400 body."""
    got = roma.query(**params)
    roma.error(condition, str(params), got, BAD_INPUT)
