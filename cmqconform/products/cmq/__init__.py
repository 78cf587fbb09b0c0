"""Tencent Cloud CMQ's semantics for the reference emulator: queues, topics, push, mutants.

One :class:`Backend` holds the state both surfaces share; :mod:`.v3` and :mod:`.legacy` map each
surface's actions onto it. The registry (:func:`cmqconform.products.product_emulator`) reads
``MUTANTS`` (the catalog by name), ``CATEGORIES`` (the test selection of each) and calls
``emulator``.
"""

from cmqconform.products.cmq.mutants import BY_NAME as MUTANTS
from cmqconform.products.cmq.mutants import CATEGORIES
from cmqconform.products.cmq.product import CmqEmulator, emulator
from cmqconform.products.cmq.records import Page, ReceivedMessage
from cmqconform.products.cmq.state import Backend

__all__ = ["CATEGORIES", "MUTANTS", "Backend", "CmqEmulator", "Page", "ReceivedMessage", "emulator"]
