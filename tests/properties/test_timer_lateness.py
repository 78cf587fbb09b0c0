"""A timer's early look that came back too late proves nothing: tried again, never a fail."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest

from cmqconform.properties import messages
from cmqconform.properties.steps import Broken, TooLate, Unjudged, in_time


def _broken() -> None:
    raise Broken("received success")


def test_an_early_look_in_time_that_breaks_the_timer_is_a_fail() -> None:
    with pytest.raises(Broken):
        in_time(_broken, time.monotonic() + 60, "look")


def test_an_early_look_back_after_the_timer_could_fire_is_not_judged() -> None:
    with pytest.raises(TooLate):
        in_time(_broken, time.monotonic() - 0.01, "look")
    in_time(lambda: None, time.monotonic() - 0.01, "look")  # held: nothing to say


class _Steps:
    """Just what ``timer`` uses of its steps: the property's body, a fresh start."""

    def __init__(self) -> None:
        self.prop = SimpleNamespace(body={"timer": "visibility"})
        self.fresh_starts = 0

    def afresh(self) -> None:
        self.fresh_starts += 1


def test_a_late_timer_is_tried_again_and_an_always_late_one_is_an_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    tries: list[int] = []

    def late_twice(steps: Any, body: Any) -> None:
        tries.append(1)
        if len(tries) < 3:
            raise TooLate("late")

    monkeypatch.setitem(messages.TIMERS, "visibility", late_twice)
    steps = _Steps()
    messages.timer(steps)  # type: ignore[arg-type]
    # Each attempt after a late one starts with resources of its own (the last one's message
    # may be hidden again by the late look).
    assert len(tries) == 3 and steps.fresh_starts == 2

    def always_late(steps: Any, body: Any) -> None:
        raise TooLate("late")

    monkeypatch.setitem(messages.TIMERS, "visibility", always_late)
    with pytest.raises(Unjudged, match="3 attempts") as raised:
        messages.timer(_Steps())  # type: ignore[arg-type]
    assert not isinstance(raised.value, TooLate)
