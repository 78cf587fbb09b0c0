"""Steps shared by the behaviour scenarios: calls by spec name, expectations from the specs.

Every expected error comes from a condition of ``errors.yaml`` (never a code written here), and
every wait is bounded. Failure messages name the action, the input, the expected outcome with
its clause and doc line, and what came back.
"""

from __future__ import annotations

import functools
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from cmqconform.checks.rules import listing_total_failure
from cmqconform.properties.steps import tried_in_time
from cmqconform.provision import Pool, Resources, named
from cmqconform.runner import SuiteFault
from cmqconform.session import Session
from cmqconform.verdicts import Exchange

T = TypeVar("T")

#: CMQ's surfaces, as specs/cmq/product.yaml names them.
V3 = "cmq.v3"
LEGACY = "cmq.legacy"


def call(session: Session, api: str, action: str, **lowered: Any) -> Exchange:
    """Call ``action`` with parameters given by lower-cased spec names (one form, both APIs);
    a listing's answer must count every match in its total, wherever a scenario lists."""
    params = named(session, api, action, **lowered)
    got = session.call(api, action, params)
    if got.ok:
        broken = listing_total_failure(session.specs.product_of(api), session.specs.api(api),
                                       action, params, got.data)
        assert broken is None, f"{action} {_short(lowered)}: {broken.message if broken else ''}"
    return got


def held_at_least(res: Resources, kind: str, count: int, pools: Sequence[Pool]) -> list[str]:
    """At least ``count`` live ``kind`` resources of this worker, sorted shortest name first:
    what its ``pools`` keep (the generated cases' and the lender's, named with the worker's
    prefix), topped up with ones the lender lends as they are (made only when none is free).
    A listing filtered by the prefix shows every one; no other worker's name carries it."""
    prefix = res.namer.name().rsplit("-", 2)[0] + "-"
    mine: list[str] = []

    def held() -> set[str]:
        kept = {n for pool in pools for n in pool.names(kind) if n.startswith(prefix)}
        return kept | set(mine)

    # Bounded: each turn lends a free one (already held) or makes one.
    for i in range(count + len(held())):
        if len(held()) >= count:
            break
        mine.append(str(res.shared(kind, slot=str(i))))
    return sorted(held(), key=lambda n: (len(n), n))


def _where(session: Session, api: str, clause: str | None) -> str:
    if clause is None:
        return ""
    for item in session.specs.all_clauses():
        if item.id == clause:
            return f" ({clause}, {item.source})"
    return f" ({clause})"


def expect_ok(session: Session, api: str, action: str, clause: str | None = None,
              **lowered: Any) -> Exchange:
    """Call and require success; the failure names action, input, clause and received."""
    got = call(session, api, action, **lowered)
    assert got.ok, (f"{action} {lowered}: expected success{_where(session, api, clause)}; "
                    f"received {got.describe()}")
    return got


def accepts(session: Session, api: str, condition: str, got: Exchange) -> bool:
    """Whether ``got`` is an error the specs' condition accepts."""
    accept = session.specs.api(api).conditions[condition].accept
    return not got.ok and got.fault is None and any(
        str(ref.code) == str(got.code) and (ref.module is None or ref.module == got.module)
        for ref in accept)


def expect_error(session: Session, api: str, condition: str, action: str,
                 clause: str | None = None, **lowered: Any) -> Exchange:
    """Call and require an error answering ``condition`` of errors.yaml."""
    got = call(session, api, action, **lowered)
    check_error(session, api, condition, got, f"{action} {_short(lowered)}", clause)
    return got


def check_error(session: Session, api: str, condition: str, got: Exchange, what: str,
                clause: str | None = None) -> None:
    """Require that ``got`` answers ``condition``."""
    cond = session.specs.api(api).conditions[condition]
    codes = "|".join(str(ref) for ref in cond.accept)
    assert accepts(session, api, condition, got), (
        f"{what}: expected {codes} ({condition}){_where(session, api, clause)}; "
        f"received {got.describe()}")


#: Concurrent senders of a burst (bounded; enough to beat one wall second on any target).
BURST_SENDERS = 8


def burst(session: Session, api: str, action: str, count: int,
          **lowered: Any) -> list[Exchange]:
    """``count`` copies of one call sent at once, from a session of its own (the run's shared
    limiter would keep the burst under the target's limit)."""
    with Session(session.specs, session.target) as own:
        params = named(own, api, action, **lowered)
        with ThreadPoolExecutor(BURST_SENDERS) as pool:
            return list(pool.map(lambda _: own.call(api, action, params), range(count)))


def check_throttled(session: Session, api: str, answers: list[Exchange], what: str,
                    clause: str) -> None:
    """Require that some of ``answers`` were throttled, each with the rate-limit code."""
    throttled = [a for a in answers if not a.ok]
    assert throttled, f"{what}: none of {len(answers)} was throttled ({clause})"
    for answer in throttled:
        check_error(session, api, "rate_limited", answer, what, clause)


def _short(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (f"<{len(v)} chars>" if isinstance(v, str) and len(v) > 40 else v)
            for k, v in params.items()}


def body_of(got: Exchange) -> dict[str, Any]:
    """The decoded response body (errors too: legacy 6010 carries errorList beside its code)."""
    try:
        doc = json.loads(got.evidence.response_body)
    except ValueError:
        return {}
    return dict(doc) if isinstance(doc, dict) else {}


def wait_for(probe: Callable[[], T | None], timeout: float, step: float = 0.2) -> T | None:
    """Call ``probe`` until it returns something other than None, for at most ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found is not None or time.monotonic() >= deadline:
            return found
        time.sleep(step)


def limit(session: Session, name: str) -> int:
    """A limit of service.yaml ``limits`` (``batch_max_messages`` -> 16)."""
    return int(session.specs.product_of(V3).limit(name))


def param(session: Session, api: str, action: str, name: str) -> Any:
    """A request parameter's spec (by spec name)."""
    return session.specs.api(api).actions[action].param(name)


def send(session: Session, queue: str, body: str, **extra: Any) -> str:
    """SendMessage on the legacy surface; returns the msgId."""
    got = expect_ok(session, LEGACY, "SendMessage", queuename=queue, msgbody=body, **extra)
    return str(got.data["msgId"])


def receive(session: Session, queue: str, wait: int = 0) -> Exchange:
    """ReceiveMessage with an explicit pollingWaitSeconds."""
    return call(session, LEGACY, "ReceiveMessage", queuename=queue, pollingwaitseconds=wait)


def polled(session: Session, api: str, got: Exchange, what: str) -> Exchange | None:
    """A receive's answer inside a polling loop: ``got`` when it carries messages, None when it
    is the specs' empty receive (``no_message``).

    A receive that got no usable answer (a reset, a garbled body, a throttle that outlasted the
    retries) is never read as "no message": it ends the scenario as an error (SuiteFault) with
    the fault as evidence. Any other error answer is a contract failure naming what came back.
    """
    if got.fault is not None:
        raise SuiteFault(f"{what}: {got.fault}")
    if got.ok:
        return got
    check_error(session, api, "no_message", got, f"{what} (polling)")
    return None


def long_wait(session: Session, api: str, action: str, deadline: float) -> int:
    """The pollingWaitSeconds of a receive inside a polling loop ending at ``deadline``
    (monotonic): the whole seconds left, within the member's spec range. A long poll answers as
    soon as a message is there (the documented long polling), so a loop waiting for one sends
    a request or two, not one every step: each receive counts against the target's rate."""
    wait = param(session, api, action, "pollingWaitSeconds")
    left = math.ceil(deadline - time.monotonic())
    return int(max(wait.min or 0, min(wait.max if wait.max is not None else left, left)))


def receive_visible(session: Session, queue: str, timeout: float) -> Exchange | None:
    """The first message that becomes visible within ``timeout`` s (long polls), or None."""
    deadline = time.monotonic() + timeout

    def probe() -> Exchange | None:
        wait = long_wait(session, LEGACY, "ReceiveMessage", deadline)
        return polled(session, LEGACY, receive(session, queue, wait), f"ReceiveMessage {queue}")
    return wait_for(probe, timeout)


def drain(session: Session, queue: str) -> list[str]:
    """Receive (without waiting) until the queue answers no message; returns the bodies."""
    bodies = []
    for _ in range(200):
        got = polled(session, LEGACY, receive(session, queue), f"ReceiveMessage {queue}")
        if got is None:
            break
        bodies.append(str(got.data["msgBody"]))
    return bodies


def queue_v3(session: Session, queue: str) -> Mapping[str, Any]:
    """The QueueSet item DescribeQueueDetail lists for exactly ``queue``."""
    got = expect_ok(session, V3, "DescribeQueueDetail", queuename=queue)
    items = got.data.get("QueueSet") or []
    assert len(items) == 1, f"DescribeQueueDetail QueueName={queue}: listed {len(items)} queues"
    # The members as received: a documented one the answer lacks fails naming its clause.
    return items[0]  # type: ignore[no-any-return]


def queue_legacy(session: Session, queue: str) -> Mapping[str, Any]:
    """GetQueueAttributes of ``queue``."""
    return expect_ok(session, LEGACY, "GetQueueAttributes", queuename=queue).data


def timed(scenario: Callable[..., None]) -> Callable[..., None]:
    """Run a timer scenario again (with resources of its own) when a look meant to land inside
    its timer came back too late to judge (:func:`in_time`); an error after the last attempt,
    never a fail (:func:`tried_in_time`)."""
    @functools.wraps(scenario)
    def attempts(*args: Any, **kwargs: Any) -> None:
        tried_in_time(lambda: scenario(*args, **kwargs), SuiteFault)
    return attempts
