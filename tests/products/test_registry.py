"""The product registry: a product id names a package; its emulator meets the gateway's protocol."""

from __future__ import annotations

import pytest

from cmqconform.emulator.product import NO_MUTANTS, Mutants, build_product
from cmqconform.errors import ConfigError
from cmqconform.products import available, check_mutants, product_emulator
from cmqconform.products.cmq import Backend
from cmqconform.products.cmq.mutants import CATALOG
from cmqconform.spec import load_specs


def test_cmq_is_registered_by_its_package() -> None:
    """``cmq`` is found as ``cmqconform.products.cmq``; its emulator serves both surfaces."""
    assert "cmq" in available()
    built = product_emulator("cmq", load_specs())
    assert built.product_id == "cmq"
    assert isinstance(built.backend, Backend)
    assert set(built.handlers) == {"cmq.v3", "cmq.legacy"}
    assert "CreateQueue" in built.handlers["cmq.v3"]
    assert "SendMessage" in built.handlers["cmq.legacy"]


def test_the_gateway_builds_through_the_registry_by_id() -> None:
    """build_product (the gateway's seam) and product_emulator agree; options reach the
    product and the mutants reach its backend."""
    built = build_product("cmq", load_specs(), mutants=Mutants.of(["delay-ignored"]),
                          name_release_seconds=0)
    assert isinstance(built.backend, Backend)
    assert built.backend.limits.name_release_seconds == 0
    assert built.backend.mutants is built.mutants
    assert built.mutants.active("delay-ignored") and not built.mutants.active("offset-ignored")


def test_unknown_product_names_the_known_ones() -> None:
    """A product id the specs do not define (with or without a package) is a ConfigError
    listing the products the specs define."""
    with pytest.raises(ConfigError, match=r"unknown product 'nosuch'; the specs define .*cmq"):
        product_emulator("nosuch", load_specs())


def test_mutant_names_are_checked_against_the_product_catalog() -> None:
    """Every catalog name is accepted; None entries (no --mutant) are no mutant at all."""
    assert check_mutants("cmq", [m.name for m in CATALOG]).names == {m.name for m in CATALOG}
    assert Mutants.of([None]) == NO_MUTANTS
    assert str(Mutants.of(["b", "a"])) == "a, b"
