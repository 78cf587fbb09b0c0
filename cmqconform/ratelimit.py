"""A per-action request rate limit shared by every process of a run (xdist workers included).

Each action has a file holding the next free send time; a process takes an exclusive lock,
books the next slot, releases the lock and sleeps until its slot. Slots are ``1/rate`` apart,
so the run as a whole never exceeds ``rate`` requests per second per action.
"""

from __future__ import annotations

import fcntl
import os
import re
import time
from pathlib import Path

_SAFE = re.compile(r"[^A-Za-z0-9._-]")


class FileRateLimiter:
    """Books send slots for an action in ``folder/<action>.slot`` under an flock."""

    def __init__(self, folder: Path, per_second: float) -> None:
        if per_second <= 0:
            raise ValueError(f"per_second must be > 0: {per_second}")
        self.folder = folder
        self.interval = 1.0 / per_second
        folder.mkdir(parents=True, exist_ok=True)

    def book(self, action: str) -> float:
        """Reserve the next slot for ``action``; returns its time (``time.time()`` clock)."""
        path = self.folder / f"{_SAFE.sub('_', action)}.slot"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            raw = os.read(fd, 64).decode("ascii", errors="ignore").strip()
            booked = float(raw) if raw else 0.0
            slot = max(time.time(), booked)
            os.lseek(fd, 0, os.SEEK_SET)
            os.ftruncate(fd, 0)
            os.write(fd, f"{slot + self.interval:.6f}".encode("ascii"))
        finally:
            os.close(fd)  # closing releases the lock
        return slot

    def acquire(self, action: str) -> None:
        """Wait until a request for ``action`` may go out."""
        delay = self.book(action) - time.time()
        if delay > 0:
            time.sleep(delay)
