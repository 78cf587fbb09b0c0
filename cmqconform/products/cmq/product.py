"""CMQ as the gateway sees it: one Backend behind both surfaces' handler tables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cmqconform.emulator.clock import ServerClock
from cmqconform.emulator.handlers import Handler
from cmqconform.emulator.product import NO_MUTANTS, Mutants, ProductEmulator
from cmqconform.models import SpecSet
from cmqconform.products.cmq import legacy, v3
from cmqconform.products.cmq.limits import PRODUCT
from cmqconform.products.cmq.state import Backend


def _handlers() -> Mapping[str, Mapping[str, Handler]]:
    return {"cmq.v3": v3.HANDLERS, "cmq.legacy": legacy.HANDLERS}


@dataclass(frozen=True, slots=True)
class CmqEmulator:
    """CMQ's :class:`~cmqconform.emulator.product.ProductEmulator`: API 3.0 and the legacy API
    over one shared :class:`Backend`."""

    backend: Backend
    mutants: Mutants = NO_MUTANTS
    handlers: Mapping[str, Mapping[str, Handler]] = field(default_factory=_handlers)
    product_id: str = PRODUCT


def emulator(specs: SpecSet, *, mutants: Mutants = NO_MUTANTS, clock: ServerClock | None = None,
             name_release_seconds: float | None = None,
             push_time_scale: float = 1.0) -> CmqEmulator:
    """A fresh CMQ emulator: an empty Backend running with ``mutants``.

    ``name_release_seconds`` overrides how long a deleted name stays reserved;
    ``push_time_scale`` multiplies HTTP push retry delays (tests shorten them).
    """
    backend = Backend(specs, clock=clock, name_release_seconds=name_release_seconds,
                      push_time_scale=push_time_scale, mutants=mutants)
    return CmqEmulator(backend, mutants)


if TYPE_CHECKING:
    # mypy checks here that CmqEmulator meets the gateway's protocol.
    _MEETS_PROTOCOL: type[ProductEmulator] = CmqEmulator
