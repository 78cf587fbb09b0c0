"""Preflight: one authenticated call per surface before a run, so that a wrong key or a dead
target stops the run with one clear error instead of hundreds of fail or error verdicts.

The call is a resource listing when ``product.yaml`` declares one for the surface (first page),
else the surface's first action with no parameters (a validation error is fine: the target
answered after checking the signature). The answer is refused when it is one of the surface's
authentication conditions (``errors.yaml``: signature_failure, secret_id_not_found,
signature_expired, invalid_token) or no answer at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cmqconform.errors import ConfigError
from cmqconform.provision import named
from cmqconform.session import Session
from cmqconform.verdicts import Exchange

#: The errors.yaml conditions that mean "the credentials were refused".
AUTH_CONDITIONS = ("signature_failure", "secret_id_not_found", "signature_expired",
                   "invalid_token")


def probe(session: Session, api: str) -> tuple[str, Exchange]:
    """Send the surface's preflight call: (action, exchange)."""
    spec = session.specs.api(api)
    for product in session.specs.products.values():
        for kind in product.resources.values():
            listing = kind.listing.get(api)
            if listing is not None and not kind.parent:
                params: dict[str, Any] = named(session, api, listing.action,
                                               **{listing.offset: 0, listing.limit: 1})
                return listing.action, session.call(api, listing.action, params)
    action = sorted(spec.actions)[0]
    return action, session.call(api, action, {})


def refused(session: Session, api: str, exchange: Exchange) -> bool:
    """Whether ``exchange`` is one of the surface's authentication failures."""
    conditions = session.specs.api(api).conditions
    return not exchange.ok and any(
        ref.code == exchange.code and (ref.module is None or ref.module == exchange.module)
        for name in AUTH_CONDITIONS if name in conditions for ref in conditions[name].accept)


def preflight(session: Session, apis: Sequence[str]) -> None:
    """Raise one ConfigError when a surface of ``apis`` is unreachable or refuses the keys."""
    for api in apis:
        action, got = probe(session, api)
        url = session.target.endpoints.urls.get(api, "")
        if got.fault:
            raise ConfigError(f"preflight: {api} {action} at {url}: no answer ({got.fault}); "
                              f"is the target running, and does it serve {api}? (--product "
                              "selects the products it serves)")
        if refused(session, api, got):
            raise ConfigError(f"preflight: {api} {action} at {url}: the target refused the "
                              f"credentials ({got.describe()}); check the secret id and key")
