"""Products with hand-written emulator semantics, one package each, picked by product id.

A product package ``cmqconform.products.<id>`` (the id is its folder under ``specs/``) provides
what :class:`ProductPackage` names: ``MUTANTS``, its mutant catalog by name, and ``emulator``,
which builds a :class:`~cmqconform.emulator.product.ProductEmulator` for the gateway. Adding a
product is adding a package; nothing here or in the gateway changes::

    # cmqconform/products/tdmq/__init__.py
    MUTANTS: dict[str, Mutant] = {}

    def emulator(specs, *, mutants, clock=None, **options) -> TdmqEmulator:
        return TdmqEmulator(Store(specs, clock=clock), {"tdmq.v3": v3.HANDLERS}, mutants)

A product with specs and no package here is served by the spec-driven mock
(:mod:`cmqconform.emulator.mock`), whose catalog is the gateway's generic mutants. The engine
never imports this package; the gateway reaches it by name
(:func:`cmqconform.emulator.product.build_product`).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Mapping
from typing import Any, Protocol, cast

from cmqconform.emulator.clock import ServerClock
from cmqconform.emulator.product import NO_MUTANTS, Mutants, ProductEmulator
from cmqconform.errors import ConfigError
from cmqconform.models import SpecSet


class ProductPackage(Protocol):
    """What a ``cmqconform.products.<id>`` package provides (module-level names)."""

    #: The product's mutant catalog: name -> entry (empty when it has none).
    MUTANTS: Mapping[str, object]

    def emulator(self, specs: SpecSet, *, mutants: Mutants = NO_MUTANTS,
                 clock: ServerClock | None = None, **options: Any) -> ProductEmulator:
        """A fresh emulator of the product (empty state) running with ``mutants``."""
        ...


def available() -> list[str]:
    """The product ids with a package here, sorted."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.ispkg)


def product_package(product_id: str) -> ProductPackage:
    """The package of ``product_id``; ConfigError naming the known ids when there is none."""
    if product_id not in available():
        raise ConfigError(f"no emulator for product {product_id!r}; products with one: "
                          f"{', '.join(available())}")
    return cast(ProductPackage, importlib.import_module(f"{__name__}.{product_id}"))


def has_package(product_id: str) -> bool:
    """Whether ``product_id`` has hand-written semantics here (else the mock serves it)."""
    return product_id in available()


def _require_specs(product_id: str, specs: SpecSet | None) -> None:
    """ConfigError unless the specs define ``product_id`` with at least one surface."""
    from cmqconform.spec import load_specs

    specs = specs or load_specs()
    if product_id not in specs.products:
        raise ConfigError(f"unknown product {product_id!r}; the specs define "
                          f"{', '.join(specs.products) or 'none'}")
    if not specs.surfaces([product_id]):
        raise ConfigError(f"product {product_id!r} has no surface with specs to serve")


def mutant_catalog(product_id: str, specs: SpecSet | None = None) -> Mapping[str, Any]:
    """The mutant catalog of ``product_id``: its package's, else the mock's (name -> Mutant)."""
    if has_package(product_id):
        return product_package(product_id).MUTANTS
    from cmqconform.emulator import mock
    from cmqconform.spec import load_specs

    specs = specs or load_specs()
    _require_specs(product_id, specs)
    return mock.catalog_for(specs, product_id)


def mutant_categories(product_id: str, specs: SpecSet | None = None) -> Mapping[str, Any]:
    """The test selection per mutant category of ``product_id`` (name -> Category)."""
    if has_package(product_id):
        package = product_package(product_id)
        found = getattr(package, "CATEGORIES", None)
        if found is None:  # kept beside the catalog, in the package's mutants module
            found = importlib.import_module(f"{__name__}.{product_id}.mutants").CATEGORIES
        return cast(Mapping[str, Any], found)
    _require_specs(product_id, specs)
    from cmqconform.emulator import mock

    return mock.CATEGORIES


def check_mutants(product_id: str, names: Iterable[str], specs: SpecSet | None = None
                  ) -> Mutants:
    """``names`` as a Mutants record; ConfigError listing the product's valid names when one
    is not in its catalog."""
    catalog, wanted = mutant_catalog(product_id, specs), tuple(names)
    for name in wanted:
        if name not in catalog:
            raise ConfigError(f"unknown mutant {name!r}; valid names: "
                              f"{', '.join(sorted(catalog))}")
    return Mutants.of(wanted)


def product_emulator(product_id: str, specs: SpecSet, *, mutants: Mutants = NO_MUTANTS,
                     clock: ServerClock | None = None, **options: Any) -> ProductEmulator:
    """A fresh emulator of ``product_id`` running with ``mutants`` (checked against its catalog);
    ``options`` are the product's own knobs (CMQ: ``name_release_seconds``,
    ``push_time_scale``)."""
    check_mutants(product_id, mutants.names, specs)
    if not has_package(product_id):
        from cmqconform.emulator import mock

        return mock.emulator(specs, product_id, mutants=mutants, clock=clock, **options)
    return product_package(product_id).emulator(specs, mutants=mutants, clock=clock, **options)
