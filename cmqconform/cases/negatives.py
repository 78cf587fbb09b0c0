"""Action-level negatives: missing required, unknown parameter, broken rules, protocol and auth."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import product
from typing import Any

from cmqconform.cases.build import baseline, broken_rules, expect_error, repair, setup_for
from cmqconform.cases.values import is_created_name, typical
from cmqconform.models import ActionSpec, ApiSpec, Ref, Rule
from cmqconform.spec.rules import condition_for, rule_condition
from cmqconform.verdicts import Case, Expected

#: Protocol negatives: label -> (condition, common-parameter overrides). Sent without setup.
PROTOCOL = {
    "wrong Version": ("unsupported_version", {"Version": "2000-01-01"}),
    "unsupported Region": ("unsupported_region", {"Region": "xx-cmqc-1"}),
}
#: Auth negatives: label -> (condition, tamper name understood by the session).
AUTH = {
    "bad signature": ("signature_failure", "bad_signature"),
    "unknown SecretId": ("secret_id_not_found", "unknown_secret_id"),
    "expired timestamp": ("signature_expired", "expired_timestamp"),
    "missing auth": ("missing_auth", "missing_auth"),
}
#: Tampers of a token scheme; sent only with a signature method that lists them (``tampers``).
TOKEN_AUTH = {
    "bad token": ("invalid_token", "bad_token"),
}
UNKNOWN_PARAM = "CmqcUnknownParam"
#: The legacy reading: unknown parameters are ignored (the SDKs send some), or refused.


def surface_clauses(api: ApiSpec, condition: str,
                    action: ActionSpec | None = None) -> tuple[str, ...]:
    """The condition's clause, any surface clause named after it (``<surface>.auth.<cond>``) and
    ``action``'s error_code clauses that state ``condition``."""
    ids = [c.id for c in api.clauses if c.id.rsplit(".", 1)[-1] == condition]
    if action is not None:
        ids += [c.id for c in action.clauses if c.condition == condition]
    return tuple(dict.fromkeys([*ids, f"{api.id}.condition.{condition}"]))


def missing_cases(api: ApiSpec, action: ActionSpec) -> Iterator[Case]:
    """One case per required parameter, left out."""
    for param in action.request:
        if not param.required:
            continue
        params = baseline(api, action)
        params.pop(param.name, None)
        expected = expect_error(api, [condition_for(param, "required")], param.source,
                                [param.errata])
        yield Case(f"{action.name}[missing {param.name}]", action.api, action.name, "missing",
                   params, expected, (f"{action.api}.{action.name}.{param.name}.required",),
                   f"{param.name} missing", setup=setup_for(action, params))


def unknown_param_case(api: ApiSpec, action: ActionSpec) -> Case:
    """The baseline plus a parameter no spec knows."""
    # Spelled in the surface's own convention (lowerCamel where most parameters are).
    names = [p.name for a in api.actions.values() for p in a.request]
    lower = sum(n[:1].islower() for n in names) > len(names) / 2
    name = UNKNOWN_PARAM[0].lower() + UNKNOWN_PARAM[1:] if lower else UNKNOWN_PARAM
    params = baseline(api, action)
    params[name] = "x"
    expected = expect_error(api, ["unknown_parameter"], action.source)
    if api.facts.unknown_params == "ignored":
        expected = Expected(False, expected.accept, expected.conditions,
                            (*expected.errata,
                             *filter(None, [api.facts.errata.get("unknown_params")])),
                            expected.source,
                            or_success=True)
    clauses = surface_clauses(api, "unknown_parameter")
    return Case(f"{action.name}[unknown parameter]", action.api, action.name, "unknown_param",
                params, expected, clauses, f"{name}=x", setup=setup_for(action, params))


def _bounds(api: ApiSpec, action: ActionSpec, name: str) -> list[Any]:
    param = action.param(name)
    values = [v for v in (param.min, param.max) if v is not None]
    values += list(param.enum or ())
    values.append(typical(api, param))
    return list(dict.fromkeys(values))


def _breaking(api: ApiSpec, action: ActionSpec, rule: Rule) -> dict[str, Any] | None:
    """Parameters that break ``rule`` and nothing else, or None when none can be found."""
    params = baseline(api, action)
    when, req = rule.when, rule.require
    if "present" in when:
        params[when["present"]] = typical(api, action.param(when["present"]))
    elif "equals" in when:
        params[when["param"]] = when["equals"]
    fixed = {when.get("present") or when.get("param")}
    if "present" in req:
        params.pop(req["present"], None)
        fixed.add(req["present"])
    elif "equals" in req:
        others = [v for v in (action.param(req["param"]).enum or ()) if v != req["equals"]]
        if not others:
            return None
        params[req["param"]] = others[0]
        fixed.add(req["param"])
    else:
        op = next(k for k in ("lt", "le", "gt", "ge") if k in req)
        left, right = req["param"], req[op]
        fixed.update((left, right))
        for a, b in product(_bounds(api, action, left), _bounds(api, action, right)):
            trial = {**params, left: a, right: b}
            if rule in broken_rules(api, action, trial):
                params = trial
                break
        else:
            return None
    kept = {k for k in fixed if k}
    others = [r for r in action.rules if r.id != rule.id]
    for other in others:
        if other in broken_rules(api, action, params):
            fixed_params = repair(api, action, params, fixed=kept)
            if fixed_params is None:
                return None
            params = fixed_params
    if rule not in broken_rules(api, action, params):
        return None
    return params


def rule_cases(api: ApiSpec, action: ActionSpec) -> Iterator[Case]:
    """One case per cross-parameter rule, broken."""
    for rule in action.rules:
        params = _breaking(api, action, rule)
        if params is None:
            continue
        condition = rule_condition(rule)
        expected = expect_error(api, [condition], rule.source, [rule.errata])
        clauses = [c.id for c in action.clauses if c.condition == condition]
        yield Case(f"{action.name}[rule {rule.id}]", action.api, action.name, "rule", params,
                   expected, (f"{action.api}.{action.name}.rule.{rule.id}", *clauses),
                   f"rule {rule.id} broken", setup=setup_for(action, params))


def protocol_cases(api: ApiSpec, action: ActionSpec) -> Iterator[Case]:
    """Unknown action, wrong Version, unsupported Region and the auth negatives."""
    params = baseline(api, action)
    # A REST action is a route, not a name: an unknown route is a behaviour scenario's.
    if "unknown_action" in api.conditions and action.http is None:
        yield Case(f"{action.name}[unknown action]", action.api, action.name, "protocol",
                   params, expect_error(api, ["unknown_action"], None),
                   surface_clauses(api, "unknown_action"), "Action=" + action.name + "Cmqc",
                   common={"Action": action.name + "Cmqc"})
    for label, (condition, common) in PROTOCOL.items():
        if condition == "unsupported_region" and not api.facts.region_ids:
            continue  # a surface that lists no region judges every region alike (TDMQ)
        if condition in api.conditions:
            yield Case(f"{action.name}[{label}]", action.api, action.name, "protocol", params,
                       expect_error(api, [condition], None), surface_clauses(api, condition),
                       label, common=common)
    if action.regions and "unsupported_region" in api.conditions:
        # A region the surface serves but the action does not (else one nobody serves).
        outside = next((r for r in api.facts.region_ids if r not in action.regions),
                       PROTOCOL["unsupported Region"][1]["Region"])
        yield Case(f"{action.name}[Region outside the action's list]", action.api, action.name,
                   "protocol", params, expect_error(api, ["unsupported_region"], None),
                   (f"{action.api}.{action.name}.regions",
                    *surface_clauses(api, "unsupported_region")),
                   f"Region={outside}", common={"Region": outside})
    if any(m.tampers for m in api.facts.signature_methods):
        yield from method_cases(api, action, params)
        return
    for label, (condition, tamper) in AUTH.items():
        if condition in api.conditions:
            yield Case(f"{action.name}[{label}]", action.api, action.name, "auth", params,
                       expect_error(api, [condition], None), surface_clauses(api, condition),
                       label, tamper=tamper)


def method_cases(api: ApiSpec, action: ActionSpec, params: dict[str, Any]) -> Iterator[Case]:
    """Per signature method that lists ``tampers``: the call signed that way, then each tamper.

    A surface documenting several ways to authenticate (a token, an AK/SK signature) has each
    exercised whatever method the target signs with by default.
    """
    tampers = {**AUTH, **TOKEN_AUTH}
    for method in api.facts.signature_methods:
        if not method.tampers:
            continue
        own = tuple(c.id for c in api.clauses if c.id == f"{api.id}.auth.{method.signer}")
        yield Case(f"{action.name}[{method.name}]", action.api, action.name, "auth", params,
                   Expected.ok(method.source), (*own, *_success_clauses(action)),
                   f"signed with {method.name}", setup=setup_for(action, params),
                   signature=method.name)
        for label, (condition, tamper) in tampers.items():
            if tamper in method.tampers and condition in api.conditions:
                yield Case(f"{action.name}[{method.name}: {label}]", action.api, action.name,
                           "auth", params, expect_error(api, [condition], None),
                           (*own, *surface_clauses(api, condition)), f"{method.name}: {label}",
                           tamper=tamper, signature=method.name)


def _success_clauses(action: ActionSpec) -> tuple[str, ...]:
    return tuple(c.id for c in action.clauses if c.category == "response"
                 and c.id.rsplit(".", 2)[-2] != "error_response")


def resource_cases(api: ApiSpec, action: ActionSpec) -> Iterator[Case]:
    """A name that does not exist (``<kind>_not_found``), or that already does (``_exists``)."""
    rec = action.recipe
    for param in action.request:
        kind = param.resource
        # An optional name is a listing filter (DescribeQueueDetail QueueName), not a reference.
        if kind is None or param.item_type is not None or not param.required:
            continue
        params = baseline(api, action)
        if is_created_name(param, rec.creates):
            condition, label = f"{kind}_exists", "existing"
            params[param.name] = Ref(kind)
        else:
            slot = rec.slots.get(param.name.lower(), "")
            dead = slot == "dlq" and "dead_letter_queue_not_found" in api.conditions
            condition = "dead_letter_queue_not_found" if dead else f"{kind}_not_found"
            label = "unknown"
            params[param.name] = Ref(kind, fresh=True, slot=slot)
        if condition not in api.conditions:
            continue
        yield Case(f"{action.name}[{param.name}={label}]", action.api, action.name, "resource",
                   params, expect_error(api, [condition], param.source),
                   surface_clauses(api, condition, action), f"{param.name}=<{label} {kind}>",
                   setup=setup_for(action, params))


def negative_cases(api: ApiSpec, action: ActionSpec) -> Iterator[Case]:
    """Every action-level negative of one action."""
    yield from resource_cases(api, action)
    yield from missing_cases(api, action)
    yield unknown_param_case(api, action)
    yield from rule_cases(api, action)
    yield from protocol_cases(api, action)
