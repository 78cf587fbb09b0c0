"""What an action handler receives and returns, and helpers every product's handlers share.

A handler maps an action's validated parameters (keyed by spec name) onto calls of its product's
backend and returns a plain mapping; the gateway projects it onto the spec's response members,
so a handler may return more keys, in any case, than the surface shows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from cmqconform.emulator.faults import Fault
from cmqconform.emulator.wire import WireRequest
from cmqconform.models import ActionSpec, ApiSpec

if TYPE_CHECKING:
    from cmqconform.emulator.product import Mutants

#: The product's backend type (a product aliases ``Context[ItsBackend]``).
B = TypeVar("B")


@dataclass(frozen=True, slots=True)
class Context(Generic[B]):
    """One request's view: the product's state, the account namespace, the action's spec and
    the mutants the emulator runs with."""

    backend: B
    account: str
    action: ActionSpec
    api: ApiSpec
    wire: WireRequest
    mutants: Mutants

    def default(self, name: str) -> Any:
        """The spec default of parameter ``name`` (None when it has none or no such param)."""
        if self.mutants.active("limit-default-ignored") and name.lower() == "limit":
            return None
        for param in self.action.request:
            if param.name == name:
                return param.default
        return None


Run = Callable[[Context[Any], dict[str, Any]], Awaitable[Mapping[str, Any]]]
Current = Callable[[Context[Any], dict[str, Any]], Mapping[str, Any] | None]


@dataclass(frozen=True, slots=True)
class Handler:
    """An action's implementation; ``current`` gives the resource's attributes for rules."""

    run: Run
    current: Current | None = None


def registry() -> tuple[dict[str, Handler], Callable[..., Callable[[Run], Run]]]:
    """A handler table and its ``@action(name, current=...)`` decorator."""
    table: dict[str, Handler] = {}

    def action(name: str, current: Current | None = None) -> Callable[[Run], Run]:
        def register(run: Run) -> Run:
            if name in table:
                raise ValueError(f"handler {name!r} registered twice")
            table[name] = Handler(run, current)
            return run
        return register

    return table, action


def arg(params: Mapping[str, Any], name: str, default: Any = None) -> Any:
    """The parameter ``name`` matched case-insensitively (legacy specs spell names as printed)."""
    if name in params:
        return params[name]
    lowered = name.lower()
    for key, value in params.items():
        if key.lower() == lowered:
            return value
    return default


def attributes(params: Mapping[str, Any], *exclude: str) -> dict[str, Any]:
    """The parameters that are resource attributes: all but the identifying ones."""
    skip = {name.lower() for name in exclude}
    return {k: v for k, v in params.items() if k.lower() not in skip}


def by_spec_names(action: ActionSpec, data: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """``data`` re-keyed to the action's parameter names, matched case-insensitively."""
    if data is None:
        return None
    folded = {k.lower(): v for k, v in data.items()}
    return {p.name: folded[p.name.lower()] for p in action.request if p.name.lower() in folded}


def current_of(read: Callable[..., Mapping[str, Any]], *names: str,
               view: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None) -> Current:
    """A ``current=`` hook: ``read(backend, account, *values of names)`` re-keyed to the action's
    parameter names (and first through ``view``); None when a name is absent or not found."""
    def current(ctx: Context[Any], params: dict[str, Any]) -> Mapping[str, Any] | None:
        keys = [arg(params, name) for name in names]
        if not all(isinstance(key, str) for key in keys):
            return None
        found = quietly(lambda: read(ctx.backend, ctx.account, *keys))
        return by_spec_names(ctx.action, view(found) if found is not None and view else found)
    return current


def quietly(read: Callable[[], Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """``read()``, or None when the resource does not exist (validation still runs first)."""
    try:
        return read()
    except Fault:
        return None


def filter_values(filters: Iterable[Mapping[str, Any]] | None, name: str) -> list[str]:
    """The values of every ``Filters.N`` entry whose Name is ``name``."""
    out: list[str] = []
    for item in filters or ():
        if item.get("Name") == name:
            out.extend(str(v) for v in item.get("Values") or ())
    return out

