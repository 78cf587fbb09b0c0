"""nextVisibleTime and the receipt handle agree: from that second on, the handle fails."""

from __future__ import annotations

import asyncio

from cmqconform.emulator import FakeClock, Fault
from cmqconform.products.cmq import Backend

ACC = "AKIDtest"


def test_handle_fails_from_the_announced_second() -> None:
    """A receive at a fractional time announces the first whole second the handle is dead."""
    clock = FakeClock(start=1_700_000_000.6)
    backend = Backend(clock=clock)
    backend.create_queue(ACC, "q", {"visibilityTimeout": 1})
    backend.send_message(ACC, "q", "x")
    got = asyncio.run(backend.receive_message(ACC, "q", polling_wait_seconds=0))
    assert got.next_visible_time == 1_700_000_002
    clock.advance(got.next_visible_time - clock.now())
    try:
        backend.delete_message(ACC, "q", got.receipt_handle)
    except Fault as fault:
        assert fault.condition == "receipt_handle_invalid"
    else:
        raise AssertionError("the handle deleted its message at nextVisibleTime")
