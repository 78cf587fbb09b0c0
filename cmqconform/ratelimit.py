"""A request rate limit shared by every process of a run (xdist workers included), counted the
way the target counts: per account, surface and action, each request weighing the units its
action's spec gives it (a batch counts its items, ``rate_cost``).

Each key has a file holding the sends booked in the last window (time and units); a process
takes an exclusive lock, books the earliest time at which the units booked in the window
before it, its own included, stay within the rate, releases the lock and sleeps until then.
Any interval of one window holds at most ``rate`` units, so a target counting per wall second,
or in any sliding second, never sees more; the window is a little longer than a second so the
jitter between booking and arrival does not push two windows' requests into one second.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

_SAFE = re.compile(r"[^A-Za-z0-9._-]")
#: The window the rate is kept over: one second, plus headroom for send-time jitter.
WINDOW_SECONDS = 1.05


def account_key(secret_id: str) -> str:
    """A short digest naming an account in a slot file (never the SecretId itself)."""
    return hashlib.sha256(secret_id.encode("utf-8")).hexdigest()[:12]


def slot_key(secret_id: str, api: str, action: str) -> str:
    """The limiter key the target counts ``action`` of ``api`` under for an account."""
    return f"{account_key(secret_id)}.{api}.{action}"


class HeavierThanRate(ValueError):
    """A request weighs more units than the rate admits in a window: the target would refuse
    it however long it waited (a batch of 16 against a declared 10 per second)."""


def next_slot(booked: list[tuple[float, int]], now: float, units: int, rate: int,
              window: float = WINDOW_SECONDS) -> float:
    """The earliest time at or after ``now`` (and after every booking) at which ``units`` more
    (at most ``rate``) keep each ``window`` within ``rate`` units; ``booked`` is (time,
    units), oldest first."""
    if units > rate:
        raise HeavierThanRate(f"{units} rate units in one request, more than the {rate} per "
                              f"second the target declares")
    slot = max([now, *(t for t, _ in booked)])
    for start in range(len(booked) + 1):
        # Waiting until booking ``start - 1`` leaves the window (its time + window).
        at = slot if start == 0 else max(slot, booked[start - 1][0] + window)
        if sum(u for t, u in booked[start:] if t > at - window) + units <= rate:
            return at
    return slot  # unreachable: once every booking has left, the window admits


class FileRateLimiter:
    """Books send slots for each (account, surface, action) in ``folder/<key>.slot`` under an
    flock: ``per_second`` units per window across every process sharing ``folder``."""

    def __init__(self, folder: Path, per_second: float, *,
                 window: float = WINDOW_SECONDS) -> None:
        if per_second <= 0:
            raise ValueError(f"per_second must be > 0: {per_second}")
        self.folder = folder
        #: Units per window (a fraction of a request cannot be sent: at least one).
        self.rate = max(1, int(per_second))
        self.window = window
        folder.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.folder / f"{_SAFE.sub('_', key)}.slot"

    def booked(self, key: str) -> list[tuple[float, int]]:
        """The bookings of ``key`` in its last window and ahead, as last written (unlocked:
        a glance for the scheduler, never to book on)."""
        try:
            return [(float(t), int(u)) for t, u in json.loads(self._path(key).read_bytes())]
        except (OSError, ValueError, TypeError):
            return []

    def book(self, key: str, units: int = 1) -> float:
        """Reserve the next slot for ``units`` of ``key``; returns its time (``time.time()``).
        Raises :class:`HeavierThanRate` when ``units`` could never go."""
        fd = os.open(self._path(key), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            raw = os.read(fd, os.fstat(fd).st_size).decode("ascii", errors="ignore").strip()
            try:
                booked = [(float(t), int(u)) for t, u in json.loads(raw)] if raw else []
            except (ValueError, TypeError):
                booked = []  # a torn file (a killed process): start the key afresh
            now = time.time()
            slot = next_slot(booked, now, units, self.rate, self.window)
            kept = [(t, u) for t, u in booked if t > slot - self.window]
            kept.append((slot, units))
            os.lseek(fd, 0, os.SEEK_SET)
            os.ftruncate(fd, 0)
            os.write(fd, json.dumps([[t, u] for t, u in kept]).encode("ascii"))
        finally:
            os.close(fd)  # closing releases the lock
        return slot

    def acquire(self, key: str, units: int = 1) -> float:
        """Wait until a request of ``units`` for ``key`` may go out; the seconds waited."""
        delay = self.book(key, units) - time.time()
        if delay <= 0:
            return 0.0
        time.sleep(delay)
        return delay


def spread(keys: Sequence[str], weights: Sequence[int] | None = None) -> list[int]:
    """An order (indexes into ``keys``) spreading each key's items evenly over the run, the
    key with the most weight first at each step, keeping each key's items in their order.

    Each key is one rate-limited action: run in this order, every action's requests are spread
    over the whole run instead of queueing behind its slots in one stretch, so the busiest
    action keeps sending from start to end while the others fill the gaps (any worker taking
    the next items, as xdist's load scheduling does, keeps the mix). An item weighs its
    ``weights`` entry (the rate units it sends; 1 each when not given): a heavy item takes as
    much of its key's stretch as its units are of the key's.
    """
    weights = weights or [1] * len(keys)
    totals: Counter[str] = Counter()
    for key, weight in zip(keys, weights, strict=True):
        totals[key] += weight
    before: Counter[str] = Counter()
    ranked = []
    for index, (key, weight) in enumerate(zip(keys, weights, strict=True)):
        position = (before[key] + weight / 2) / totals[key]
        before[key] += weight
        ranked.append((position, -totals[key], key, index))
    return [index for *_, index in sorted(ranked)]
