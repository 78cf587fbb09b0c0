"""Resource reuse: generated cases borrow pooled resources (product.yaml ``shared_by``), a case
that may have changed one retires it, deletion cases make their own, the drain removes all."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cmqconform.cases import generate
from cmqconform.cases.resources import Namer
from cmqconform.dialects import Credentials
from cmqconform.emulator.server import EmulatorServer
from cmqconform.models import SpecSet
from cmqconform.properties import property_cases, run_property
from cmqconform.provision import Pool, Resources, sweep
from cmqconform.runner import execute
from cmqconform.session import Session, url_target
from cmqconform.spec import load_specs
from cmqconform.verdicts import Case, Exchange
from tests.surfaces import LEGACY, V3

SID, KEY = "AKIDcmqcpooltest", "pool-test-key"


class Counting(Session):
    """A session counting the actions it sends."""

    def __init__(self, specs: SpecSet, url: str) -> None:
        super().__init__(specs, url_target(url, Credentials.of(SID, KEY), specs))
        self.actions: Counter[str] = Counter()

    def call(self, api: str, action: str, params: Any, **kwargs: Any) -> Exchange:
        """Count, then send."""
        self.actions[action] += 1
        return super().call(api, action, params, **kwargs)


@pytest.fixture(scope="module")
def cases() -> dict[str, Case]:
    return {c.id: c for c in generate(load_specs(), [LEGACY])}


@pytest.fixture
def session() -> Iterator[Counting]:
    with EmulatorServer({SID: KEY}) as url, Counting(load_specs(), url) as counting:
        yield counting


def test_readers_share_one_queue_and_the_drain_deletes_it(
        session: Counting, cases: dict[str, Case]) -> None:
    pool = Pool(session, Namer("pooltest", "w0"))
    for name in ("GetQueueAttributes[baseline]", "SendMessage[baseline]",
                 "GetQueueAttributes[queueName=<queue>]", "ReceiveMessage[baseline]"):
        assert execute(cases[name], session, pool.namer, pool=pool).verdict == "pass", name
    assert session.actions["CreateQueue"] == 1 and session.actions["DeleteQueue"] == 0
    assert pool.made == 1 and pool.lent == 4
    assert pool.drain() == [] and session.actions["DeleteQueue"] == 1
    assert sweep(session, "cmqc-pooltest") == []


def test_a_name_of_a_given_length_is_pooled_apart(
        session: Counting, cases: dict[str, Case]) -> None:
    pool = Pool(session, Namer("pooltest", "w5"))
    for name in ("GetQueueAttributes[queueName=<64 chars>]", "SendMessage[queueName=<64 chars>]",
                 "GetQueueAttributes[baseline]", "ReceiveMessage[queueName=<64 chars>]"):
        assert execute(cases[name], session, pool.namer, pool=pool).verdict == "pass", name
    # One 64-character queue for the three cases about that length, one other for the baseline.
    (long,) = pool.free[("cmq", "queue", None, (), 64)]
    (short,) = pool.free[("cmq", "queue", None, (), None)]
    assert len(long) == 64 and len(short) != 64
    assert session.actions["CreateQueue"] == 2 and session.actions["DeleteQueue"] == 0
    assert pool.drain() == [] and session.actions["DeleteQueue"] == 2


def attributes(session: Session, queue: str) -> dict[str, Any]:
    """GetQueueAttributes of ``queue`` without the members that move by themselves."""
    got = session.call(LEGACY, "GetQueueAttributes", {"queueName": queue})
    assert got.ok, got.describe()
    return {k: v for k, v in got.data.items() if not k.lower().endswith(("time", "id"))}


def test_an_accepted_change_is_put_back_in_place(
        session: Counting, cases: dict[str, Case]) -> None:
    pool = Pool(session, Namer("pooltest", "w1"))
    refused = "SetQueueAttributes[maxMsgHeapNum=not-a-number]"
    assert execute(cases[refused], session, pool.namer, pool=pool).verdict == "pass"
    (queue,) = pool.free[("cmq", "queue", None, (), None)]
    made = attributes(session, queue)
    for name in ("SetQueueAttributes[maxMsgHeapNum=1000000]",
                 "SetQueueAttributes[rewindSeconds=1296000]", "SetQueueAttributes[baseline]"):
        assert execute(cases[name], session, pool.namer, pool=pool).verdict == "pass", name
        # The next borrower gets the same queue, with the attributes it was made with.
        assert pool.free[("cmq", "queue", None, (), None)] == [queue], name
        assert attributes(session, queue) == made, name
    # One queue for all; each accepted change (not the baseline, which set nothing) was sent
    # again with the creation values.
    assert session.actions["CreateQueue"] == 1 and session.actions["DeleteQueue"] == 0
    assert session.actions["SetQueueAttributes"] == 1 + 3 + 2
    pool.drain()


def test_a_change_with_no_creation_value_retires(
        session: Counting, cases: dict[str, Case]) -> None:
    pool = Pool(session, Namer("pooltest", "w4"))
    # The binding keys a pooled subscription was made without cannot be sent back, and no
    # action takes them back (product.yaml undo): it is retired.
    for name in ("SetSubscriptionAttributes[bindingKey=[taga]]",
                 "SetSubscriptionAttributes[notifyStrategy=BACKOFF_RETRY]"):
        assert execute(cases[name], session, pool.namer, pool=pool).verdict == "pass", name
    assert session.actions["Subscribe"] == 2 and session.actions["Unsubscribe"] == 1
    assert session.actions["CreateTopic"] == 1  # the topic is shared by both
    pool.drain()
    assert sweep(session, "cmqc-pooltest") == []


def test_a_change_the_kind_can_undo_is_taken_back(session: Counting) -> None:
    """Filter tags are cleared and a dead-letter binding unbound (product.yaml ``undo``): the
    pooled subscription and source queue go back in place, and the next borrower gets them."""
    pool = Pool(session, Namer("pooltest", "w14"))
    legacy = {c.id: c for c in generate(load_specs(), [LEGACY])}
    v3 = {c.id: c for c in generate(load_specs(), [V3])}
    for case in (legacy["SetSubscriptionAttributes[filterTag=[taga]]"],
                 legacy["SetSubscriptionAttributes[notifyStrategy=BACKOFF_RETRY]"],
                 v3["ModifyQueueAttribute[DeadLetterQueueName=<queue>]"],
                 v3["ModifyQueueAttribute[baseline]"]):
        assert execute(case, session, pool.namer, pool=pool).verdict == "pass", case.id
    assert session.actions["Subscribe"] == 1 and session.actions["Unsubscribe"] == 0
    assert session.actions["ClearSubscriptionFilterTags"] == 1
    # The source queue goes back unbound, and so does the dead-letter queue it named (only as
    # the source's reference: DeadLetterQueueName).
    assert session.actions["UnbindDeadLetter"] == 1 and session.actions["DeleteQueue"] == 0
    free = pool.free[("cmq", "queue", None, (), None)]
    assert session.actions["CreateQueue"] == 2 and len(free) == 2
    for queue in free:
        got = session.call(V3, "DescribeQueueDetail", {"QueueName": queue})
        assert got.ok and not got.data["QueueSet"][0].get("DeadLetterPolicy"), got.data
    pool.drain()
    assert sweep(session, "cmqc-pooltest") == []


def test_a_deletion_case_makes_and_deletes_its_own_once(
        session: Counting, cases: dict[str, Case]) -> None:
    pool = Pool(session, Namer("pooltest", "w2"))
    assert execute(cases["GetQueueAttributes[baseline]"], session, pool.namer,
                   pool=pool).verdict == "pass"
    assert execute(cases["DeleteQueue[baseline]"], session, pool.namer,
                   pool=pool).verdict == "pass"
    # Its own queue: made for it, deleted by the case itself, not again at cleanup.
    assert session.actions["CreateQueue"] == 2 and session.actions["DeleteQueue"] == 1
    assert len(pool.alive) == 1
    pool.drain()
    assert sweep(session, "cmqc-pooltest") == []


def test_a_refused_create_deletes_nothing(session: Counting, cases: dict[str, Case]) -> None:
    pool = Pool(session, Namer("pooltest", "w3"))
    assert execute(cases["CreateQueue[queueName=<name>_]"], session, pool.namer,
                   pool=pool).verdict == "pass"
    assert execute(cases["CreateQueue[baseline]"], session, pool.namer,
                   pool=pool).verdict == "pass"
    assert session.actions["DeleteQueue"] == 1  # the accepted one only


def test_a_deletion_case_expecting_refusal_borrows(
        session: Counting, cases: dict[str, Case]) -> None:
    pool = Pool(session, Namer("pooltest", "w5"))
    assert execute(cases["GetSubscriptionAttributes[baseline]"], session, pool.namer,
                   pool=pool).verdict == "pass"
    refused = [c for c in cases.values() if c.action == "Unsubscribe" and c.setup
               and not c.expected.success and not c.expected.or_success]
    assert refused
    for case in refused:
        assert execute(case, session, pool.namer, pool=pool).verdict == "pass", case.id
    # The refused deletions used the pooled subscription, which is still there.
    assert session.actions["Subscribe"] == 1 and session.actions["Unsubscribe"] == len(refused)
    # One the errata let the target accept makes its own; so does a refused deletion of a
    # kind other resources live inside (a pooled topic holds pooled subscriptions).
    for name in ("Unsubscribe[unknown parameter]", "DeleteTopic[unknown parameter]"):
        assert execute(cases[name], session, pool.namer, pool=pool).verdict == "pass", name
    assert session.actions["Subscribe"] == 2 and session.actions["CreateTopic"] == 2
    pool.drain()
    assert sweep(session, "cmqc-pooltest") == []


def test_a_retired_topic_takes_its_pooled_subscriptions_along(
        session: Counting, cases: dict[str, Case]) -> None:
    pool = Pool(session, Namer("pooltest", "w6"))
    assert execute(cases["GetSubscriptionAttributes[baseline]"], session, pool.namer,
                   pool=pool).verdict == "pass"
    (topic,) = {key[2] for key in pool.free if key[1] == "subscription"}
    inside = pool.retire(LEGACY, "topic", topic, None)
    assert [kind for kind, _, parent in inside] == ["subscription"] and inside[0][2] == topic
    assert not [key for key in pool.free if key[2] == topic]
    assert all(r[3] != topic for r in pool.alive)


def test_a_scenario_gets_the_same_queue_back_emptied(session: Counting) -> None:
    lender = Pool(session, Namer("pooltest", "w7"))
    first = Resources(session, LEGACY, lender.namer, lender=lender)
    queue = first.emptied("queue")
    assert session.call(LEGACY, "SendMessage", {"queueName": queue, "msgBody": "left"}).ok
    first.cleanup()
    second = Resources(session, LEGACY, lender.namer, lender=lender)
    assert second.emptied("queue") == queue
    got = session.call(LEGACY, "ReceiveMessage", {"queueName": queue, "pollingWaitSeconds": 0})
    assert not got.ok and session.actions["ClearQueue"] == 1 and session.actions["CreateQueue"] == 1
    second.cleanup()
    lender.drain()
    assert sweep(session, "cmqc-pooltest") == []


def test_a_topic_still_holding_a_subscription_is_not_lent(session: Counting) -> None:
    lender = Pool(session, Namer("pooltest", "w8"))
    first = Resources(session, LEGACY, lender.namer, lender=lender)
    topic = first.emptied("topic")
    queue = first.create("queue")
    assert session.call(LEGACY, "Subscribe", {
        "topicName": topic, "subscriptionName": lender.namer.name(), "protocol": "queue",
        "endpoint": queue, "notifyContentFormat": "SIMPLIFIED"}).ok
    first.cleanup()  # the subscription it made is not among what it cleans up
    second = Resources(session, LEGACY, lender.namer, lender=lender)
    assert second.emptied("topic") != topic
    assert session.actions["CreateTopic"] == 2
    second.cleanup()
    lender.drain()
    sweep(session, "cmqc-pooltest")


def test_without_a_served_emptying_action_a_scenario_makes_its_own(
        session: Counting, monkeypatch: pytest.MonkeyPatch) -> None:
    from cmqconform.targets import Target

    # A target serving the legacy surface only: ClearQueue (API 3.0) cannot empty a queue.
    monkeypatch.setattr(Target, "surfaces", property(lambda self: (LEGACY,)))
    lender = Pool(session, Namer("pooltest", "w9"))
    assert not lender.can_empty(LEGACY, "queue") and lender.can_empty(LEGACY, "topic")
    res = Resources(session, LEGACY, lender.namer, lender=lender)
    queue = res.emptied("queue")
    assert res.created == [("queue", queue, None)] and not lender.alive
    res.cleanup()
    assert session.actions["DeleteQueue"] == 1


def test_a_signature_case_reads_a_lent_queue_and_creates_nothing(session: Counting) -> None:
    """A signature case's subject is the signature: its probe reads a queue lent as it is (the
    lender makes one, once: both surfaces reach it), never one of its own."""
    specs = load_specs()
    wanted = {(LEGACY, "signature[HmacSHA1 param:queueName]"),
              (LEGACY, "signature[HmacSHA256 method]"), (V3, "signature[TC3-HMAC-SHA256 body]"),
              (V3, "signature[HmacSHA1 param:QueueName]")}
    chosen = [c for api in (LEGACY, V3) for c in property_cases(specs, api)
              if (api, c.id) in wanted]
    assert len(chosen) == len(wanted)
    lender = Pool(session, Namer("pooltest", "w10"))
    for case in chosen:
        verdict = run_property(case, session, lender.namer, lender=lender)
        assert verdict.verdict == "pass", (case.id, verdict.message)
    assert {c.action for c in chosen} == {"GetQueueAttributes", "ClearQueue"}
    assert session.actions["CreateQueue"] == 1 and lender.made == 1 and lender.lent == len(chosen)
    assert session.actions["DeleteQueue"] == 0
    lender.drain()
    assert sweep(session, "cmqc-pooltest") == []


def _round_trips(api: str, *actions: str) -> list[Any]:
    return [c for c in property_cases(load_specs(), api)
            if c.kind == "round_trip" and c.id.split("[")[1].split()[0] in actions]


def test_a_changing_round_trip_borrows_and_puts_back_in_place(session: Counting) -> None:
    """SetQueueAttributes at its maxima, then its minima: both on one lent queue, each change
    sent back at the creation values (the next borrower finds the queue as it was made)."""
    lender = Pool(session, Namer("pooltest", "w11"))
    cases = _round_trips(LEGACY, "SetQueueAttributes")
    assert len(cases) == 2
    made: dict[str, Any] = {}
    for case in cases:
        verdict = run_property(case, session, lender.namer, lender=lender)
        assert verdict.verdict == "pass", (case.id, verdict.message)
        (queue,) = lender.free[("cmq", "queue", None, (), None)]
        made = made or attributes(session, queue)
        assert attributes(session, queue) == made, case.id
    assert made["maxMsgHeapNum"] == 10000000  # the CreateQueue default, not the round trip's
    # One queue; each round trip's change (one SetQueueAttributes) was sent back (a second).
    assert session.actions["CreateQueue"] == 1 and session.actions["DeleteQueue"] == 0
    assert session.actions["SetQueueAttributes"] == 4
    lender.drain()
    assert sweep(session, "cmqc-pooltest") == []


def test_a_subscription_round_trip_lends_its_topic_and_endpoint(session: Counting) -> None:
    """Subscribe's and SetSubscriptionAttributes' round trips make only their subscription:
    the topic and the endpoint queue are lent emptied, and the topic goes back holding none."""
    lender = Pool(session, Namer("pooltest", "w12"))
    for case in _round_trips(LEGACY, "Subscribe", "SetSubscriptionAttributes"):
        verdict = run_property(case, session, lender.namer, lender=lender)
        assert verdict.verdict == "pass", (case.id, verdict.message)
    assert session.actions["CreateTopic"] == 1 and session.actions["CreateQueue"] == 1
    assert session.actions["Subscribe"] == 4 and session.actions["Unsubscribe"] == 4
    lender.drain()
    assert sweep(session, "cmqc-pooltest") == []


def test_a_listing_counts_what_the_pools_keep_before_it_lends_more(session: Counting) -> None:
    """A listing scenario needing five queues of its worker counts the three the generated
    cases' pool keeps and borrows two; run again, it finds five held and makes none."""
    suites = Path(__file__).resolve().parents[1] / "suites" / "behaviour"
    sys.path.insert(0, str(suites))
    try:
        import behaviour_steps
    finally:
        sys.path.remove(str(suites))
    namer = Namer("pooltest", "w13")
    pool, lender = Pool(session, namer), Pool(session, namer)
    maker = Resources(session, LEGACY, namer)
    for _ in range(3):
        pool.adopt(LEGACY, "queue", maker.create("queue"), None)
    for _ in range(2):
        res = Resources(session, LEGACY, namer, lender=lender)
        names = behaviour_steps.held_at_least(res, "queue", 5, (pool, lender))
        assert len(names) == 5 and pool.names("queue") < set(names)
        assert session.actions["CreateQueue"] == 5 and lender.made == 2
        res.cleanup()
    pool.drain()
    lender.drain()
    assert sweep(session, "cmqc-pooltest") == []


def test_a_format_change_and_an_unbinding_keep_the_pooled_resource(session: Counting) -> None:
    """The pooled http subscription is made with http's default format, so a change of format
    is sent back; unbinding a pooled queue (it has no dead-letter policy) leaves it as it was."""
    pool = Pool(session, Namer("pooltest", "w15"))
    v3 = {c.id: c for c in generate(load_specs(), [V3])}
    for name in ("ModifySubscriptionAttribute[NotifyContentFormat=SIMPLIFIED]",
                 "ModifySubscriptionAttribute[NotifyContentFormat=JSON]",
                 "UnbindDeadLetter[baseline]", "UnbindDeadLetter[baseline]"):
        assert execute(v3[name], session, pool.namer, pool=pool).verdict == "pass", name
    assert session.actions["CreateSubscribe"] == 1 and session.actions["DeleteSubscribe"] == 0
    assert session.actions["CreateQueue"] == 1 and session.actions["DeleteQueue"] == 0
    pool.drain()
    assert sweep(session, "cmqc-pooltest") == []


def test_the_generated_pool_takes_the_lenders_free_queue_for_good(
        session: Counting, cases: dict[str, Case]) -> None:
    """A generated case finding no free queue in its pool takes the lender's free one instead
    of making one; the queue is the pool's from then on, never lent to a scenario again."""
    lender = Pool(session, Namer("pooltest", "w16"))
    pool = Pool(session, lender.namer, donor=lender)
    res = Resources(session, LEGACY, lender.namer, lender=lender)
    queue = res.emptied("queue")
    res.cleanup()
    assert execute(cases["GetQueueAttributes[baseline]"], session, pool.namer,
                   pool=pool).verdict == "pass"
    assert session.actions["CreateQueue"] == 1 and pool.free[("cmq", "queue", None, (), None)] \
        == [queue] and pool.names("queue") == {queue} and lender.names("queue") == set()
    again = Resources(session, LEGACY, lender.namer, lender=lender)
    assert again.emptied("queue") != queue and session.actions["CreateQueue"] == 2
    again.cleanup()
    pool.drain()
    lender.drain()
    assert session.actions["DeleteQueue"] == 2 and sweep(session, "cmqc-pooltest") == []


def test_fidelity_cases_through_a_topic_share_one_kept_subscription(session: Counting) -> None:
    """The topic, its queue subscription and the queue are kept together by the lender after a
    fidelity case received all it sent: the next case through a topic subscribes nothing, and
    the drain removes the three."""
    lender = Pool(session, Namer("pooltest", "w17"))
    chosen = [c for c in property_cases(load_specs(), LEGACY) if c.kind == "fidelity"
              and "Publish" in c.id and c.variant in ("edges", "nfc")]
    assert len(chosen) == 4
    for case in chosen:
        verdict = run_property(case, session, lender.namer, lender=lender)
        assert verdict.verdict == "pass", (case.id, verdict.message)
    assert session.actions["Subscribe"] == 1 and session.actions["Unsubscribe"] == 0
    assert session.actions["CreateTopic"] == 1 and session.actions["CreateQueue"] == 1
    assert lender.drain() == [] and session.actions["Unsubscribe"] == 1
    assert sweep(session, "cmqc-pooltest") == []


def test_both_surfaces_of_a_product_share_the_pool(session: Counting) -> None:
    """A queue the legacy surface made is lent to a v3 case too (one product, one queue)."""
    pool = Pool(session, Namer("pooltest", "w18"))
    legacy = {c.id: c for c in generate(load_specs(), [LEGACY])}
    v3 = {c.id: c for c in generate(load_specs(), [V3])}
    for case in (legacy["GetQueueAttributes[baseline]"], v3["ClearQueue[baseline]"]):
        assert execute(case, session, pool.namer, pool=pool).verdict == "pass", case.id
    assert session.actions["CreateQueue"] == 1 and pool.lent == 2
    pool.drain()
    assert session.actions["DeleteQueue"] == 1 and sweep(session, "cmqc-pooltest") == []


def test_the_drain_shares_its_deletions_between_the_surfaces_it_used(session: Counting) -> None:
    """At the end every worker drains at once: the deletions go to both surfaces' delete
    actions (each has rate slots of its own), a subscription before its topic; a surface the
    pool never used gets none."""
    surfaces: Counter[str] = Counter()
    sent = session.call

    def counted(api: str, action: str, params: Any, **kwargs: Any) -> Exchange:
        if action.startswith(("Delete", "Unsubscribe")):
            surfaces[f"{api} {action}"] += 1
        return sent(api, action, params, **kwargs)

    session.call = counted  # type: ignore[method-assign]
    pool = Pool(session, Namer("pooltest", "w19"))
    names = [pool.namer.name() for _ in range(4)]
    for name in names:
        assert session.call(LEGACY, "CreateQueue", {"queueName": name}).ok
        pool.adopt(LEGACY, "queue", name, None)
    assert pool.drain() == []
    assert surfaces == {f"{LEGACY} DeleteQueue": 4}, "v3 was never used: it gets none"
    surfaces.clear()
    topic, sub = pool.namer.name(), pool.namer.name()
    assert session.call(LEGACY, "CreateTopic", {"topicName": topic}).ok
    assert session.call(LEGACY, "Subscribe", {"topicName": topic, "subscriptionName": sub,
                                              "protocol": "http",
                                              "endpoint": "http://127.0.0.1:9/x"}).ok
    pool.adopt(LEGACY, "topic", topic, None)
    pool.adopt(LEGACY, "subscription", sub, topic)
    for name in [pool.namer.name() for _ in range(4)]:
        assert session.call(V3, "CreateQueue", {"QueueName": name}).ok
        pool.adopt(V3, "queue", name, None)
    assert pool.drain() == []
    assert surfaces[f"{LEGACY} DeleteQueue"] == 2 and surfaces[f"{V3} DeleteQueue"] == 2
    assert surfaces[f"{LEGACY} Unsubscribe"] + surfaces[f"{V3} DeleteSubscribe"] == 1
    assert sweep(session, "cmqc-pooltest") == []


def test_the_drain_spreads_over_every_surface_of_the_run_and_takes_turns_by_kind(
        session: Counting) -> None:
    """A pool of a run of both surfaces deletes on both, though it made everything through
    one; queues and topics take turns, so no one delete action holds the end of the run."""
    order: list[str] = []
    sent = session.call

    def counted(api: str, action: str, params: Any, **kwargs: Any) -> Exchange:
        if action.startswith("Delete"):
            order.append(f"{api} {action}")
        return sent(api, action, params, **kwargs)

    session.call = counted  # type: ignore[method-assign]
    pool = Pool(session, Namer("pooltest", "w20"), surfaces=(LEGACY, V3))
    for kind, action, param in (("queue", "CreateQueue", "queueName"),) * 2 + (
            ("topic", "CreateTopic", "topicName"),) * 2:
        name = pool.namer.name()
        assert session.call(LEGACY, action, {param: name}).ok
        pool.adopt(LEGACY, kind, name, None)
    assert pool.drain() == []
    assert sorted(order) == sorted([f"{LEGACY} DeleteQueue", f"{V3} DeleteQueue",
                                    f"{LEGACY} DeleteTopic", f"{V3} DeleteTopic"])
    assert [a.endswith("Queue") for a in order] in ([True, False] * 2, [False, True] * 2)
    assert sweep(session, "cmqc-pooltest") == []
