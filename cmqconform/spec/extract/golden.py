"""How far an extraction agrees with a hand-curated surface (CMQ's API 3.0 surface, written
before the extractor existed): the golden check.

Members are compared as (owner, side, member, type, flag) tuples, the flag being ``required``
for a request member (and a struct member of a table with a Required column) and ``nullable``
otherwise. Bounds, defaults and enumerations are compared one by one; each one that differs
must be explained (``specs/<product>/extract.yaml``, ``golden:``, citing an erratum).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cmqconform.models import ApiSpec
from cmqconform.spec.extract.reading import Extraction

#: The constraints compared one by one.
GOLDEN_CONSTRAINTS = ("min", "max", "default", "enum", "max_length", "max_items")

Member = tuple[str, str, str, str, bool]


@dataclass(frozen=True, slots=True)
class Agreement:
    """Member tuples both sides have, those only one side has, and every differing
    constraint as (``Action.Member.kind``, extracted, curated)."""

    common: frozenset[Member]
    only_extracted: frozenset[Member]
    only_curated: frozenset[Member]
    constraints: tuple[tuple[str, Any, Any], ...]

    @property
    def ratio(self) -> float:
        """The share of the curated tuples the extraction reproduces."""
        total = len(self.common) + len(self.only_curated)
        return len(self.common) / total if total else 1.0


def _extracted_members(out: Extraction) -> Iterator[Member]:
    for action in out.actions.values():
        for m in action["request"]:
            yield action["action"], "request", m["name"], m["type"], m["required"]
        for m in action["response"]:
            yield action["action"], "response", m["name"], m["type"], m["nullable"]
    for name, struct in out.types.items():
        for m in struct["fields"]:
            yield name, "field", m["name"], m["type"], m.get("required", m["nullable"])


def _curated_members(api: ApiSpec, out: Extraction) -> Iterator[Member]:
    with_required = {name for name, t in out.types.items()
                     if any("required" in m for m in t["fields"])}
    for action in api.actions.values():
        for p in action.request:
            yield action.name, "request", p.name, p.type, p.required
        for f in action.response:
            yield action.name, "response", f.name, f.type, f.nullable
    for struct in api.types.values():
        for f in struct.fields:
            flag = bool(f.required) if struct.name in with_required else f.nullable
            yield struct.name, "field", f.name, f.type, flag


def _comparable(kind: str, value: Any) -> Any:
    if kind == "enum" and value is not None:
        return sorted(value, key=str)
    return value


def agreement(out: Extraction, api: ApiSpec) -> Agreement:
    """Compare ``out`` with the curated surface ``api``."""
    extracted = frozenset(_extracted_members(out))
    curated = frozenset(_curated_members(api, out))
    differing = []
    for action in api.actions.values():
        found = {m["name"]: m for m in out.actions.get(action.name, {}).get("request", ())}
        for param in action.request:
            member = found.get(param.name, {})
            for kind in GOLDEN_CONSTRAINTS:
                mine = _comparable(kind, member.get(kind))
                theirs = _comparable(kind, getattr(param, kind))
                if mine != theirs:
                    differing.append((f"{action.name}.{param.name}.{kind}", mine, theirs))
    return Agreement(extracted & curated, extracted - curated, curated - extracted,
                     tuple(differing))
