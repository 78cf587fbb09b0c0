"""The reference emulator's core: state model, semantics and parameter validation.

The HTTP layer (ASGI app, auth, request decoding) sits on top of :class:`Backend`.
"""

from cmqconform.emulator.clock import Clock, FakeClock, RealClock
from cmqconform.emulator.faults import Fault, ItemError
from cmqconform.emulator.records import Page, ReceivedMessage
from cmqconform.emulator.state import Backend
from cmqconform.emulator.validate import validate

__all__ = ["Backend", "Clock", "FakeClock", "Fault", "ItemError", "Page", "RealClock",
           "ReceivedMessage", "validate"]
