"""One state behind both surfaces: what one surface changes, the other reads back."""

from __future__ import annotations

from typing import Any

import pytest
from behaviour_steps import LEGACY, V3, expect_ok, queue_legacy, queue_v3

#: Queue attributes both surfaces modify and read (lower-cased spec names).
ATTRIBUTES = ("pollingwaitseconds", "visibilitytimeout", "maxmsgsize", "msgretentionseconds",
              "rewindseconds", "maxmsgheapnum")
MODIFY = {V3: "ModifyQueueAttribute", LEGACY: "SetQueueAttributes"}


def _other_valid(session: Any, api: str, name: str) -> int:
    """A valid value of attribute ``name`` other than its create default (from the specs)."""
    param = next(p for p in session.specs.api(api).actions["CreateQueue"].request
                 if p.name.lower() == name)
    low = param.min if param.min is not None else 0
    return int(low + 1 if low + 1 != param.default else low)


def _read(session: Any, api: str, queue: str) -> dict[str, Any]:
    raw = queue_v3(session, queue) if api == V3 else queue_legacy(session, queue)
    return {k.lower(): v for k, v in raw.items() if k.lower() in ATTRIBUTES}


@pytest.mark.parametrize(("changed_on", "read_on"), [(V3, LEGACY), (LEGACY, V3)])
@pytest.mark.clause("cmq.v3.ModifyQueueAttribute.modifies_attributes",
                    "cmq.legacy.SetQueueAttributes.changes_attributes",
                    "cmq.legacy.GetQueueAttributes.reflects_attributes",
                    "cmq.v3.DescribeQueueDetail.lists_queues")
def test_queue_changes_read_back_on_the_other_surface(cmq_session: Any, cmq_resources: Any,
                                                      changed_on: str, read_on: str) -> None:
    """Attributes changed on one surface read back, changed, on the other."""
    queue = cmq_resources(changed_on).create("queue")
    values = {name: _other_valid(cmq_session, changed_on, name) for name in ATTRIBUTES}
    expect_ok(cmq_session, changed_on, MODIFY[changed_on], queuename=queue, **values)
    theirs = _read(cmq_session, read_on, queue)
    assert theirs == values, (
        f"{MODIFY[changed_on]} {values} on {changed_on}: {read_on} reads {theirs} "
        f"(cmq.legacy.GetQueueAttributes.reflects_attributes)")
    assert _read(cmq_session, changed_on, queue) == values


@pytest.mark.clause("cmq.v3.DescribeSubscriptionDetail.lists_subscriptions",
                    "cmq.legacy.GetSubscriptionAttributes.reflects_subscribe",
                    "cmq.legacy.Subscribe.creates_subscription")
def test_legacy_subscription_reads_back_on_v3(cmq_session: Any, cmq_resources: Any) -> None:
    """A subscription made on legacy lists on API 3.0 with its filter tags and endpoint."""
    res = cmq_resources(LEGACY)
    topic = str(res.create("topic"))
    queue = str(res.emptied("queue"))  # only the endpoint: lent emptied
    name = res.namer.name()
    res.created.append(("subscription", name, topic))
    tags = ["red", "blue"]
    expect_ok(cmq_session, LEGACY, "Subscribe", "cmq.legacy.Subscribe.creates_subscription",
              topicname=topic, subscriptionname=name, protocol="queue", endpoint=queue,
              notifycontentformat="SIMPLIFIED", filtertag=tags)
    mine = expect_ok(cmq_session, LEGACY, "GetSubscriptionAttributes", topicname=topic,
                     subscriptionname=name).data
    listed = expect_ok(cmq_session, V3, "DescribeSubscriptionDetail", topicname=topic)
    items = [s for s in listed.data.get("SubscriptionSet") or []
             if s.get("SubscriptionName") == name]
    assert len(items) == 1, f"DescribeSubscriptionDetail {topic}: {name} listed {len(items)} times"
    theirs = items[0]
    assert sorted(theirs.get("FilterTags") or []) == sorted(tags), (
        f"Subscribe filterTag={tags} on legacy: API 3.0 lists FilterTags "
        f"{theirs.get('FilterTags')!r} (cmq.v3.DescribeSubscriptionDetail.lists_subscriptions)")
    assert sorted(mine.get("filterTags") or mine.get("filterTag") or []) == sorted(tags)
    assert theirs.get("Endpoint") == queue and theirs.get("Protocol") == "queue"
