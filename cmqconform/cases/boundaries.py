"""Per-parameter cases: valid boundaries (min, max, default, typical) and invalid values."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cmqconform.cases.build import (
    baseline,
    broken_rules,
    clause_id,
    couple,
    expect_error,
    repair,
    setup_for,
    slotted,
)
from cmqconform.cases.values import Probe, probes, violated
from cmqconform.models import ActionSpec, ApiSpec, Now, ParamSpec, Ref
from cmqconform.spec.rules import condition_for
from cmqconform.verdicts import Case, Expected


def show(value: Any) -> str:
    """A value as it appears in a test id: short, never a long blob."""
    if isinstance(value, Now):
        return f"now{value.offset:+d}"
    if isinstance(value, Ref):
        if value.spoiled:
            return f"{value.head}<name>{value.tail}"
        return f"<{value.length} chars>" if value.length else f"<{value.kind}>"
    if isinstance(value, list):
        if len(value) > 2 or any(len(str(v)) > 12 for v in value):
            longest = max((len(str(v)) for v in value), default=0)
            return f"<{len(value)} items of {longest} chars>"
        return "[" + ",".join(show(v) for v in value) + "]"
    if isinstance(value, str):
        if value == "":
            return "''"
        return f"<{len(value)} chars>" if len(value) > 20 else value
    return str(value)


def baseline_case(api: ApiSpec, action: ActionSpec) -> Case:
    """The action called with only what it needs; carries the response and errors clauses."""
    params = repair(api, action, baseline(api, action)) or baseline(api, action)
    clauses = [f"{action.api}.{action.name}.{p.name}.required" for p in action.request
               if p.required]
    clauses += [c.id for c in action.clauses if c.category == "response"]
    clauses.append(f"{action.api}.{action.name}.errors")
    return Case(f"{action.name}[baseline]", action.api, action.name, "valid", params,
                Expected.ok(action.source), tuple(clauses), "baseline", setup=setup_for(action,
                                                                                        params))


def param_cases(api: ApiSpec, action: ActionSpec, param: ParamSpec) -> Iterator[Case]:
    """Every probe of one parameter as a case with its expected outcome."""
    rec = action.recipe
    for probe in probes(api, param, creates=rec.creates):
        params = baseline(api, action)
        if probe.valid and probe.note == "typical" and param.name.lower() in rec.values:
            probe = Probe(rec.values[param.name.lower()], probe.kind, True, probe.note)
        params[param.name] = probe.value
        params = couple(action, slotted(action, params))
        label = f"{param.name}={show(probe.value)}"
        clause = clause_id(action, param, probe.kind)
        if probe.valid:
            fixed = repair(api, action, params, fixed=[param.name])
            if fixed is None:
                continue
            expected = Expected.ok(param.source)
            kind = "valid"
            params = fixed
        else:
            kinds = violated(param, probe.value) or [probe.kind]
            conditions = [condition_for(param, k) for k in kinds]
            fixed = repair(api, action, params, fixed=[param.name])
            if fixed is None:
                conditions.extend(condition_for(param, "rule")
                                  for _ in broken_rules(api, action, params)[:1])
            else:
                params = fixed
            expected = expect_error(api, conditions, param.source, [param.errata])
            kind = "invalid"
        yield Case(f"{action.name}[{label}]", action.api, action.name, kind, params, expected,
                   (clause,), label, setup=setup_for(action, params))


def action_cases(api: ApiSpec, action: ActionSpec) -> Iterator[Case]:
    """The baseline and every parameter's cases of one action."""
    yield baseline_case(api, action)
    for param in action.request:
        yield from param_cases(api, action, param)
