"""The order a run hands its cases out in, from the last run's history."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from cmqconform.plugin_schedule import (
    CACHE_KEY,
    MAX_PASSES,
    Past,
    Slots,
    history,
    order,
    pick,
    sent,
    waiting_lanes,
)
from cmqconform.ratelimit import FileRateLimiter, slot_key
from cmqconform.session import Sent


@dataclass
class Item:
    """Stands in for a pytest item: a node id, and a case (generated) or none (scenario)."""

    nodeid: str
    case: Any = None
    api: str = ""
    action: str = ""


class _Cache:
    """Stands in for the pytest cache: one history entry."""

    def __init__(self, entries: dict[str, Any]) -> None:
        self.entries = entries

    def get(self, key: str, default: Any) -> Any:
        return self.entries if key == CACHE_KEY else default


@dataclass
class _Config:
    """Stands in for a pytest config with a cache."""

    entries: dict[str, Any]

    @property
    def cache(self) -> _Cache:
        return _Cache(self.entries)


def _ids(items: list[Item]) -> list[str]:
    return [item.nodeid for item in items]


def test_without_history_each_generated_case_is_keyed_by_its_action() -> None:
    items = [Item("s1"), Item("s2"), Item("a1", 1, "x", "A"), Item("a2", 1, "x", "A"),
             Item("a3", 1, "x", "A"), Item("a4", 1, "x", "A")]
    assert _ids(order(items, {})) == ["a1", "s1", "a2", "a3", "s2", "a4"]


def test_cases_that_mostly_wait_are_spread_apart_the_longest_first() -> None:
    # Timers side by side would leave the CPU idle at the start and a long one at the end.
    items = [Item(f"g{i}", 1, "x", "Send") for i in range(6)]
    items += [Item("timer-2s"), Item("timer-7s"), Item("timer-1s")]
    past = {"timer-2s": Past(2.0, "x Receive", 3, 0.05), "timer-7s": Past(7.0, None, 0, 0.1),
            "timer-1s": Past(1.0, "x Send", 2, 0.01)}
    ran = _ids(order(items, past))
    timers = [name for name in ran if name.startswith("timer")]
    assert timers == ["timer-7s", "timer-2s", "timer-1s"]
    at = [ran.index(t) for t in timers]
    assert at[0] <= 1 and all(b - a >= 2 for a, b in pairwise(at))


def test_the_longest_case_of_each_key_goes_first() -> None:
    items = [Item("short"), Item("long"), Item("middle")]
    past = {"short": Past(0.1, None, 0, 0.1), "long": Past(5.0, None, 0, 4.0),
            "middle": Past(1.0, None, 0, 0.9)}
    assert _ids(order(items, past)) == ["long", "middle", "short"]


def test_against_a_rate_limit_a_case_heavy_on_one_action_counts_as_long() -> None:
    # 21 subscriptions take a second at 20 a second, however fast the machine: started last,
    # that second would be the run's tail.
    items = [Item("quick"), Item("heavy")]
    past = {"quick": Past(0.6, "x Subscribe", 1, 0.5, sent={"x Subscribe": 1}),
            "heavy": Past(0.2, "x Subscribe", 21, 0.1, sent={"x Subscribe": 21, "x B": 2})}
    assert _ids(order(items, past)) == ["quick", "heavy"]
    assert _ids(order(items, past, rate=20)) == ["heavy", "quick"]
    assert past["heavy"].needs(20) == pytest.approx(1.05)


def test_scenarios_busy_on_one_action_are_spread_apart() -> None:
    # Two scenarios that sent batches of 16 last time: one early, one late, never side by side
    # (every worker would queue behind that action's slots).
    items = [Item(f"g{i}", 1, "x", "Send") for i in range(6)]
    items += [Item("batches-1"), Item("batches-2")]
    past = {"batches-1": Past(0.2, "x BatchSend", 32, 0.2),
            "batches-2": Past(0.2, "x BatchSend", 32, 0.2)}
    ran = _ids(order(items, past))
    assert abs(ran.index("batches-1") - ran.index("batches-2")) >= 3


def test_what_a_case_sent_is_its_units_and_slot_waits_since_a_count() -> None:
    before = Sent(Counter({"x A": 5}), 1.5)
    assert sent(before, Sent(Counter({"x A": 6, "x B": 3}), 2.0), 0.25) == [
        "x B", 3, 0.25, 0.5, {"x A": 1, "x B": 3}]
    assert sent(before, before.copy(), 0.0) == [None, 0, 0.0, 0.0, {}]


def test_a_case_that_only_waited_for_rate_limit_slots_is_not_a_waiting_case() -> None:
    # Its wait came from what ran beside it: set apart with the timers it would meet its like
    # at the start and wait longer. Its own duration orders it.
    timer = Past(2.0, "x Receive", 3, 0.05, waited=0.1)
    batches = Past(1.3, "x BatchSend", 33, 0.02, waited=1.2)
    assert timer.waits and not batches.waits
    assert batches.own_seconds == pytest.approx(0.1)
    assert Past(1.0, None, 0, 0.01).waits  # an entry from before slot waits were kept


def test_history_reads_entries_of_every_age() -> None:
    config = _Config({"old": [2.0, "x A", 3, 0.05], "waits": [2.0, "x A", 3, 0.05, 1.9],
                      "new": [2.0, "x A", 3, 0.05, 1.9, {"x A": 3, "x B": 1}],
                      "bad": ["x"], "worse": [1, 2, 3, 4, 5, {"x A": "many"}],
                      "no map": [1, 2, 3, 4, 5, ["x A"]]})
    assert history(config) == {"old": Past(2.0, "x A", 3, 0.05),
                               "waits": Past(2.0, "x A", 3, 0.05, 1.9),
                               "new": Past(2.0, "x A", 3, 0.05, 1.9, {"x A": 3, "x B": 1})}


def test_the_scheduler_sees_how_long_a_case_would_wait_for_its_slots(tmp_path: Path) -> None:
    limiter = FileRateLimiter(tmp_path, 20)
    for _ in range(19):
        limiter.book(slot_key("AKIDsched", "x", "A"))
    slots = Slots(limiter, "AKIDsched")
    assert slots.wait({"x A": 1}) == pytest.approx(0.0, abs=0.01)
    # Two more units of A must wait for the window to move on; B is free; another account's
    # bookings are its own.
    assert slots.wait({"x A": 2, "x B": 5}) > 0.9
    assert slots.wait({"x B": 5}) == 0.0
    assert Slots(limiter, "AKIDother").wait({"x A": 2}) == 0.0


def test_a_worker_gets_the_next_case_whose_slots_are_free() -> None:
    # Case 0's action is booked ahead: a worker handed it would idle, so it takes case 1; when
    # every case would wait, the one that would wait least.
    waits = {0: 0.8, 1: 0.0, 2: 0.0, 3: 0.3}
    assert pick([0, 1, 2], [], held=0, lanes=0, wait=waits.__getitem__) == 1
    assert pick([0, 3], [], held=0, lanes=0, wait=waits.__getitem__) == 3
    assert pick([0, 1], [], held=0, lanes=0) == 0  # no limiter: the order


def test_a_case_passed_over_too_often_for_free_slots_goes_anyway() -> None:
    # 21 subscriptions never find an empty window while other cases trickle on Subscribe.
    waits = {0: 1.0, 1: 0.0}
    passed: Counter[int] = Counter()
    chosen = [pick([0, 1], [], 0, 0, waits.__getitem__, passed) for _ in range(MAX_PASSES + 1)]
    assert chosen == [1] * MAX_PASSES + [0]


def test_waiting_cases_go_to_the_workers_beyond_the_cores() -> None:
    # A waiting worker uses no core: with 6 workers on 2 cores, 4 may wait; with no more
    # workers than cores none is set apart (the order's even spread holds).
    assert [waiting_lanes(n, 2) for n in (1, 2, 3, 6)] == [0, 0, 1, 4]


def test_a_worker_gets_a_waiting_case_only_while_too_few_hold_one() -> None:
    pending, waiting = [0, 1, 2, 3], [2, 3]
    assert pick(pending, waiting, held=0, lanes=1) == 2
    # One lane taken: the next case that does not wait, in order.
    assert pick(pending, waiting, held=1, lanes=1) == 0
    assert pick([1, 2, 3], [3], held=1, lanes=1) == 1
    # Nothing else left: the waiting ones go to whoever asks.
    assert pick([2, 3], [2, 3], held=5, lanes=1) == 2

