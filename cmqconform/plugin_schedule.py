"""The order a run hands its cases out in, from what the last run learnt about each.

A run keeps, in its pytest cache (``cmqconform run`` puts it in the report folder), each case's
duration and the action it sent the most rate units of. The next run in that folder:

* hands out the cases that mostly wait (timers, long polls: their CPU time a small part of
  their duration) the longest first, at a steady pace: a replay of the run from the last
  durations keeps as many workers waiting as the CPUs leave idle (at least one) while the
  others work, so neither the CPUs idle behind timers nor a long scenario starts near the end;
* spreads the other cases of each busiest action evenly over the run, each weighed by its
  units, so that against a rate-limited target the busiest action keeps sending from start to
  end and no action's slots hold several workers at once (a scenario sending batches of 16
  costs 16 units a request: four of them at once would queue every worker behind one
  action).

A case with no history is keyed by its own action (a generated case) or as a scenario. The
order is deterministic: every xdist worker reads the same cache and collects the same order.
"""

from __future__ import annotations

import heapq
from collections import Counter
from typing import Any, NamedTuple

import pytest

from cmqconform.ratelimit import spread

#: The pytest cache entry: node id -> [seconds, busiest action, its units, CPU seconds].
CACHE_KEY = "cmqconform/history"
#: The report property a worker hands the controller [busiest action, units, CPU seconds] in.
SENT_PROPERTY = "cmqconform.sent"
#: A case waits mostly when its CPU time is under this share of its duration...
WAITING_SHARE = 0.25
#: ...and it lasts at least this long (seconds).
WAITING_SECONDS = 0.3


class Past(NamedTuple):
    """What the last run saw of one case."""

    seconds: float
    #: ``"<surface> <action>"`` it sent the most rate units of (None: it sent nothing).
    busiest: str | None
    units: int
    #: The CPU time its worker spent on it.
    cpu: float

    @property
    def waits(self) -> bool:
        """Whether it mostly waited (timers, long polls) rather than worked."""
        return self.seconds >= WAITING_SECONDS and self.cpu < WAITING_SHARE * self.seconds


def history(config: pytest.Config) -> dict[str, Past]:
    """Each case's :class:`Past` in the last run that used this cache (none: no cache; an
    entry that does not read as one is ignored)."""
    cache = getattr(config, "cache", None)
    known = cache.get(CACHE_KEY, {}) if cache is not None else {}
    out: dict[str, Past] = {}
    for nodeid, entry in (known.items() if isinstance(known, dict) else ()):
        try:
            seconds, busiest, units, cpu = entry
            out[nodeid] = Past(float(seconds), str(busiest) if busiest else None, int(units),
                               float(cpu))
        except (TypeError, ValueError):
            continue
    return out


def order(items: list[Any], past: dict[str, Past], workers: int = 1,
          cores: int = 1) -> list[Any]:
    """``items`` in the order to hand them out to ``workers`` processes on ``cores`` CPUs (see
    the module's docstring)."""
    if past:
        typical = sum(p.seconds for p in past.values()) / len(past)
        items = sorted(items, key=lambda item: -(past[item.nodeid].seconds
                                                if item.nodeid in past else typical))
    else:
        typical = 0.0
    waiting = [item for item in items if item.nodeid in past and past[item.nodeid].waits]
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
    spread_out = [items[i] for i in spread(keys, weights)]
    if workers < 2 or not waiting:
        return spread_out
    seconds = {item.nodeid: past[item.nodeid].seconds if item.nodeid in past else typical
               for item in items}
    waits = {item.nodeid for item in waiting}
    return _interleave(waiting, [i for i in spread_out if i.nodeid not in waits], seconds,
                       workers, cores)


def _interleave(waiting: list[Any], others: list[Any], seconds: dict[str, float],
                workers: int, cores: int) -> list[Any]:
    """``waiting`` (longest first) merged into ``others`` so that a steady number of workers
    waits (the workers the CPUs leave idle, at least one) while the others work, and neither
    kind is left over at the end.

    A replay of the run from the last durations, as xdist hands items out with
    ``--maxschedchunk 1``: each worker first gets two consecutive items, then one more each
    time it finishes one, which it starts after the one it holds. An item is chosen for the
    moment it will start: a waiting one while fewer than the target are waiting then, or when
    the waiting left would otherwise outlast the work left."""
    target = max(1, min(workers - 1, workers - cores)) if workers > cores else \
        max(1, workers // 2)
    planned: list[tuple[float, float]] = []  # when each waiting item handed out runs
    left = {"waiting": sum(seconds[i.nodeid] for i in waiting),
            "working": sum(seconds[i.nodeid] for i in others)}
    queues = {"waiting": list(reversed(waiting)), "working": list(reversed(others))}

    def pick(start: float) -> Any:
        waiting_then = sum(1 for begin, end in planned if begin <= start < end)
        behind = left["waiting"] / target > left["working"] / max(1, workers - target)
        kind = "waiting" if queues["waiting"] and (
            waiting_then < target or behind or not queues["working"]) else "working"
        item = queues[kind].pop()
        left[kind] -= seconds[item.nodeid]
        if kind == "waiting":
            planned.append((start, start + seconds[item.nodeid]))
        return item

    total = len(waiting) + len(others)
    running = [pick(0.0) for _ in range(min(workers, total))]
    held = [pick(seconds[item.nodeid]) if len(running) + n < total else None
            for n, item in enumerate(running)]
    out = [item for pair in zip(running, held, strict=True) for item in pair if item]
    # (when the running item ends, worker): then it starts the held one and gets a new one.
    ends = [(seconds[item.nodeid], n) for n, item in enumerate(running)]
    heapq.heapify(ends)
    while len(out) < total:
        now, worker = heapq.heappop(ends)
        current = held[worker]
        starts = now + (seconds[current.nodeid] if current is not None else 0.0)
        held[worker] = pick(starts)
        out.append(held[worker])
        heapq.heappush(ends, (starts, worker))
    return out


def sent(before: Counter[str], after: Counter[str], cpu: float) -> list[Any]:
    """What a case sent, for the history: the action it sent the most units of between two
    counts of a session's units (None: none), how many, and its CPU seconds."""
    units = (after - before).most_common(1)
    return [units[0][0], units[0][1], round(cpu, 3)] if units else [None, 0, round(cpu, 3)]


class Recorder:
    """Controller: each case's phases added up and its busiest action, kept in the pytest
    cache for the next run's order."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.seen: dict[str, list[Any]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Add one phase's duration to its case's; note what its worker saw it send."""
        entry = self.seen.setdefault(report.nodeid, [0.0, None, 0, 0.0])
        entry[0] = round(entry[0] + report.duration, 3)
        for name, value in report.user_properties:
            if name == SENT_PROPERTY and isinstance(value, (list, tuple)) and len(value) == 3:
                entry[1:] = value

    def pytest_sessionfinish(self) -> None:
        """Keep this run's history (the cases it did not run keep their last)."""
        cache = getattr(self.config, "cache", None)
        if cache is not None and self.seen:
            cache.set(CACHE_KEY, {**{k: list(p) for k, p in history(self.config).items()},
                                  **self.seen})
