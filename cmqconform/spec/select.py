"""Which surfaces a run covers: ``--product`` and ``--api``, checked against the specs."""

from __future__ import annotations

from cmqconform.errors import ConfigError
from cmqconform.models import SpecSet


def select_surfaces(specs: SpecSet, product: str, api: str) -> tuple[str, ...]:
    """The surfaces ``--product`` and ``--api`` select; ConfigError naming what the specs hold."""
    if product != "all" and product not in specs.products:
        raise ConfigError(f"--product {product}: no such product; the specs define "
                          f"{', '.join(specs.products)}")
    surfaces = specs.surfaces(None if product == "all" else [product])
    if api != "all" and api not in surfaces:
        scope = "the specs" if product == "all" else f"product {product}"
        raise ConfigError(f"--api {api}: no such surface in {scope}; choose from "
                          f"{', '.join(surfaces)}")
    return surfaces if api == "all" else (api,)
