"""Message properties: bodies received byte for byte, and timers checked on both sides.

The bodies stress what a target may damage on the way: whitespace at the edges, both Unicode
normal forms, characters outside the Basic Multilingual Plane, every character the form and JSON
encodings escape, line ends, and the largest body the queue allows. The timers (visibility,
delay, long-poll wait) use the declared seconds: a probe at :data:`EARLY` of the timer must see
it still running, and the timer must have fired :data:`SETTLE` seconds after it ends.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from cmqconform.cases.build import baseline
from cmqconform.models import ActionSpec, Now, ParamSpec, Ref, array_item
from cmqconform.properties.steps import (
    Broken,
    Steps,
    Unjudged,
    in_time,
    poll,
    tried_in_time,
    wait_until,
)
from cmqconform.verdicts import Exchange

#: The fraction of a timer after which the "not early" probe is sent.
EARLY = 0.6
#: How long after a timer ends it must have fired (generous for a real service).
SETTLE = 3.0

_COMPOSED = "Caf\u00e9 \u00c5ngstr\u00f6m na\u00efve \u1e9b\u0323 \ud55c\uae00"


def fidelity_bodies(largest: int) -> dict[str, str]:
    """The bodies a fidelity property sends, by label; ``largest`` is the size limit in bytes."""
    escaping = "a&b=c+d%20e%zz \"dq\" 'sq' \\back\\slash <t>&amp; ;,/?#[]@!$()*~^`|{}"
    unit = "&=+% \"\\\n\u00e9"
    pattern = (unit * (largest // len(unit.encode()) + 1)).encode()[:largest - 1]
    return {
        "edges": "  \t leading and trailing whitespace \t  ",
        "edge-newlines": "\n\nbody between line ends\r\n",
        "nfc": unicodedata.normalize("NFC", _COMPOSED),
        "nfd": unicodedata.normalize("NFD", _COMPOSED),
        "astral": "\U0001F600 \U00020000 \U0001D11E \U0010FFFD",
        "escaping": escaping,
        "line-ends": "l1\nl2\r\nl3\rl4\tend",
        "largest": pattern.decode("utf-8", errors="ignore") + " ",
    }


def _fit(body: str, largest: int) -> str:
    """``body`` cut to at most ``largest`` UTF-8 bytes (whole characters)."""
    raw = body.encode()
    return raw[:largest].decode("utf-8", errors="ignore") if len(raw) > largest else body


def _queue_param(action: ActionSpec) -> ParamSpec:
    """The required parameter naming the resource the action works on (the queue)."""
    for param in action.request:
        if param.resource and param.required:
            return param
    raise Unjudged(f"{action.name} names no resource")


def wait_param(steps: Steps, api: str, action: str) -> str | None:
    """The wait parameter of a receive action, as its ``wait`` timer declares it."""
    for prop in steps.session.specs.product_of(api).properties:
        body = prop.body
        if prop.kind == "timers" and body["timer"] == "wait" and body["api"] == api \
                and body["action"] == action:
            return str(body["param"])
    return None


def _receive_params(steps: Steps, api: str, action: ActionSpec, queue: str,
                    wait: int) -> dict[str, Any]:
    """The receive action's baseline, on ``queue``, with its wait parameter at ``wait``."""
    params = {k: v for k, v in baseline(steps.api(api), action).items()
              if not isinstance(v, Ref | Now)}
    params[_queue_param(action).name] = queue
    waits = wait_param(steps, api, action.name)
    if waits is not None:
        params[waits] = wait
    return params


def _received(got: Exchange, items: str | None) -> list[Any]:
    if not got.ok:
        return []
    return list(got.data.get(items) or []) if items else [got.data]


def fidelity(steps: Steps, label: str) -> None:
    """Send the body ``label`` names; the receive returns it byte for byte under its id."""
    assert steps.prop is not None
    body = steps.prop.body
    send, receive = body["send"], body["receive"]
    api_id = send["api"]
    api = steps.api(api_id)
    sender, receiver = api.actions[send["action"]], api.actions[receive["action"]]
    # The largest body a queue made with the creator's defaults takes (its size parameter's
    # default, else its minimum).
    creator = api.actions[body["size"]["action"]].param(body["size"]["param"])
    limit = creator.default if creator.default is not None else creator.min
    if limit is None:
        raise Unjudged(f"{creator.name} states neither a default nor a minimum")
    largest = int(limit)
    text = _fit(fidelity_bodies(largest)[label], largest)
    pool = steps.resources(api_id)
    # The case only sends, receives and reads: the queue and topic are lent emptied (the
    # topic with no subscription), made with the creator's defaults; what the sender needs
    # beyond them (a topic's queue subscription) is made once and kept with them by the lender
    # for the next case sending through the same chain (its queue emptied again).
    chain = "fidelity through " + " ".join(n.kind for n in sender.recipe.needs)
    if not (sender.recipe.needs and pool.reuse(chain)):
        for kind, slot in dict.fromkeys(((str(_queue_param(sender).resource), ""),
                                         (str(_queue_param(receiver).resource),
                                          receive.get("slot", "")))):
            pool.emptied(kind, slot=slot)
        pool.provide(sender.recipe.needs)
    target = pool.get(str(_queue_param(sender).resource))
    queue = pool.get(str(_queue_param(receiver).resource), receive.get("slot", ""))
    batch = array_item(sender.param(send["member"]).type) is not None
    sent: Any = ([text] if label == "largest" else [text, text]) if batch else text
    got = steps.ok(steps.call(api_id, sender.name, {_queue_param(sender).name: target,
                                                    send["member"]: sent}),
                   f"{sender.name} {label} body")
    answer = got.data.get(send["answer"])
    ids = [str(i.get(receive["id"])) for i in answer] if isinstance(answer, list) \
        else [str(answer)]
    received: list[tuple[str, Any]] = []
    deadline = time.monotonic() + SETTLE + 2
    while len(received) < len(ids) and time.monotonic() < deadline:
        params = _receive_params(steps, api_id, receiver, queue, 1)
        for item in _received(steps.call(api_id, receiver.name, params), receive.get("items")):
            received.append((str(item.get(receive["id"])), item.get(receive["member"])))
    if len(received) < len(ids):
        raise Unjudged(f"{receiver.name}: {len(ids) - len(received)} message(s) not received "
                       f"within the wait")
    if sender.recipe.needs:
        # Everything sent was received: no late push can reach the next case through it.
        pool.keep(chain)
    # The same id when the message stays in one queue; a delivered copy may get its own id.
    by_id = dict(received) if "slot" not in receive else {}
    for msg_id, (_, body_got) in zip(ids, received, strict=False):
        got_body = by_id.get(msg_id, body_got)
        if got_body != text:
            where = _first_difference(text, got_body) if isinstance(got_body, str) else 0
            raise Broken(f"{receiver.name} {label} body: received {len(str(got_body))} "
                         f"characters, sent {len(text)}; first difference at {where}: "
                         f"sent {text[where:where + 8]!r}, received "
                         f"{str(got_body)[where:where + 8]!r}{steps.where()}", (steps.clause,))
    if "slot" not in receive and set(ids) - set(by_id):
        raise Broken(f"{receiver.name}: received ids {sorted(by_id)}, {sender.name} answered "
                     f"{sorted(ids)}{steps.where()}", (steps.clause,))


def _first_difference(a: str, b: str) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                min(len(a), len(b)))


def timer(steps: Steps) -> None:
    """The declared timer neither fires before its seconds nor fails to fire after them."""
    assert steps.prop is not None
    body = steps.prop.body
    tried_in_time(lambda: TIMERS[body["timer"]](steps, body), Unjudged, steps.afresh)


def _queue(steps: Steps, api: str, action: ActionSpec,
           attrs: dict[str, Any] | None = None) -> str:
    """An empty resource of the kind ``action`` works on (the queue), made with ``attrs``:
    lent emptied (a timer only fills and reads it), else new."""
    pool = steps.resources(api)
    kind = str(_queue_param(action).resource)
    return pool.emptied(kind, attrs=tuple((k.lower(), v) for k, v in (attrs or {}).items()))


def _probe(steps: Steps, api: str, action: ActionSpec, queue: str) -> Exchange:
    return steps.call(api, action.name, _receive_params(steps, api, action, queue, 0))


def _visibility(steps: Steps, body: Mapping[str, Any]) -> None:
    api = body["api"]
    action = steps.api(api).actions[body["action"]]
    seconds = int(body["seconds"])
    queue = _queue(steps, api, action, {body["attribute"]["param"]: seconds})
    # The message the receive action's recipe needs, in that queue.
    steps.resources(api).provide(action.recipe.needs)
    first = steps.call(api, action.name, _receive_params(steps, api, action, queue, 1))
    steps.ok(first, f"{action.name} of the message sent")
    _hidden_then_back(steps, body, action, queue, steps.session.sent_at, time.monotonic(),
                      "visibility timeout")


def _retention(steps: Steps, body: Mapping[str, Any]) -> None:
    api = body["api"]
    action = steps.api(api).actions[body["action"]]
    seconds = int(body["seconds"])
    attrs = {**body.get("attributes", {}), body["attribute"]["param"]: seconds}
    queue = _queue(steps, api, action, attrs)
    start = time.monotonic()
    steps.resources(api).provide(action.recipe.needs)
    # The message was kept from a moment between ``start`` and now (a wait for a rate-limit
    # slot in between): looked at before its earliest end, gone after its latest.
    answered = time.monotonic()
    wait_until(start + EARLY * seconds)
    kept = _probe(steps, api, action, queue)
    what = f"{action.name} {EARLY * seconds:.0f} s into a {seconds} s retention"
    in_time(lambda: steps.ok(kept, what), start + seconds, what)
    wait_until(answered + seconds + SETTLE)
    steps.error(api, body["empty"], _probe(steps, api, action, queue),
                f"{action.name} {SETTLE:.0f} s after a {seconds} s retention ended")


def _hidden_then_back(steps: Steps, body: Mapping[str, Any], action: ActionSpec, queue: str,
                      sent: float, answered: float, timer: str) -> None:
    """The message stays hidden from ``action`` a while into the ``timer`` that the target
    started between ``sent`` and ``answered`` (a look that came back after its earliest end is
    tried again), and is back soon after its latest end."""
    api, seconds = body["api"], int(body["seconds"])
    wait_until(sent + EARLY * seconds)
    early = _probe(steps, api, action, queue)
    what = f"{action.name} {EARLY * seconds:.1f} s into a {seconds} s {timer}"
    in_time(lambda: steps.error(api, body["empty"], early, what), sent + seconds, what)
    _fires(steps, api, action, queue, answered + seconds, timer)


def _fires(steps: Steps, api: str, action: ActionSpec, queue: str, ends: float,
           what: str) -> None:
    def back() -> Exchange | None:
        got = _probe(steps, api, action, queue)
        return got if got.ok else None

    if poll(back, ends + SETTLE) is None:
        raise Broken(f"{action.name}: the message was not received within {SETTLE} s after its "
                     f"{what} ended{steps.where()}", (steps.clause,))


def _delay(steps: Steps, body: Mapping[str, Any]) -> None:
    api = body["api"]
    seconds = int(body["seconds"])
    spec = steps.api(api).actions[body["action"]]
    queue = _queue(steps, api, spec)
    member = next(p.name for p in spec.request if p.required and p.resource is None)
    value = ["delayed"] if array_item(spec.param(member).type) else "delayed"
    steps.ok(steps.call(api, spec.name, {_queue_param(spec).name: queue, member: value,
                                         body["param"]: seconds}),
             f"{spec.name} {body['param']}={seconds}")
    _hidden_then_back(steps, body, steps.api(api).actions[body["receive"]], queue,
                      steps.session.sent_at, time.monotonic(), "delay")


def _wait(steps: Steps, body: Mapping[str, Any]) -> None:
    api = body["api"]
    seconds = int(body["seconds"])
    action = steps.api(api).actions[body["action"]]
    queue = _queue(steps, api, action)
    params = _receive_params(steps, api, action, queue, seconds)
    start = time.monotonic()
    got = steps.call(api, action.name, params)
    took = time.monotonic() - start
    steps.error(api, body["empty"], got,
                f"{action.name} {body['param']}={seconds} on an empty queue")
    if took < seconds - 0.1:
        raise Broken(f"{action.name} {body['param']}={seconds}: answered after {took:.2f} s, "
                     f"before the wait ended{steps.where()}", (steps.clause,))
    if took > seconds + SETTLE:
        raise Broken(f"{action.name} {body['param']}={seconds}: answered after {took:.2f} s, "
                     f"{SETTLE} s past the wait{steps.where()}", (steps.clause,))


#: Each timer a ``timer`` property can declare, by name.
TIMERS: dict[str, Callable[[Steps, Mapping[str, Any]], None]] = {
    "visibility": _visibility, "delay": _delay, "wait": _wait, "retention": _retention}
