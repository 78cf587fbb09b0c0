"""specs/<product>/properties.yaml: the properties a product's doc states across calls.

Each declaration is a clause (``<surface>.<Action>.<rule>``, with its doc line) that joins its
surface's clauses, plus the data the property cases are generated from. References are checked
here, once, naming the file and line: every surface, action, parameter and member a declaration
names must exist in the specs, so no case is built from a name the specs do not define.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmqconform.models import (
    PROPERTY_KINDS,
    ApiSpec,
    Clause,
    Property,
    SurfaceFacts,
    Where,
    array_item,
)
from cmqconform.spec.yamlio import plain

if TYPE_CHECKING:
    from cmqconform.spec.loader import SpecBuilder

#: The clause category each kind of property reports under.
CATEGORY = {"round_trips": "semantics", "fidelity": "semantics", "unique": "semantics",
            "matching": "semantics", "timers": "semantics"}


def pairs(members: list[str] | Mapping[str, str]) -> dict[str, str]:
    """A ``members`` declaration as setter -> reader (a list pairs each name with itself)."""
    return dict(members) if isinstance(members, Mapping) else {m: m for m in members}


def read_properties(builder: SpecBuilder, folder: Path) -> list[Property]:
    """The declarations of ``folder/properties.yaml`` (none when the file is absent or bad)."""
    path = folder / "properties.yaml"
    if not path.exists():
        return []
    doc = builder.read(path, "properties")
    if doc is None:
        return []
    name = builder.display(path)
    out: list[Property] = []
    for kind in PROPERTY_KINDS:
        for item in doc.get(kind, ()):
            clause_id = str(item["id"])
            api = ".".join(clause_id.split(".")[:2])
            clause = Clause(clause_id, api, CATEGORY[kind], str(item["text"]),
                            builder.cite(item["source"], name, item.line),
                            action=clause_id.split(".")[2], errata=item.get("errata"),
                            where=Where(name, item.line))
            body = plain(item)
            if not isinstance(body, dict):
                continue
            out.append(Property(kind, clause, body))
    return out


def check_properties(builder: SpecBuilder, props: list[Property],
                     surfaces: Mapping[str, ApiSpec]) -> None:
    """Record a problem for every surface, action, parameter or member a property names that
    the specs do not define."""
    # An action whose own file is broken is missing for that reason alone: its problem is told.
    broken = {Path(p.file).stem for p in builder.problems if p.file}
    for prop in props:
        if {str(r["action"]) for r in _refs(prop)} & broken or prop.clause.action in broken:
            continue
        where = prop.clause.where
        file, line = (where.file, where.line) if where else ("properties.yaml", None)

        def bad(message: str, prop: Property = prop, file: str = file,
                line: int | None = line) -> None:
            builder.problem(f"{prop.clause.id}: {message}", file, line, "ref.property")

        api = surfaces.get(prop.clause.api)
        if api is None or prop.clause.action not in api.actions:
            bad(f"names no action of the specs ({prop.clause.api} {prop.clause.action})")
            continue
        for ref in _refs(prop):
            surface = surfaces.get(ref.get("api", prop.clause.api))
            action = surface.actions.get(ref["action"]) if surface else None
            if surface is None or action is None:
                bad(f"unknown action {ref.get('api', prop.clause.api)} {ref['action']}")
                continue
            if "param" in ref and ref["param"] not in {p.name for p in action.request}:
                bad(f"{ref['action']} has no parameter {ref['param']!r}")
        if prop.kind == "round_trips":
            _check_round_trip(prop, surfaces, bad)


def _refs(prop: Property) -> list[Mapping[str, Any]]:
    body = prop.body
    refs = [body[k] if isinstance(body[k], Mapping) else {"action": body[k]}
            for k in ("set", "send", "receive", "size", "attribute") if k in body]
    refs += list(body.get("reads", ()))
    if "action" in body:
        refs.append({"action": body["action"], **({"param": body["param"]}
                                                  if "param" in body else {})})
    return refs


def _check_round_trip(prop: Property, surfaces: Mapping[str, ApiSpec], bad: Any) -> None:
    setter = surfaces[prop.body["set"]["api"]].actions[prop.body["set"]["action"]]
    sent = {p.name for p in setter.request}
    answered = {m.name for m in setter.response}
    for read in prop.body["reads"]:
        api = surfaces.get(read["api"])
        action = api.actions.get(read["action"]) if api else None
        if api is None or action is None:
            continue
        shown = reader_members(api, read["action"])
        for source, target in pairs(read["members"]).items():
            if source not in sent:
                bad(f"{setter.name} has no parameter {source!r}")
            if target not in shown:
                bad(f"{read['action']} shows no member {target!r}")
        for source, target in read.get("ids", {}).items():
            if source not in answered:
                bad(f"{setter.name}'s answer has no member {source!r}")
            if target not in shown:
                bad(f"{read['action']} shows no member {target!r}")


def reader_members(api: ApiSpec, action: str) -> set[str]:
    """The members a reader shows: its response members and those of its listed items."""
    out: set[str] = set()
    for member in api.actions[action].response:
        out.add(member.name)
        struct = api.types.get(array_item(member.type) or "")
        if struct is not None:
            out.update(f.name for f in struct.fields)
    return out


def element_slug(at: str) -> str:
    """A signed element as a clause id part: ``header:X-TC-Timestamp`` -> ``header_x_tc_timestamp``,
    ``param:*`` -> ``params``."""
    if at == "param:*":
        return "params"
    return re.sub(r"[^a-z0-9]+", "_", at.lower()).strip("_")


def signed_clauses(facts: SurfaceFacts) -> list[Clause]:
    """One clause per element each of the surface's signers covers (``signed_elements``):
    ``<surface>.auth.<signer>_binds.<element>``."""
    signers = {m.signer for m in facts.signature_methods}
    return [Clause(f"{facts.id}.auth.{signer}_binds.{element_slug(e.at)}", facts.id, "auth",
                   f"The {signer} signature covers {e.at} ({e.text}): a request changed there "
                   f"after signing is refused.", e.source)
            for signer, elements in facts.signed_elements.items() if signer in signers
            for e in elements]


def property_clauses(props: list[Property]) -> dict[str, list[Clause]]:
    """The properties' clauses by surface."""
    out: dict[str, list[Clause]] = {}
    for prop in props:
        out.setdefault(prop.clause.api, []).append(prop.clause)
    return out


__all__ = ["check_properties", "element_slug", "pairs", "property_clauses", "read_properties",
           "reader_members", "signed_clauses"]
