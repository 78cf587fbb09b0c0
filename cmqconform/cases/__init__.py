"""Cases generated from the specs: boundaries, negatives, and (opt-in) property-based fuzzing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from cmqconform.cases.boundaries import action_cases
from cmqconform.cases.negatives import negative_cases
from cmqconform.cases.values import typical
from cmqconform.models import ActionSpec, ApiSpec, SpecSet
from cmqconform.verdicts import Case

__all__ = ["generate"]


def generate(specs: SpecSet, apis: Iterable[str] | None = None) -> list[Case]:
    """Every generated case of the given surfaces (default: all), in spec order, ids unique."""
    out: list[Case] = []
    for api_name in specs.surfaces() if apis is None else apis:
        api = specs.api(api_name)
        seen: dict[str, int] = {}
        for action in api.actions.values():
            for case in (*action_cases(api, action), *negative_cases(api, action)):
                conditions = tuple(f"{api_name}.condition.{c}" for c in case.expected.conditions)
                case = replace(case, clause_ids=tuple(dict.fromkeys((*case.clause_ids,
                                                                     *conditions))))
                if case.id in seen:
                    # The same input probes two constraints (max == default): one case, both ids.
                    first = out[seen[case.id]]
                    merged = tuple(dict.fromkeys((*first.clause_ids, *case.clause_ids)))
                    out[seen[case.id]] = replace(first, clause_ids=merged)
                    continue
                seen[case.id] = len(out)
                out.append(case)
                out.extend(array_base_cases(api, action, case))
    return out


def array_base_cases(api: ApiSpec, action: ActionSpec, case: Case) -> list[Case]:
    """For a legacy baseline: the call again with each ``name.n`` index base the spec allows."""
    if case.label != "baseline":
        return []
    extra = []
    for param in action.request:
        for base in param.array_bases or ():
            params = dict(case.params)
            if param.name not in params:
                params[param.name] = typical(api, param)
            clause = f"{api.id}.{action.name}.{param.name}.array_encoding"
            extra.append(replace(case, id=f"{action.name}[{param.name}.{base}...]",
                                 params=params, clause_ids=(clause,), array_base=base,
                                 label=f"{param.name} from index {base}"))
    return extra
