"""Tencent Cloud CMQ's semantics for the reference emulator: queues, topics, push, mutants.

One :class:`Backend` holds the state both surfaces share; :mod:`.v3` and :mod:`.legacy` map each
surface's actions onto it.
"""

from cmqconform.products.cmq.records import Page, ReceivedMessage
from cmqconform.products.cmq.state import Backend

__all__ = ["Backend", "Page", "ReceivedMessage"]
