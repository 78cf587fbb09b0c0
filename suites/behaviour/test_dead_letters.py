"""Dead letters: moves after MaxReceiveCount or MaxTimeToLive, source listing, unbinding."""

from __future__ import annotations

import time
from typing import Any

import pytest
from behaviour_steps import (
    LEGACY,
    V3,
    call,
    expect_ok,
    param,
    queue_v3,
    receive_visible,
    send,
)

#: Upper bound on waiting for a 1 s visibility timeout to end on the target.
SETTLE = 5.0


def _pair(res: Any, **policy: Any) -> tuple[str, str]:
    """A dead letter queue and a source queue bound to it with ``policy`` (lower-cased names)."""
    dlq = res.create("queue", slot="dlq")
    attrs = {"visibilitytimeout": 1, "deadletterqueuename": dlq, **policy}
    source = res.create("queue", attrs=tuple(attrs.items()))
    return str(source), str(dlq)


def _sources(session: Any, dlq: str, **extra: Any) -> tuple[int, list[str]]:
    got = expect_ok(session, V3, "DescribeDeadLetterSourceQueues", deadletterqueuename=dlq,
                    **extra)
    return int(got.data["TotalCount"]), [str(q["QueueName"]) for q in got.data["QueueSet"]]


@pytest.mark.clause("cmq.v3.CreateQueue.dead_letter_max_receive",
                    "cmq.v3.CreateQueue.MaxReceiveCount.range")
def test_moves_after_max_receive_count(cmq_session: Any, cmq_resources: Any) -> None:
    """A message received MaxReceiveCount times and not deleted ends up in the dead letter queue."""
    count = param(cmq_session, V3, "CreateQueue", "MaxReceiveCount").min + 1
    source, dlq = _pair(cmq_resources(V3), policy=0, maxreceivecount=count)
    msg_id = send(cmq_session, source, "poison")
    for attempt in range(count):
        got = receive_visible(cmq_session, source, SETTLE)
        assert got is not None, f"receive {attempt + 1} of {count}: message not visible"
        assert got.data["msgId"] == msg_id
    moved = receive_visible(cmq_session, dlq, SETTLE)
    assert moved is not None, (
        f"after {count} receives (MaxReceiveCount={count}, Policy 0) the message is not in "
        f"the dead letter queue (cmq.v3.CreateQueue.dead_letter_max_receive, cmq-api.txt:3548)")
    assert moved.data["msgBody"] == "poison"
    again = call(cmq_session, LEGACY, "ReceiveMessage", queuename=source, pollingwaitseconds=0)
    assert not again.ok, "the dead-lettered message is still received from the source queue"


@pytest.mark.slow
@pytest.mark.clause("cmq.v3.CreateQueue.dead_letter_ttl",
                    "cmq.v3.CreateQueue.rule.ttl_required_for_policy_1")
def test_moves_after_max_time_to_live(cmq_session: Any, cmq_resources: Any) -> None:
    """With Policy 1 a message not consumed within MaxTimeToLive (300 s minimum) is moved."""
    ttl = param(cmq_session, V3, "CreateQueue", "MaxTimeToLive").min
    source, dlq = _pair(cmq_resources(V3), policy=1, maxtimetolive=ttl)
    send(cmq_session, source, "stale")
    time.sleep(ttl)
    moved = receive_visible(cmq_session, dlq, SETTLE + 5)
    assert moved is not None and moved.data["msgBody"] == "stale"


@pytest.mark.clause("cmq.v3.ModifyQueueAttribute.binds_dead_letter",
                    "cmq.v3.DescribeDeadLetterSourceQueues.lists_sources",
                    "cmq.v3.DescribeDeadLetterSourceQueues.filter_source_queue_name",
                    "cmq.v3.DescribeDeadLetterSourceQueues.page_size",
                    "cmq.v3.UnbindDeadLetter.clears_policy")
def test_sources_listed_then_unbound(cmq_session: Any, cmq_resources: Any) -> None:
    """Bound sources are listed (filtered, paged); UnbindDeadLetter clears the policy."""
    res = cmq_resources(V3)
    dlq = res.create("queue", slot="dlq")
    sources = sorted(res.create("queue", slot=f"s{i}") for i in range(3))
    for queue in sources:
        expect_ok(cmq_session, V3, "ModifyQueueAttribute", "cmq.v3.ModifyQueueAttribute."
                  "binds_dead_letter", queuename=queue, deadletterqueuename=dlq, policy=0,
                  maxreceivecount=3)
        policy = queue_v3(cmq_session, queue)["DeadLetterPolicy"]
        assert policy and policy["DeadLetterQueueName"] == dlq and policy["MaxReceiveCount"] == 3

    total, listed = _sources(cmq_session, dlq)
    assert (total, sorted(listed)) == (3, sources)
    total, page = _sources(cmq_session, dlq, offset=1, limit=1)
    assert total == 3 and len(page) == 1
    _, filtered = _sources(cmq_session, dlq, filters=[{"Name": "SourceQueueName",
                                                       "Values": [sources[1]]}])
    assert filtered == [sources[1]]

    expect_ok(cmq_session, V3, "UnbindDeadLetter", "cmq.v3.UnbindDeadLetter.clears_policy",
              queuename=sources[0])
    assert queue_v3(cmq_session, sources[0])["DeadLetterPolicy"] is None
    total, listed = _sources(cmq_session, dlq)
    assert (total, sorted(listed)) == (2, sources[1:])
