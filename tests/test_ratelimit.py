"""The shared rate limiter counts as the target does (units per key in any window), books
across instances (processes), and the schedule spreads each action's cases over the run."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmqconform.ratelimit import (
    WINDOW_SECONDS,
    FileRateLimiter,
    HeavierThanRate,
    account_key,
    next_slot,
    spread,
)


def test_a_full_window_waits_until_its_oldest_unit_leaves() -> None:
    booked = [(100.0 + i * 0.01, 1) for i in range(20)]
    assert next_slot(booked, 100.5, 1, 20) == 100.0 + WINDOW_SECONDS
    assert next_slot(booked[:19], 100.5, 1, 20) == 100.5


def test_a_batch_waits_until_its_items_fit() -> None:
    # 18 singles, then a batch of 16: the window must drop 14 of them first.
    booked = [(100.0 + i * 0.05, 1) for i in range(18)]
    slot = next_slot(booked, 101.0, 16, 20)
    assert slot == booked[13][0] + WINDOW_SECONDS
    within = sum(u for t, u in booked if t > slot - WINDOW_SECONDS) + 16
    assert within <= 20


def test_a_request_heavier_than_the_rate_is_never_booked(tmp_path: Path) -> None:
    # The target would refuse it however long it waited: a batch of 16 against 10 per second.
    with pytest.raises(HeavierThanRate, match=r"16 rate units .* than the 10 per second"):
        next_slot([], 100.2, 16, 10)
    limiter = FileRateLimiter(tmp_path, 10)
    with pytest.raises(HeavierThanRate):
        limiter.acquire("k", 16)
    assert limiter.acquire("k", 10) == 0.0  # nothing was booked for the refused one


def test_bookings_are_shared_across_limiters_and_separate_per_key(tmp_path: Path) -> None:
    a, b = FileRateLimiter(tmp_path, 2), FileRateLimiter(tmp_path, 2)
    first, second, third = a.book("k"), b.book("k"), a.book("k")
    assert third >= first + WINDOW_SECONDS > second
    assert b.book("other") < first + WINDOW_SECONDS
    assert b.book("batch", 2) < first + WINDOW_SECONDS


def test_an_account_is_keyed_by_a_digest_never_its_secret_id() -> None:
    key = account_key("AKIDsecretlooking")
    assert "AKID" not in key and key == account_key("AKIDsecretlooking")


def test_spread_interleaves_busiest_first_and_keeps_each_keys_order() -> None:
    keys = ["a"] * 4 + ["b"] * 2 + ["c"]
    order = spread(keys)
    assert sorted(order) == list(range(len(keys)))
    ran = [keys[i] for i in order]
    assert ran[0] == "a" and ran == ["a", "b", "a", "c", "a", "b", "a"]
    assert [i for i in order if keys[i] == "a"] == [0, 1, 2, 3]


def test_spread_gives_a_heavy_item_its_share_of_its_keys_stretch() -> None:
    # Three batches of 16 and sixteen single sends of one action: each batch is a third of
    # the action's units, so the batches sit at a sixth, a half and five sixths of the run.
    keys = ["batch"] * 3 + ["single"] * 16
    order = spread(keys, [16] * 3 + [1] * 16)
    at = [position for position, i in enumerate(order) if keys[i] == "batch"]
    assert at == [3, 9, 15]
