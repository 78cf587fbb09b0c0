"""Property cases: what the specs state across calls, generated for every surface.

Kinds (``case_kind``): ``round_trip`` (what a create or modify sets reads back exactly, ids
included), ``fidelity`` (message bodies byte for byte), ``unique`` (a name's uniqueness scope),
``matching`` (how a listing filter matches), ``timer`` (visibility, delay and wait: not early,
and fired) from ``specs/<product>/properties.yaml``; ``signature`` (every element a signing
method covers is bound by it) from each surface's ``signed_elements`` facts. Strict JSON types
apply to every success they read. The plugin collects them under ``suites/properties``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cmqconform.cases.resources import Namer
from cmqconform.models import Property, SpecSet
from cmqconform.properties import messages, signing, state
from cmqconform.properties.steps import Broken, Steps, Unjudged
from cmqconform.provision import Pool
from cmqconform.session import Session
from cmqconform.verdicts import Exchange, Verdict

#: properties.yaml list -> the case kind its cases report.
#: A timer longer than this many seconds is a slow case (``--slow``).
SLOW_AFTER = 5
KINDS = {"round_trips": "round_trip", "fidelity": "fidelity", "unique": "unique",
         "matching": "matching", "timers": "timer"}


@dataclass(frozen=True, slots=True)
class PropertyCase:
    """One generated property case: its id, surface, kind, clauses and what it varies."""

    id: str
    api: str
    action: str
    kind: str
    clause_ids: tuple[str, ...]
    prop: Property | None = None
    #: The variant: a round trip's bound, a fidelity body's label, a signed element.
    variant: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    #: Waits on real timers: kept out of the default run when long.
    slow: bool = False


def property_cases(specs: SpecSet, api: str) -> list[PropertyCase]:
    """Every property case of surface ``api``, in properties.yaml order, then signatures."""
    out: list[PropertyCase] = []
    product = specs.product_of(api)
    for prop in product.properties:
        if prop.clause.api != api:
            continue
        kind = KINDS[prop.kind]
        action = prop.clause.action or ""
        if kind == "round_trip":
            variants: tuple[str, ...] = state.VARIANTS
        elif kind == "fidelity":
            variants = tuple(messages.fidelity_bodies(1024))
        elif kind == "timer":
            variants = (str(prop.body["timer"]),)
        else:
            variants = ("",)
        for variant in variants:
            label = f"{kind}[{action}{' ' + variant if variant else ''}]"
            if kind in ("unique", "matching"):
                label = f"{kind}[{action} {prop.body.get('kind') or prop.body.get('filter')}]"
            out.append(PropertyCase(label, api, action, kind, (prop.clause.id,), prop,
                                    variant, slow=int(prop.body.get("seconds", 0)) > SLOW_AFTER))
    out.extend(signing.signature_cases(specs, api))
    return out


def run_property(case: PropertyCase, session: Session, namer: Namer,
                 second: Session | None = None, lender: Pool | None = None) -> Verdict:
    """Run one property case (borrowing from ``lender`` what it only fills and reads); a
    broken property is ``fail``, one not judged ``error``."""
    steps = Steps(session, namer, case.prop, second, lender=lender)
    runners: dict[str, Callable[[], None]] = {
        "round_trip": lambda: state.round_trip(steps, case.variant),
        "fidelity": lambda: messages.fidelity(steps, case.variant),
        "unique": lambda: state.unique(steps),
        "matching": lambda: state.matching(steps),
        "timer": lambda: messages.timer(steps),
        "signature": lambda: signing.integrity(steps, case.api, case.data),
    }
    try:
        runners[case.kind]()
        return _verdict(case, "pass", "", steps.last)
    except Broken as exc:
        clauses = tuple(dict.fromkeys((*case.clause_ids, *exc.clause_ids)))
        return _verdict(case, "fail", f"{case.id}: {exc}", steps.last, clauses)
    except Unjudged as exc:
        return _verdict(case, "error", f"{case.id}: {exc}", steps.last)
    finally:
        steps.cleanup()


def _verdict(case: PropertyCase, state_: str, message: str, last: Exchange | None,
             clauses: tuple[str, ...] | None = None) -> Verdict:
    source = str(case.prop.clause.source) if case.prop else case.data.get("source")
    return Verdict(case.id, state_, clauses or case.clause_ids, case.kind,
                   last.describe() if last is not None else "", message, source, case.api,
                   case.action, evidence=last.evidence if last is not None else None,
                   case_kind=case.kind)


__all__ = ["PropertyCase", "property_cases", "run_property"]
