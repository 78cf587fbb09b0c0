"""The spec-driven strict mock: an emulator for any product that has specs and no package.

The gateway (:mod:`cmqconform.emulator.app`) already verifies signatures, routes actions, checks
the common parameters and validates every spec'd constraint before a handler runs; this module
supplies the handlers. Each answers from the specs alone:

- **state as data**: the resource kinds of ``product.yaml`` keep records per account. The
  action a kind names as ``create`` stores one (under its name member, or under a fresh id in
  its ``id_member`` when it has one: a started task's ``TaskId``), ``delete`` removes it, ``list``
  lists them, and every other action whose required parameter names a kind needs an existing
  record. A name that exists answers ``<kind>_exists``, one that does not ``<kind>_not_found``,
  when errors.yaml defines those conditions (otherwise the mock keeps no such rule);
- **answers**: the doc's example output when it validates against the response schema, else
  values synthesised from the member types (:mod:`cmqconform.emulator.synth`), with the
  record's and the request's values where a member carries one.

The registry (:mod:`cmqconform.products`) builds it for a product without a package; its
mutants (:data:`MUTANTS`) are the gateway's generic hooks.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cmqconform.emulator.clock import ServerClock
from cmqconform.emulator.faults import Fault
from cmqconform.emulator.handlers import Context, Handler, by_spec_names
from cmqconform.emulator.mutants import Category, Mutant
from cmqconform.emulator.product import NO_MUTANTS, Mutants, ProductEmulator
from cmqconform.emulator.synth import answer, fits, members_value, overlay
from cmqconform.models import ActionSpec, ApiSpec, ProductSpec, ResourceKind, SpecSet

#: A record's key: its parent's name (when its kind has a parent), then its own name or id.
Key = tuple[str, ...]


@dataclass(slots=True)
class MockState:
    """The records of every resource kind, per account: ``(account, kind) -> key -> record``."""

    product: ProductSpec
    records: dict[tuple[str, str], dict[Key, dict[str, Any]]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def start(self) -> None:
        """Nothing runs in the background."""

    async def aclose(self) -> None:
        """Nothing to release."""

    def of(self, account: str, kind: str) -> dict[Key, dict[str, Any]]:
        """The records of ``kind`` in ``account``."""
        return self.records.setdefault((account, kind), {})

    def new_id(self, kind: str) -> str:
        """A fresh identifier for a record of ``kind`` (unique in this mock)."""
        return f"mock-{kind}-{next(self._ids):06d}"


@dataclass(frozen=True, slots=True)
class Roles:
    """What one action does to the state, read from product.yaml once."""

    creates: ResourceKind | None = None
    deletes: ResourceKind | None = None
    lists: ResourceKind | None = None
    #: Parameters naming an existing record (required ones, and ids): parameter -> kind.
    refs: Mapping[str, ResourceKind] = field(default_factory=dict)


def roles(product: ProductSpec, api: ApiSpec, action: ActionSpec) -> Roles:
    """The roles ``action`` plays for the kinds of ``product`` on ``api``."""
    kinds = product.resources.values()
    creates = next((k for k in kinds if k.create.get(api.id) == action.name), None)
    deletes = next((k for k in kinds if k.delete.get(api.id) == action.name), None)
    lists = next((k for k in kinds if (ls := k.listing.get(api.id)) is not None
                  and ls.action == action.name), None)
    refs: dict[str, ResourceKind] = {}
    for param in action.request:
        kind = product.resources.get(param.resource or "")
        if kind is None or api.id not in kind.create:
            continue  # a kind made elsewhere is not ours to judge
        if not param.required and kind.id_member is None:
            continue  # an optional name is a listing filter; an optional id still names one
        if creates is not None and kind.name == creates.name and kind.id_member is None \
                and param.name.lower() == kind.name_member:
            continue  # the name the action creates
        refs[param.name] = kind
    return Roles(creates, deletes, lists, refs)


def _value_of(params: Mapping[str, Any], member: str | None) -> Any:
    if member is None:
        return None
    return next((v for k, v in params.items() if k.lower() == member.lower()), None)


def _parent_key(product: ProductSpec, kind: ResourceKind, params: Mapping[str, Any]) -> Key:
    if kind.parent is None:
        return ()
    parent = product.resources[kind.parent]
    return (str(_value_of(params, parent.name_member)),)


def _condition(api: ApiSpec, kind: ResourceKind, suffix: str) -> str | None:
    name = f"{kind.name}_{suffix}"
    return name if name in api.conditions else None


class MockHandlers:
    """Builds the handler of each action of one surface."""

    def __init__(self, product: ProductSpec, api: ApiSpec) -> None:
        self.product = product
        self.api = api
        self.answers = {name: answer(api, action) for name, action in api.actions.items()}

    def table(self) -> dict[str, Handler]:
        """Action name -> handler."""
        return {name: Handler(self._run(action), self._current(action))
                for name, action in self.api.actions.items()}

    def _record(self, state: MockState, account: str, kind: ResourceKind,
                params: Mapping[str, Any], value: Any) -> tuple[Key, dict[str, Any] | None]:
        key = (*_parent_key(self.product, kind, params), str(value))
        return key, state.of(account, kind.name).get(key)

    def _current(self, action: ActionSpec) -> Any:
        role = roles(self.product, self.api, action)

        def current(ctx: Context[MockState], params: dict[str, Any]) -> Mapping[str, Any] | None:
            for name, kind in role.refs.items():
                if isinstance(params.get(name), str):
                    _, found = self._record(ctx.backend, ctx.account, kind, params, params[name])
                    if found is not None:
                        return by_spec_names(ctx.action, found)
            return None
        return current

    def _run(self, action: ActionSpec) -> Any:
        role = roles(self.product, self.api, action)
        api = self.api

        async def run(ctx: Context[MockState], params: dict[str, Any]) -> Mapping[str, Any]:
            state, account = ctx.backend, ctx.account
            known: dict[str, Any] = {}
            for name, kind in role.refs.items():
                if params.get(name) is None:
                    continue  # an optional id left out (DescribeAIConversation by SessionId)
                key, found = self._record(state, account, kind, params, params[name])
                condition = _condition(api, kind, "not_found")
                if found is None and condition is not None:
                    raise Fault(condition, f"the {kind.name} {params[name]} does not exist", name)
                if found is not None:
                    if role.deletes is not None and kind.name == role.deletes.name:
                        del state.of(account, kind.name)[key]
                    elif role.creates is None:
                        # An update: the attributes it sends are the record's from now on.
                        found.update({k: v for k, v in params.items() if k != name})
                    known.update(found)
            if role.creates is not None:
                known.update(self._create(ctx, role.creates, params))
            result = overlay(api, action.response, self.answers[action.name], {**params, **known})
            if role.lists is not None:
                result.update(self._listing(ctx, role.lists, action))
            return result
        return run

    def _create(self, ctx: Context[MockState], kind: ResourceKind,
                params: Mapping[str, Any]) -> dict[str, Any]:
        records = ctx.backend.of(ctx.account, kind.name)
        record = dict(params)
        if kind.id_member is not None:
            record[kind.id_member] = ctx.backend.new_id(kind.name)
            value = record[kind.id_member]
        else:
            value = _value_of(params, kind.name_member)
        key = (*_parent_key(self.product, kind, params), str(value))
        condition = _condition(self.api, kind, "exists")
        if key in records and condition is not None:
            raise Fault(condition, f"the {kind.name} {value} already exists", kind.name_member)
        records[key] = record
        return record

    def _listing(self, ctx: Context[MockState], kind: ResourceKind,
                 action: ActionSpec) -> dict[str, Any]:
        listing = kind.listing[self.api.id]
        member = next((m for m in action.response if m.name == listing.items), None)
        item_type = member.item_type if member is not None else None
        struct = self.api.types.get(item_type or "")
        records = list(ctx.backend.of(ctx.account, kind.name).values())
        if struct is None:
            return {}
        items = [overlay(self.api, struct.fields, members_value(self.api, struct.fields), r)
                 for r in records]
        out: dict[str, Any] = {listing.items: items}
        for other in action.response:
            if other.name.lower().startswith("total") and fits(self.api, other.type, 0):
                out[other.name] = len(items)
        return out


@dataclass(frozen=True, slots=True)
class MockEmulator:
    """The :class:`~cmqconform.emulator.product.ProductEmulator` of a product without a
    package: one :class:`MockState` behind a spec-made handler table per surface."""

    backend: MockState
    handlers: Mapping[str, Mapping[str, Handler]]
    mutants: Mutants = NO_MUTANTS
    product_id: str = ""


def emulator(specs: SpecSet, product_id: str, *, mutants: Mutants = NO_MUTANTS,
             clock: ServerClock | None = None, **options: Any) -> MockEmulator:
    """A fresh mock of ``product_id`` (empty state); ``clock`` and ``options`` (another
    product's knobs) are accepted and unused."""
    product = specs.product(product_id)
    handlers = {s: MockHandlers(product, specs.api(s)).table()
                for s in specs.surfaces([product_id])}
    return MockEmulator(MockState(product), handlers, mutants, product_id)


#: The generated cases of the run's product (``cmqconform mutate --product`` selects it).
_GEN = "generated/"

#: The test selection of each family of mock mutants.
CATEGORIES: dict[str, Category] = {c.name: c for c in (
    Category("validation", "range, required and enum validation",
             (f"{_GEN} @invalid ~*.range", f"{_GEN} @missing", f"{_GEN} @invalid ~*.enum")),
    Category("error-codes", "the documented code of each violation",
             (f"{_GEN} @invalid ~*.range", f"{_GEN} @resource")),
    Category("fields", "response members: dropped, renamed, retyped",
             (f"{_GEN}*baseline*",)),
    Category("envelope", "the common envelope: RequestId",
             (f"{_GEN}*baseline*",)),
    Category("signature", "signature verification",
             (f"{_GEN} @auth",)),
    Category("regions", "per-action region allow-lists",
             (f"{_GEN} @protocol ~*.regions",)),
)}


def _m(name: str, category: str, description: str, *clauses: str) -> Mutant:
    return Mutant(name, category, description, clauses)


#: The mock's generic deviations, each a hook of the gateway that any product's surface has.
CATALOG: tuple[Mutant, ...] = (
    _m("range-max-unchecked", "validation",
       "Values above a parameter's documented maximum are accepted.", "<surface>.*.range"),
    _m("required-unchecked", "validation",
       "A missing required parameter is not refused.", "<surface>.*.required"),
    _m("enum-unchecked", "validation",
       "Values outside a parameter's enumeration are accepted.", "<surface>.*.enum"),
    _m("out-of-range-wrong-code", "error-codes",
       "An out-of-range value is answered with MissingParameter's code, not the documented one.",
       "<surface>.condition.out_of_range"),
    _m("response-member-dropped", "fields",
       "The first documented member of a success answer is left out.",
       "<surface>.*.response.*"),
    _m("response-member-renamed", "fields",
       "The first documented member of a success answer is spelt in lower camel case.",
       "<surface>.*.response.*"),
    _m("response-member-retyped", "fields",
       "The first documented member of a success answer has the wrong JSON type.",
       "<surface>.*.response.*"),
    _m("request-id-missing", "envelope",
       "Success answers carry no RequestId.", "<surface>.*.response.RequestId"),
    _m("signature-unchecked", "signature",
       "Any signature is accepted for a known SecretId.", "<surface>.auth.signature_failure",
       "<surface>.condition.signature_failure"),
    _m("region-unchecked", "regions",
       "An action's region allow-list is ignored: every region the surface serves is accepted.",
       "<surface>.*.regions"),
)

#: The catalog by name (the registry checks ``--mutant`` against it).
MUTANTS: dict[str, Mutant] = {m.name: m for m in CATALOG}

#: Mutant -> (what a product's specs must hold for it to be observable, the reason when not).
_NEEDS: dict[str, tuple[Any, str]] = {
    "range-max-unchecked": (lambda p: p.max is not None, "no parameter states a maximum"),
    "out-of-range-wrong-code": (lambda p: p.min is not None or p.max is not None,
                                "no parameter states a range"),
    "required-unchecked": (lambda p: p.required, "no parameter is required"),
    "enum-unchecked": (lambda p: p.enum is not None, "no parameter states an enumeration"),
}


def catalog_for(specs: SpecSet, product_id: str) -> dict[str, Mutant]:
    """The generic catalog as it applies to ``product_id``: a mutant whose deviation the
    product's specs give nothing to observe with (no range to break, no region allow-list) is
    marked equivalent, with the reason, and not counted."""
    apis = [specs.api(s) for s in specs.surfaces([product_id])]
    params = [p for api in apis for a in api.actions.values() for p in a.request]
    out = {}
    for mutant in CATALOG:
        reason = None
        if mutant.name in _NEEDS:
            holds, why = _NEEDS[mutant.name]
            reason = None if any(holds(p) for p in params) else why
        elif mutant.name == "region-unchecked" and not any(
                a.regions for api in apis for a in api.actions.values()):
            reason = "no action states a region allow-list"
        out[mutant.name] = Mutant(mutant.name, mutant.category, mutant.description,
                                  mutant.clauses, reason)
    return out


if TYPE_CHECKING:
    # mypy checks here that MockEmulator meets the gateway's protocol.
    _MEETS_PROTOCOL: type[ProductEmulator] = MockEmulator
