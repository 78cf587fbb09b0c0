"""What an action handler receives and returns, and helpers both surfaces' handlers share.

A handler maps an action's validated parameters (keyed by spec name) onto :class:`Backend`
calls and returns a plain mapping; the app projects it onto the spec's response members, so a
handler may return more keys, in any case, than the surface shows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cmqconform.emulator.faults import Fault
from cmqconform.emulator.wire import WireRequest
from cmqconform.models import ActionSpec, ApiSpec
from cmqconform.products.cmq import mutants
from cmqconform.products.cmq.records import ReceivedMessage
from cmqconform.products.cmq.state import Backend


@dataclass(frozen=True, slots=True)
class Context:
    """One request's view: the state, the account namespace and the action's spec."""

    backend: Backend
    account: str
    action: ActionSpec
    api: ApiSpec
    wire: WireRequest

    def default(self, name: str) -> Any:
        """The spec default of parameter ``name`` (None when it has none or no such param)."""
        if mutants.active("limit-default-ignored") and name.lower() == "limit":
            return None
        for param in self.action.request:
            if param.name == name:
                return param.default
        return None


Run = Callable[[Context, dict[str, Any]], Awaitable[Mapping[str, Any]]]
Current = Callable[[Context, dict[str, Any]], Mapping[str, Any] | None]


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
    def current(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any] | None:
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


def message_record(message: ReceivedMessage) -> dict[str, Any]:
    """A received message under the legacy wire names."""
    return {"msgId": message.msg_id, "receiptHandle": message.receipt_handle,
            "msgBody": message.body, "enqueueTime": message.enqueue_time,
            "firstDequeueTime": message.first_dequeue_time,
            "nextVisibleTime": message.next_visible_time, "dequeueCount": message.dequeue_count}
