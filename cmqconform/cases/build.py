"""Shared steps of case generation: a baseline call that succeeds, rule repair, expectations."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from cmqconform.cases.values import typical
from cmqconform.errors import SpecError
from cmqconform.models import ActionSpec, ApiSpec, Cite, ErrorRef, Need, Now, ParamSpec, Ref, Rule
from cmqconform.spec.rules import rule_holds
from cmqconform.verdicts import Expected

_CREATOR = {"queue": "createqueue", "topic": "createtopic"}


def baseline(api: ApiSpec, action: ActionSpec) -> dict[str, Any]:
    """Parameters that make ``action`` succeed: required ones plus the recipe's values; the
    member its ``rate_cost`` counts the value of at its cheapest (see :func:`cheapest`)."""
    rec = action.recipe
    params: dict[str, Any] = {}
    for param in action.request:
        value = rec.values.get(param.name.lower())
        if value is not None:
            params[param.name] = value
        elif param.required:
            params[param.name] = cheapest(action, param, typical(api, param,
                                                                 creates=rec.creates))
    return slotted(action, params)


def cheapest(action: ActionSpec, param: ParamSpec, value: Any) -> Any:
    """``value``, or the spec minimum of ``param`` when the action's ``rate_cost`` counts that
    member's value against the target's rate (messages asked for): a case whose subject is
    another member then weighs one unit, not the typical value's; the member's own boundary
    and typical cases still send theirs."""
    cost = action.rate_cost
    if cost is None or cost.mode != "value" or cost.member.lower() != param.name.lower() \
            or param.min is None:
        return value
    return int(param.min) if param.type == "integer" else param.min


def slotted(action: ActionSpec, params: dict[str, Any]) -> dict[str, Any]:
    """Give name placeholders the slot the recipe assigns (a dead-letter queue is another queue)."""
    slots = action.recipe.slots
    for name, value in list(params.items()):
        slot = slots.get(name.lower())
        if slot and isinstance(value, Ref) and not value.slot:
            params[name] = replace(value, slot=slot)
    return params


def couple(action: ActionSpec, params: dict[str, Any]) -> dict[str, Any]:
    """Add the values a chosen value brings along (Protocol http needs an http Endpoint)."""
    couplings = action.recipe.couplings
    for name, value in list(params.items()):
        extra = couplings.get(name.lower(), {}).get(value) if _hashable(value) else None
        for other, other_value in (extra or {}).items():
            for param in action.request:
                if param.name.lower() == other:
                    params[param.name] = other_value
    return params


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def fallback(api: ApiSpec, action: ActionSpec) -> dict[str, Any]:
    """Values a rule may compare against when a parameter is not sent: the spec defaults."""
    out: dict[str, Any] = {}
    for param in action.request:
        kind = param.resource
        creator = _CREATOR.get(kind or "")
        for other in api.actions.values():
            if creator and other.name.lower() == creator:
                out.update({p.name: p.default for p in other.request if p.default is not None})
    out.update({p.name: p.default for p in action.request if p.default is not None})
    return out


def broken_rules(api: ApiSpec, action: ActionSpec, params: Mapping[str, Any]) -> list[Rule]:
    """Rules of ``action`` the parameters break (placeholders are left out of comparisons)."""
    given = {k: v for k, v in params.items() if not isinstance(v, Ref | Now)}
    present = dict(params)
    out = []
    for rule in action.rules:
        view = present if "present" in rule.when or "present" in rule.require else given
        if not rule_holds(rule, view, fallback(api, action)):
            out.append(rule)
    return out


def repair(api: ApiSpec, action: ActionSpec, params: dict[str, Any],
           fixed: Iterable[str] = ()) -> dict[str, Any] | None:
    """Adjust parameters other than ``fixed`` until every rule holds; None when impossible."""
    keep = set(fixed)
    for _ in range(2 * len(action.rules) + 1):
        broken = broken_rules(api, action, params)
        if not broken:
            return params
        _fix(api, action, broken[0], params, keep)
    return None if broken_rules(api, action, params) else params


def _fix(api: ApiSpec, action: ActionSpec, rule: Rule, params: dict[str, Any],
         keep: set[str]) -> None:
    req, when = rule.require, rule.when
    if "present" in req and req["present"] not in keep:
        params[req["present"]] = typical(api, action.param(req["present"]))
        return
    target = str(req.get("param", ""))
    if "equals" in req and target not in keep:
        params[target] = req["equals"]
        couple(action, params)
        return
    for op, bound in (("lt", "max"), ("le", "max"), ("gt", "min"), ("ge", "min")):
        other = req.get(op)
        if other is None:
            continue
        if other not in keep:
            limit = getattr(action.param(other), bound)
            if limit is not None:
                params[other] = limit
                return
        if target and target not in keep:
            limit = getattr(action.param(target), "min" if bound == "max" else "max")
            if limit is not None:
                params[target] = limit
                return
    dropped = str(when.get("present") or when.get("param") or "")
    if dropped and dropped not in keep:
        spec = action.param(dropped)
        others = [v for v in (spec.enum or ()) if v != when.get("equals")]
        if "equals" in when and others:
            params[dropped] = others[0]
            couple(action, params)
            return
        if not spec.required:
            params.pop(dropped, None)
            return
    # Nothing adjustable: give up on this rule by fixing everything (repair then returns None).
    keep.update(params)


def expect_error(api: ApiSpec, conditions: Iterable[str], source: Cite | None,
                 errata: Iterable[str | None] = ()) -> Expected:
    """An error answered by any code of any of ``conditions`` (de-duplicated, in order)."""
    names = tuple(dict.fromkeys(conditions))
    accept: list[ErrorRef] = []
    notes = [e for e in errata if e]
    for name in names:
        try:
            condition = api.conditions[name]
        except KeyError:
            raise SpecError(f"condition {name!r} is not defined in {api.id} errors.yaml",
                            rule="ref.condition") from None
        accept.extend(ErrorRef(r.code, r.module) for r in condition.accept)
        if condition.errata:
            notes.append(condition.errata)
    unique = tuple(dict.fromkeys(accept))
    if source is None and names:
        source = api.conditions[names[0]].source
    return Expected(False, unique, names, tuple(dict.fromkeys(notes)), source)


def setup_for(action: ActionSpec, params: Mapping[str, Any]) -> tuple[Need, ...]:
    """Resources to create first: every non-fresh name placeholder, then the recipe's needs."""
    needs: dict[tuple[str, str], Need] = {}
    for value in params.values():
        for ref in value if isinstance(value, list) else [value]:
            if isinstance(ref, Ref) and not ref.fresh and not ref.spoiled:
                needs[(ref.kind, ref.slot)] = Need(ref.kind, ref.slot, length=ref.length)
    for need in action.recipe.needs:
        # The recipe's attributes (rewind enabled...) apply to the referenced resource.
        have = needs.get((need.kind, need.slot))
        needs[(need.kind, need.slot)] = Need(need.kind, need.slot, need.attrs,
                                             have.length if have else need.length)
    return tuple(needs.values())


def clause_id(action: ActionSpec, param: ParamSpec, kind: str) -> str:
    """The derived clause id for a constraint of a parameter (``type`` when not carried)."""
    carried = kind if kind in param.constraints else "type"
    return f"{action.api}.{action.name}.{param.name}.{carried}"
