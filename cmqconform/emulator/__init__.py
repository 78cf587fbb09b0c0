"""The reference emulator's product-neutral gateway: the server side of every dialect.

It reads a request, checks its signature, common parameters and spec constraints, hands the
decoded parameters to a product's handler and writes the surface's envelope. A product's own
semantics (state, handlers, mutant catalog) live in :mod:`cmqconform.products`.
"""

from cmqconform.emulator.clock import FakeClock, RealClock, ServerClock
from cmqconform.emulator.faults import Fault, ItemError
from cmqconform.emulator.validate import validate

__all__ = ["FakeClock", "Fault", "ItemError", "RealClock", "ServerClock", "validate"]
