"""Cases generated from the specs: boundaries, negatives, and (opt-in) property-based fuzzing."""

from __future__ import annotations

from collections.abc import Iterable

from cmqconform.cases.boundaries import action_cases
from cmqconform.cases.negatives import negative_cases
from cmqconform.models import APIS, SpecSet
from cmqconform.verdicts import Case

__all__ = ["generate"]


def generate(specs: SpecSet, apis: Iterable[str] = APIS) -> list[Case]:
    """Every generated case of the given surfaces, in spec order, with unique ids per surface."""
    out: list[Case] = []
    for api_name in apis:
        api = specs.api(api_name)
        seen: set[str] = set()
        for action in api.actions.values():
            for case in (*action_cases(api, action), *negative_cases(api, action)):
                if case.id in seen:
                    continue
                seen.add(case.id)
                out.append(case)
    return out
