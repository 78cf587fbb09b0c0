"""The file-lock rate limiter books slots 1/rate apart, across instances (processes)."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from cmqconform.ratelimit import FileRateLimiter


def test_slots_are_spaced_across_limiters(tmp_path: Path) -> None:
    a, b = FileRateLimiter(tmp_path, 20), FileRateLimiter(tmp_path, 20)
    slots = [a.book("x"), b.book("x"), a.book("x")]
    gaps = [round(later - earlier, 3) for earlier, later in pairwise(slots)]
    assert all(gap >= 0.05 for gap in gaps)
