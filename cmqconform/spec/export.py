"""Normalised views of the specs for other tools: ``spec stats`` and ``spec export``."""

from __future__ import annotations

from typing import Any

from cmqconform.models import ApiSpec, FieldSpec, ParamSpec, SpecSet

#: Constraints beyond type and required that make a parameter "constrained" in the stats.
_CONSTRAINING = {"range", "min_length", "max_length", "pattern", "enum", "max_items",
                 "item_min_length", "item_max_length", "item_pattern"}


def stats(specs: SpecSet) -> dict[str, dict[str, int]]:
    """Per surface: counts of actions, parameters, constraints, fields, codes and clauses."""
    out: dict[str, dict[str, int]] = {}
    for name, api in specs.apis.items():
        params = [p for a in api.actions.values() for p in a.request]
        rules = [r for a in api.actions.values() for r in a.rules]
        out[name] = {
            "actions": len(api.actions),
            "parameters": len(params),
            "constrained_parameters": sum(1 for p in params if _CONSTRAINING & set(p.constraints)),
            "rules": len(rules),
            "response_fields": sum(len(a.response) for a in api.actions.values()),
            "types": len(api.types),
            "type_fields": sum(len(t.fields) for t in api.types.values()),
            "error_codes": len(api.codes),
            "conditions": len(api.conditions),
            "clauses": len(api.all_clauses()),
        }
    return out


def param_record(param: ParamSpec) -> dict[str, Any]:
    """A request member in the export format."""
    return {
        "name": param.name,
        "wire_name": param.wire_name,
        "type": param.type,
        "required": param.required,
        "min": param.min,
        "max": param.max,
        "max_length": param.max_length,
        "pattern": param.pattern,
        "enum": list(param.enum) if param.enum is not None else None,
        "default": param.default,
        "max_items": param.max_items,
        "min_length": param.min_length,
        "item_min_length": param.item_min_length,
        "item_max_length": param.item_max_length,
        "array_bases": list(param.array_bases) if param.array_bases is not None else None,
        "pattern_name": param.pattern_name,
        "item_pattern": param.item_pattern,
        "conditions": dict(param.conditions),
        "errata": param.errata,
        "source": str(param.source),
        "sources": {kind: str(cite) for kind, cite in param.sources.items()},
    }


def field_record(member: FieldSpec) -> dict[str, Any]:
    """A response or type member in the export format."""
    return {"name": member.name, "type": member.type, "nullable": member.nullable,
            "required": member.required, "source": str(member.source)}


def export(specs: SpecSet, api_name: str) -> dict[str, Any]:
    """The normalised document of one surface, as ``spec export`` prints it."""
    api: ApiSpec = specs.api(api_name)
    facts = api.facts
    return {
        "api": api.id,
        "product": api.product,
        "dialect": api.dialect,
        "version": api.version,
        "service": facts.service,
        "path": facts.path,
        "methods": list(facts.methods),
        "regions": list(facts.region_ids),
        "signature_methods": [m.name for m in facts.signature_methods],
        "common_params": [{"name": p.name, "type": p.type, "required": p.required,
                           "location": p.location, "signers": list(p.signers)}
                          for p in facts.common_params],
        "actions": {
            name: {
                "host": action.host,
                "request": [param_record(p) for p in action.request],
                "response": [field_record(f) for f in action.response],
                "errors": [{"code": e.code, "module": e.module} if e.module is not None
                           else {"code": e.code} for e in action.errors],
                "rules": [{"id": r.id, "when": dict(r.when), "require": dict(r.require)}
                          for r in action.rules],
                "rate_limit": action.rate_limit,
                "regions": list(action.regions) if action.regions is not None else None,
                "examples": [{"title": e.title, "input": e.input, "output": e.output,
                              "source": str(e.source)} for e in action.examples],
                "clauses": [c.id for c in action.clauses],
                "source": str(action.source),
            }
            for name, action in sorted(api.actions.items())
        },
        "types": {name: [field_record(f) for f in t.fields]
                  for name, t in sorted(api.types.items())},
        "errors": [{"code": c.code, "module": c.module, "message": c.message}
                   for c in api.codes],
        "conditions": {name: [{"code": r.code, "module": r.module} for r in c.accept]
                       for name, c in api.conditions.items()},
    }
