"""``spec stats``: per-surface counts, and both surfaces fully transcribed."""

from __future__ import annotations

import json

import pytest

from cmqconform.cli import main
from cmqconform.spec import load_specs
from cmqconform.spec.export import stats
from tests.surfaces import LEGACY, V3

#: The legacy actions of the API overview (issue "Specs"): queue, message, topic, subscription.
LEGACY_ACTIONS = {
    "CreateQueue", "ListQueue", "GetQueueAttributes", "SetQueueAttributes", "DeleteQueue",
    "RewindQueue", "SendMessage", "BatchSendMessage", "ReceiveMessage", "BatchReceiveMessage",
    "DeleteMessage", "BatchDeleteMessage", "CreateTopic", "SetTopicAttributes", "ListTopic",
    "GetTopicAttributes", "DeleteTopic", "PublishMessage", "BatchPublishMessage", "Subscribe",
    "ListSubscriptionByTopic", "SetSubscriptionAttributes", "Unsubscribe",
    "GetSubscriptionAttributes", "ClearSubscriptionFilterTags",
}

KEYS = {"actions", "parameters", "constrained_parameters", "rules", "response_fields", "types",
        "type_fields", "error_codes", "conditions", "clauses"}


def test_stats_json_has_every_count_for_every_surface(capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    assert main(["spec", "stats", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert {V3, LEGACY, "tdmq.v3", "trtc.v3"} <= set(figures)
    assert figures["tdmq.v3"]["actions"] == 1
    assert figures["trtc.v3"]["actions"] == 39
    assert figures["trtc.v3"]["types"] == 55
    for counts in figures.values():
        assert set(counts) == KEYS
        assert all(isinstance(v, int) and v >= 0 for v in counts.values())
        assert counts["constrained_parameters"] <= counts["parameters"]
        assert counts["clauses"] > counts["actions"]


def test_stats_table_lists_every_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spec", "stats"]) == 0
    out = capsys.readouterr().out
    assert all(key in out for key in KEYS)


def test_v3_has_the_17_actions() -> None:
    assert stats(load_specs())[V3]["actions"] == 17


def test_legacy_has_the_25_actions_of_the_overview() -> None:
    assert set(load_specs().api(LEGACY).actions) == LEGACY_ACTIONS
    assert stats(load_specs())[LEGACY]["actions"] == 25


def test_legacy_actions_name_their_host() -> None:
    actions = load_specs().api(LEGACY).actions.values()
    topic_side = {a.name for a in actions if a.host == "topic"}
    assert {a.host for a in actions} == {"queue", "topic"}
    assert "PublishMessage" in topic_side and "SendMessage" not in topic_side
