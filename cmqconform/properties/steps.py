"""What every property case does: calls by spec name, strict reads, contract breaks and faults.

A property case raises :class:`Broken` when the target broke the rule (a ``fail`` naming the
clause) and :class:`Unjudged` when it could not be judged (transport trouble, a failed setup: an
``error``). Every success the case reads is also held to the strict JSON types
(:func:`~cmqconform.checks.types.strict_json_types`) and the response schema.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from cmqconform.cases.resources import Namer
from cmqconform.checks import CheckContext, run_checks
from cmqconform.models import ApiSpec, Property
from cmqconform.provision import Pool, Resources, named
from cmqconform.session import Session
from cmqconform.verdicts import Case, Exchange, Expected

T = TypeVar("T")

#: The checks every answer a property case reads is held to.
READ_CHECKS = ("strict_json_types", "response_schema_conformance")


class Broken(AssertionError):
    """The target broke the property (a ``fail``); the message names the clause."""

    def __init__(self, message: str, clause_ids: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.clause_ids = clause_ids


class Unjudged(Exception):
    """The property could not be judged (an ``error``)."""


@dataclass(slots=True)
class Steps:
    """One property case's calls on one target (and its second account, when declared)."""

    session: Session
    namer: Namer
    prop: Property | None
    second: Session | None = None
    #: The worker's lender of emptied queues and topics (:meth:`Resources.emptied`): what a
    #: case only sends to, receives from and reads is borrowed, not created.
    lender: Pool | None = None
    #: Resources by (surface, account): cleaned up when the case ends.
    pools: dict[tuple[str, bool], Resources] = field(default_factory=dict)
    #: Resources of earlier attempts (:meth:`afresh`), cleaned up with the rest.
    spent: list[Resources] = field(default_factory=list)
    last: Exchange | None = None

    @property
    def clause(self) -> str:
        """The clause id of the property."""
        return self.prop.clause.id if self.prop else ""

    def where(self) -> str:
        """``(clause, doc line)`` for messages."""
        if self.prop is None:
            return ""
        return f" ({self.prop.clause.id}, {self.prop.clause.source})"

    def api(self, name: str) -> ApiSpec:
        """The surface ``name``."""
        return self.session.specs.api(name)

    def resources(self, api: str, *, second: bool = False) -> Resources:
        """The resources of ``api`` in the main (or second) account."""
        key = (api, second)
        if key not in self.pools:
            session = self.second if second and self.second is not None else self.session
            # The lender's resources live in the main account only.
            lender = None if second and self.second is not None else self.lender
            self.pools[key] = Resources(session, api, self.namer, lender=lender)
        return self.pools[key]

    def call(self, api: str, action: str, params: dict[str, Any], *,
             second: bool = False) -> Exchange:
        """One call by spec names; a fault is :class:`Unjudged`; a success is checked strictly."""
        session = self.second if second and self.second is not None else self.session
        got = session.call(api, action, params)
        self.last = got
        if got.fault:
            raise Unjudged(f"{action}: {got.fault}")
        if got.breach:
            raise Broken(f"{action}: {got.describe()}")
        if got.ok:
            self.strict(api, action, params, got)
        return got

    def lowered(self, api: str, action: str, **lowered: Any) -> Exchange:
        """:meth:`call` with lower-cased spec names (one form for both surfaces)."""
        return self.call(api, action, named(self.session, api, action, **lowered))

    def strict(self, api: str, action: str, params: dict[str, Any], got: Exchange) -> None:
        """Hold a success to the strict JSON types and the response schema."""
        spec = self.api(api)
        ctx = CheckContext(spec, spec.actions.get(action), strict=False)
        case = Case(f"{action}[{self.clause}]", api, action, "valid", params, Expected.ok(),
                    (), action)
        failures = run_checks(ctx, case, got, READ_CHECKS)
        if failures:
            first = failures[0]
            raise Broken(f"{action} (read by {self.clause}): {first.message}", first.clause_ids)

    def ok(self, got: Exchange, what: str) -> Exchange:
        """Require a success."""
        if not got.ok:
            raise Broken(f"{what}: expected success{self.where()}; received {got.describe()}")
        return got

    def accepts(self, api: str, condition: str, got: Exchange) -> bool:
        """Whether ``got`` is an error the surface's ``condition`` accepts."""
        accept = self.api(api).conditions[condition].accept
        return not got.ok and any(str(r.code) == str(got.code)
                                  and (r.module is None or r.module == got.module)
                                  for r in accept)

    def error(self, api: str, condition: str, got: Exchange, what: str) -> None:
        """Require an error answering ``condition``."""
        if not self.accepts(api, condition, got):
            codes = "|".join(str(r) for r in self.api(api).conditions[condition].accept)
            raise Broken(f"{what}: expected {codes} ({condition}){self.where()}; received "
                         f"{got.describe()}")

    def afresh(self) -> None:
        """Start another attempt with resources of its own: what the last one made (a queue,
        the message in it) may be in any state."""
        self.spent += self.pools.values()
        self.pools.clear()

    def cleanup(self) -> None:
        """Delete what the case created, in every account."""
        for pool in [*self.spent, *self.pools.values()]:
            pool.cleanup()


#: How many times a timer is tried when a look meant to land inside it came back too late.
TIMER_ATTEMPTS = 3


class TooLate(Exception):
    """A look meant to land inside a timer came back after the timer could have fired."""


def in_time(check: Callable[[], object], ends: float, what: str) -> None:
    """Run ``check`` on a look meant to land inside a timer that may end at ``ends``
    (``time.monotonic()``): one that broke it but came back at or after ``ends`` may have been
    read after the timer fired (a slow target, a wait for a rate-limit slot, a busy machine)
    and proves nothing: :class:`TooLate` instead of the breach."""
    came_late = time.monotonic() >= ends
    try:
        check()
    except AssertionError:
        if came_late:
            raise TooLate(f"{what}: the answer came back after the timer could have fired, "
                          f"so it proves nothing") from None
        raise


def tried_in_time(attempt: Callable[[], None], fault: Callable[[str], Exception],
                  again: Callable[[], None] | None = None) -> None:
    """Run ``attempt`` again (after ``again``: resources of its own) while a look comes back
    too late to judge (:class:`TooLate`); after :data:`TIMER_ATTEMPTS`, ``fault`` (an error
    verdict, never a fail). A breach in time is raised at once."""
    for tried in range(1, TIMER_ATTEMPTS + 1):
        try:
            attempt()
            return
        except TooLate as late:
            if tried == TIMER_ATTEMPTS:
                raise fault(f"{late} ({TIMER_ATTEMPTS} attempts)") from None
            if again is not None:
                again()


def wait_until(moment: float) -> None:
    """Sleep until ``time.monotonic()`` reaches ``moment``."""
    left = moment - time.monotonic()
    if left > 0:
        time.sleep(left)


def poll(probe: Callable[[], T | None], until: float, step: float = 0.2) -> T | None:
    """Call ``probe`` until it returns something or ``time.monotonic()`` passes ``until``."""
    while True:
        found = probe()
        if found is not None or time.monotonic() >= until:
            return found
        time.sleep(step)
