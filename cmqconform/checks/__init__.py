"""The checks registry: small pure functions, each named after the rule it enforces.

A check takes ``(ctx, case, exchange)`` and returns None when the rule holds or a
:class:`~cmqconform.verdicts.Failure` naming the rule, the expected and the received. Register
one with :func:`check`; names must be unique::

    @check
    def request_id_present(ctx: CheckContext, case: Case, exchange: Exchange) -> Failure | None:
        if not exchange.request_id:
            return Failure("Missing RequestId", "the envelope has no RequestId")
        return None
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from cmqconform.models import ActionSpec, ApiSpec, ProductSpec
from cmqconform.verdicts import Case, Exchange, Failure


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What a check may read besides the case and the exchange: the specs and target policy."""

    api: ApiSpec
    action: ActionSpec | None
    #: Flag response members the specs do not document.
    strict: bool = True
    #: The product the surface belongs to (its resource listings), when known.
    product: ProductSpec | None = None


Check = Callable[[CheckContext, Case, Exchange], Failure | None]


class Registry:
    """Named checks in registration order; refuses a second check of the same name."""

    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}

    def register(self, func: Check) -> Check:
        """Add ``func`` under its ``__name__``."""
        name = func.__name__
        if name in self._checks:
            raise ValueError(f"a check named {name!r} is already registered")
        self._checks[name] = func
        return func

    def __iter__(self) -> Iterator[Check]:
        return iter(self._checks.values())

    def names(self) -> tuple[str, ...]:
        """Every registered name."""
        return tuple(self._checks)

    def get(self, name: str) -> Check:
        """The check called ``name``; KeyError if absent."""
        return self._checks[name]


CHECKS = Registry()


def check(func: Check) -> Check:
    """Decorator: register ``func`` in :data:`CHECKS`."""
    return CHECKS.register(func)


def run_checks(ctx: CheckContext, case: Case, exchange: Exchange,
               names: tuple[str, ...] | None = None) -> list[Failure]:
    """Every failure the registered (or the named) checks find."""
    from cmqconform.checks import rules, types  # noqa: F401  (registers the built-in checks)

    selected = [CHECKS.get(n) for n in names] if names is not None else list(CHECKS)
    return [f for f in (c(ctx, case, exchange) for c in selected) if f is not None]
