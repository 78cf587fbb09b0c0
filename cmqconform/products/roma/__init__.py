"""Huawei ROMA Connect MQS's semantics for the emulator: the seeded message store and mutants.

The registry (:func:`cmqconform.products.product_emulator`) reads ``MUTANTS`` and calls
``emulator``; the REST gateway (:mod:`cmqconform.emulator.rest`) serves it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cmqconform.emulator.clock import ServerClock
from cmqconform.emulator.handlers import Handler
from cmqconform.emulator.product import NO_MUTANTS, Mutants, ProductEmulator
from cmqconform.models import SpecSet
from cmqconform.products.roma import v2
from cmqconform.products.roma.mutants import BY_NAME as MUTANTS
from cmqconform.products.roma.mutants import CATALOG, CATEGORIES
from cmqconform.products.roma.store import Message, Store, seed

#: The product id: this package's name, the folder under specs/.
PRODUCT = __name__.rsplit(".", 1)[-1]

__all__ = ["CATALOG", "CATEGORIES", "MUTANTS", "PRODUCT", "Message", "RomaEmulator", "Store",
           "emulator"]


@dataclass(frozen=True, slots=True)
class RomaEmulator:
    """ROMA Connect's :class:`~cmqconform.emulator.product.ProductEmulator`."""

    backend: Store
    handlers: Mapping[str, Mapping[str, Handler]]
    mutants: Mutants = NO_MUTANTS
    product_id: str = field(default=PRODUCT)


def emulator(specs: SpecSet, *, mutants: Mutants = NO_MUTANTS, clock: ServerClock | None = None,
             **options: Any) -> RomaEmulator:
    """A fresh emulator holding the seeded data set under the names the specs' recipes give
    (``project_id``, ``instance_id``, ``topic``); other options are ignored."""
    store = Store(mutants=mutants)
    surfaces = specs.surfaces([PRODUCT])
    for surface in surfaces:
        for action in specs.api(surface).actions.values():
            values = action.recipe.values
            if {"project_id", "instance_id", "topic"} <= set(values):
                seed(store, str(values["project_id"]), str(values["instance_id"]),
                     str(values["topic"]))
    return RomaEmulator(store, {s: v2.HANDLERS for s in surfaces}, mutants)


if TYPE_CHECKING:
    _MEETS_PROTOCOL: type[ProductEmulator] = RomaEmulator
