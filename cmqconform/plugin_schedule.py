"""The order a run hands its cases out in, from what the last run learnt about each.

A run keeps, in its pytest cache (``cmqconform run`` puts it in the report folder), each case's
duration, its CPU time, its seconds of waiting for rate-limit slots and the rate units it sent
of each action. The next run in that folder:

* spreads the cases that mostly wait (timers, long polls: their CPU time a small part of their
  duration less their slot waits) evenly through the order, the longest first, so that they
  do not all start together and no long one starts near the end (under xdist with more
  workers than cores, :class:`WaitAwareScheduling` hands them to the workers beyond the cores
  instead);
* spreads the other cases of each busiest action evenly through the order, each weighed by
  its units, so that against a rate-limited target the busiest action keeps sending from
  start to end and no action's slots hold several workers at once (a scenario sending batches
  of 16 costs 16 units a request: four of them at once would queue every worker behind one
  action).

A case with no history is keyed by its own action (a generated case) or as a scenario. The
order is deterministic: every xdist worker reads the same cache and collects the same order.
Against a rate-limited target the order is a plan; :class:`WaitAwareScheduling` also looks at
the limiter's live bookings (:class:`Slots`) and hands a free worker the next case whose
actions have free slots, not one that would idle it behind another worker's batch.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from itertools import islice
from types import MappingProxyType
from typing import Any, NamedTuple

import pytest
from xdist.scheduler import LoadScheduling

from cmqconform.ratelimit import FileRateLimiter, next_slot, slot_key, spread
from cmqconform.session import Sent

#: The pytest cache entry: node id -> [seconds, busiest action, its units, CPU seconds,
#: seconds waited for rate-limit slots, {action: units}].
CACHE_KEY = "cmqconform/history"
#: The report property a worker hands the controller [busiest action, units, CPU seconds,
#: slot-wait seconds, {action: units}] in.
SENT_PROPERTY = "cmqconform.sent"
#: A case waits mostly when its CPU time is under this share of its duration...
WAITING_SHARE = 0.25
#: ...and it lasts at least this long (seconds).
WAITING_SECONDS = 0.3
#: How long the scheduler trusts a look at the limiter's bookings (seconds).
GLANCE_SECONDS = 0.02
#: How far down the order it looks for a case whose actions have free slots...
LOOKAHEAD = 24
#: ...one that would wait no longer than this (seconds).
SLACK_SECONDS = 0.05
#: How often the case at the head of the order may be passed over for one with free slots.
MAX_PASSES = 12


class Past(NamedTuple):
    """What the last run saw of one case."""

    seconds: float
    #: ``"<surface> <action>"`` it sent the most rate units of (None: it sent nothing).
    busiest: str | None
    units: int
    #: The CPU time its worker spent on it.
    cpu: float
    #: The seconds it waited for rate-limit slots (part of :attr:`seconds`).
    waited: float = 0.0
    #: The rate units it sent of each ``"<surface> <action>"``.
    sent: Mapping[str, int] = MappingProxyType({})

    @property
    def own_seconds(self) -> float:
        """Its duration without its waits for rate-limit slots: those depend on what ran
        beside it, which the order is there to change."""
        return max(0.0, self.seconds - self.waited)

    def needs(self, rate: float | None) -> float:
        """The seconds it takes: its own, or, against a target admitting ``rate`` units a
        second per action, what its units of one action need at that rate if longer (a
        scenario making 21 subscriptions takes a second of them whatever the machine)."""
        if not rate:
            return self.own_seconds
        return max(self.own_seconds, max(self.sent.values(), default=0) / rate)

    @property
    def waits(self) -> bool:
        """Whether it mostly waited on the target (timers, long polls) rather than worked. A
        case that only waited for slots is not one: run side by side with its like, it
        would wait more."""
        own = self.own_seconds
        return own >= WAITING_SECONDS and self.cpu < WAITING_SHARE * own


def history(config: pytest.Config) -> dict[str, Past]:
    """Each case's :class:`Past` in the last run that used this cache (none: no cache)."""
    cache = getattr(config, "cache", None)
    return read_history(cache.get(CACHE_KEY, {}) if cache is not None else {})


def read_history(known: object) -> dict[str, Past]:
    """Each case's :class:`Past` from a :data:`CACHE_KEY` entry's value (node id -> its list);
    an entry that does not read as one is ignored."""
    out: dict[str, Past] = {}
    for nodeid, entry in (known.items() if isinstance(known, dict) else ()):
        try:
            seconds, busiest, units, cpu, *rest = entry
            waited = float(rest[0]) if rest else 0.0
            per_action = {str(k): int(v) for k, v in rest[1].items()} if len(rest) > 1 else {}
            out[nodeid] = Past(float(seconds), str(busiest) if busiest else None, int(units),
                               float(cpu), waited, per_action)
        except (TypeError, ValueError, AttributeError):
            continue
    return out


def order(items: list[Any], past: dict[str, Past], rate: float | None = None) -> list[Any]:
    """``items`` in the order to hand them out (see the module's docstring); ``rate``: the
    target's rate limit, units a second per action (None: none declared)."""
    if past:
        typical = sum(p.needs(rate) for p in past.values()) / len(past)
        items = sorted(items, key=lambda item: -(past[item.nodeid].needs(rate)
                                                if item.nodeid in past else typical))
    keys, weights = [], []
    for item in items:
        known = past.get(item.nodeid)
        if known is not None and known.waits:
            keys.append("waiting")
            weights.append(1)
        elif known is not None and known.busiest:
            keys.append(known.busiest)
            weights.append(max(1, known.units))
        else:
            own = getattr(item, "case", None) is not None
            keys.append(f"{getattr(item, 'api', '')} {getattr(item, 'action', '')}"
                        if own else "scenario")
            weights.append(1)
    return [items[i] for i in spread(keys, weights)]


def sent(before: Sent, after: Sent, cpu: float) -> list[Any]:
    """What a case sent, for the history, between two snapshots of a session's :class:`Sent`:
    the action it sent the most units of (None: none), how many, its CPU seconds, its
    seconds of waiting for rate-limit slots, and its units of every action."""
    units = after.units - before.units
    busiest, count = units.most_common(1)[0] if units else (None, 0)
    return [busiest, count, round(cpu, 3), round(after.waited - before.waited, 3), dict(units)]


class Recorder:
    """Controller: each case's phases added up and its busiest action, kept in the pytest
    cache for the next run's order."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.seen: dict[str, list[Any]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Add one phase's duration to its case's; note what its worker saw it send."""
        entry = self.seen.setdefault(report.nodeid, [0.0, None, 0, 0.0, 0.0, {}])
        entry[0] = round(entry[0] + report.duration, 3)
        for name, value in report.user_properties:
            if name == SENT_PROPERTY and isinstance(value, (list, tuple)) and len(value) == 5:
                entry[1:] = value

    def pytest_sessionfinish(self) -> None:
        """Keep this run's history (the cases it did not run keep their last)."""
        cache = getattr(self.config, "cache", None)
        if cache is not None and self.seen:
            cache.set(CACHE_KEY, {**{k: list(p) for k, p in history(self.config).items()},
                                  **self.seen})


def waiting_lanes(workers: int, cores: int) -> int:
    """How many of ``workers`` may hold a waiting case at once: those beyond the ``cores``
    (enough working ones keep every core busy; a waiting one uses none)."""
    return max(0, workers - cores)


class Slots:
    """The run's rate-limit bookings as the scheduler sees them: how long a case's requests
    would wait for their slots were it to start now (from its units of each action last
    run). Against a rate-limited target a worker handed a case whose action is booked a
    second ahead idles (and so does a core); another case would run."""

    def __init__(self, limiter: FileRateLimiter, secret_id: str) -> None:
        self.limiter = limiter
        self.secret_id = secret_id
        self._booked: dict[str, list[tuple[float, int]]] = {}
        self._glanced = 0.0

    def wait(self, sent: Mapping[str, int]) -> float:
        """Seconds the slowest of ``sent``'s actions would wait for a slot now."""
        now = time.time()
        if now - self._glanced > GLANCE_SECONDS:
            self._booked.clear()
            self._glanced = now
        worst = 0.0
        for name, units in sent.items():
            api, _, action = name.partition(" ")
            key = slot_key(self.secret_id, api, action)
            if key not in self._booked:
                self._booked[key] = self.limiter.booked(key)
            slot = next_slot(self._booked[key], now, min(units, self.limiter.rate),
                             self.limiter.rate, self.limiter.window)
            worst = max(worst, slot - now)
        return worst


def pick(pending: list[int], waiting: list[int], held: int, lanes: int,
         wait: Callable[[int], float] | None = None,
         passed: Counter[int] | None = None) -> int:
    """The next of ``pending`` to hand a worker: the first of ``waiting`` (the waiting cases
    not yet handed out, the longest first) while fewer than ``lanes`` workers hold one
    (``held``) or nothing else is left, else the first pending case that does not wait; with
    ``wait`` (a case's wait for rate-limit slots now), the first of the next few whose wait
    is negligible, else the one that would wait least. ``passed`` counts how often each case
    was passed over at the head of the order: after :data:`MAX_PASSES` it goes (a case
    heavy on one action would never find its slots free while others trickle on it)."""
    others = set(waiting)
    working = list(islice((i for i in pending if i not in others), LOOKAHEAD))
    if waiting and (not working or held < lanes):
        return waiting[0]
    assert working, "nothing pending"
    head = working[0]
    if wait is None or (passed is not None and passed[head] >= MAX_PASSES):
        return head
    waits = []
    for index in working:
        seconds = wait(index)
        if seconds <= SLACK_SECONDS:
            break
        waits.append((seconds, index))
    else:
        index = min(waits)[1]
    if passed is not None and index != head:
        passed[head] += 1
    return index


class WaitAwareScheduling(LoadScheduling):  # type: ignore[misc]
    """xdist's load scheduling, but with more workers than cores the waiting cases are handed
    out by :func:`pick`: side by side from the start on :func:`waiting_lanes` workers, each of
    them idle, while the others keep the cores (and the target) busy with the rest in the
    order the workers collected them in (:func:`order`). A replay of the order ahead of time
    cannot say when a worker will be free on a busy machine: the scheduler sees it. With no
    more workers than cores every waiting worker idles a core: the order's even spread holds.
    With ``slots`` (a rate-limited target), of the next few cases in the order the first whose
    actions' slots are free goes first (:func:`pick`'s ``wait``).
    """

    def __init__(self, config: pytest.Config, log: Any = None,
                 past: dict[str, Past] | None = None, cores: int = 1,
                 slots: Slots | None = None) -> None:
        super().__init__(config, log)
        self.past = past or {}
        self.cores = cores
        self.slots = slots
        #: How often each case was passed over for one with free slots (:func:`pick`).
        self.passed: Counter[int] = Counter()
        #: Collection indexes of the waiting cases not handed out, the longest first (None:
        #: the collection is not known yet).
        self.waiting: list[int] | None = None
        #: Every waiting case's collection index.
        self.waits: set[int] = set()
        self.lanes = 0

    def _send_tests(self, node: Any, num: int) -> None:
        """Hand ``node`` its next ``num`` items, chosen by :func:`pick`."""
        if self.waiting is None:
            past = [self.past.get(nodeid) for nodeid in self.collection]
            self.waiting = [i for _, i in sorted((-p.own_seconds, i) for i, p in enumerate(past)
                                                 if p and p.waits)]
            self.waits = set(self.waiting)
            self.lanes = waiting_lanes(len(self.node2pending), self.cores)
        if not self.lanes and self.slots is None:
            super()._send_tests(node, num)
            return
        chosen: list[int] = []
        for _ in range(min(num, len(self.pending))):
            held = sum(1 for other, queue in self.node2pending.items()
                       if self.waits.intersection([*queue, *(chosen if other is node else ())]))
            index = pick(self.pending, self.waiting, held, self.lanes,
                         self._slot_wait if self.slots is not None else None, self.passed)
            if self.waiting and index == self.waiting[0]:
                self.waiting.pop(0)
            self.pending.remove(index)
            chosen.append(index)
        if chosen:
            self.node2pending[node].extend(chosen)
            node.send_runtest_some(chosen)

    def _slot_wait(self, index: int) -> float:
        """How long case ``index`` would wait for rate-limit slots now (no history: none)."""
        assert self.slots is not None
        past = self.past.get(self.collection[index])
        return self.slots.wait(past.sent) if past else 0.0
