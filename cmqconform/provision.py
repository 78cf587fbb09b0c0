"""Create the resources a case needs, clean them up, and sweep leftovers of earlier runs.

What to create, delete and list is the product's data (``product.yaml`` ``resources``). Every
name comes from a :class:`~cmqconform.cases.resources.Namer`, so it starts with the suite
prefix; the sweeper deletes only names with that prefix and nothing else, ever.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Collection, Mapping
from typing import Any

from cmqconform.cases.build import baseline, repair
from cmqconform.cases.resources import SUITE_PREFIX, Namer
from cmqconform.errors import CmqConformError
from cmqconform.models import ActionSpec, Need, Now, ProductSpec, Ref, ResourceKind
from cmqconform.session import Session
from cmqconform.verdicts import Exchange


class SetupError(CmqConformError):
    """A setup step failed: the case cannot be judged (an ``error`` verdict, not a fail)."""


class SetupBreach(SetupError, AssertionError):
    """A setup step's answer broke the envelope: the target broke the contract, so the case
    fails naming the envelope clause (an AssertionError, so a scenario fails too)."""


def named(session: Session, api: str, action: str, **lowered: Any) -> dict[str, Any]:
    """Parameters keyed by the spec's names, given lower-cased ones (one call for both APIs)."""
    spec = session.specs.api(api).actions[action]
    by_lower = {p.name.lower(): p.name for p in spec.request}
    return {by_lower.get(k, k): v for k, v in lowered.items()}


def _attr_value(spec: ActionSpec, name: str, value: Any) -> tuple[str, Any]:
    for param in spec.request:
        if param.name.lower() == name:
            return param.name, (param.max if value == "max" else value)
    return name, value


#: The attributes a need asks its resource to be made with (product.yaml recipe ``attrs``).
Attrs = tuple[tuple[str, Any], ...]


class Pool:
    """Resources lent to the cases of one process (an xdist worker), so that cases needing an
    existing resource do not each create and delete their own (resource reuse).

    A case borrows a pooled resource of each kind it needs, unless its action deletes the kind
    (deletion is its subject) or the need asks for particular attributes; it gives it back when
    its action is one of the kind's ``shared_by`` (product.yaml) or when the target refused its
    call (a refused call changes nothing), and retires it (deletes it) otherwise. The pool is
    drained at the end of the process; the sweep catches anything a killed process left.
    """

    def __init__(self, session: Session, namer: Namer, donor: Pool | None = None,
                 surfaces: Collection[str] = ()) -> None:
        self.session = session
        self.namer = namer
        #: The surfaces the run uses: the drain may delete on any of them.
        self.surfaces = tuple(surfaces)
        #: A pool whose free resources this one takes before making one (the generated cases'
        #: pool draws on the scenarios' lender; never the other way round: a resource the
        #: generated cases used may be the endpoint of a pooled subscription).
        self.donor = donor
        #: (product, kind, parent's name, attributes asked for, name length asked for) -> free
        #: names: a product's surfaces share them (one queue, whichever surface made it).
        self.free: dict[tuple[str, str, str | None, Attrs, int | None], list[str]] = {}
        #: Every pooled resource alive: (surface, kind, name, parent's name), oldest first.
        self.alive: list[tuple[str, str, str, str | None]] = []
        #: How many resources the pool has made and lent (figures for the bench).
        self.made = 0
        self.lent = 0
        #: (surface, key) -> free sets of resources a case made and was lent together, kept
        #: whole for the next case doing the same (:meth:`Resources.keep`): names by (kind,
        #: slot).
        self.kept: dict[tuple[str, str], list[dict[tuple[str, str], str]]] = {}

    def take(self, api: str, kind: str, parent: str | None, attrs: Attrs = (),
             length: int | None = None) -> str | None:
        """A free pooled resource of ``kind`` (inside ``parent``, made with ``attrs``, its name
        ``length`` characters long when given), or None."""
        key = (self.scope(api), kind, parent, attrs, length)
        free = self.free.get(key)
        if free:
            self.lent += 1
            return free.pop()
        given = self.donor.free.get(key) if self.donor else None
        if given:
            assert self.donor is not None
            name = given.pop()
            # Now this pool's: it drains it, and it never goes back to the donor.
            entry = next(r for r in self.donor.alive if r[1:] == (kind, name, parent))
            self.donor.alive.remove(entry)
            self.alive.append(entry)
            self.lent += 1
            return name
        return None

    def scope(self, api: str) -> str:
        """What shares free resources with ``api``: its product (CMQ's two surfaces reach the
        same queues, topics and subscriptions)."""
        return self.session.specs.product_of(api).id

    def names(self, kind: str) -> set[str]:
        """The names of every pooled ``kind`` alive (free or lent), on any surface."""
        return {name for _, k, name, _ in self.alive if k == kind}

    def adopt(self, api: str, kind: str, name: str, parent: str | None) -> None:
        """Count a resource just made for a borrower as the pool's."""
        self.made += 1
        self.lent += 1
        self.alive.append((api, kind, name, parent))

    def give(self, api: str, kind: str, name: str, parent: str | None,
             attrs: Attrs = (), length: int | None = None) -> None:
        """Take back a borrowed resource, unchanged."""
        self.free.setdefault((self.scope(api), kind, parent, attrs, length), []).append(name)

    def retire(self, api: str, kind: str, name: str,
               parent: str | None) -> list[tuple[str, str, str | None]]:
        """Forget a borrowed resource its borrower deletes; the free resources inside it
        (kind, name, parent), forgotten too, for the borrower to delete first."""
        self.alive = [r for r in self.alive if r[1:] != (kind, name, parent)]
        inside: list[tuple[str, str, str | None]] = []
        for key in [k for k in self.free if k[0] == self.scope(api) and k[2] == name]:
            inside += [(key[1], child, name) for child in self.free.pop(key)]
        self.alive = [r for r in self.alive if (r[1], r[2], r[3]) not in inside]
        return inside

    def _emptying(self, api: str, kind: str) -> tuple[tuple[str, str] | None,
                                                       list[tuple[ResourceKind, str]]]:
        """The served (surface, action) emptying ``kind``, and the kinds living inside it with
        a served surface listing them (a topic's subscriptions: none may be left)."""
        product = self.session.specs.product_of(api)
        served = self.session.target.surfaces
        empty = next(((s, a) for s, a in product.resources[kind].empty.items() if s in served),
                     None)
        inside = [(k, s) for k in product.resources.values() if k.parent == kind
                  for s in k.listing if s in served]
        return empty, inside

    def empty(self, api: str, kind: str, name: str) -> bool:
        """Empty ``name`` by its kind's ``empty`` action on a served surface (True when it has
        none: nothing to empty); whether it is empty."""
        member = self.session.specs.product_of(api).resources[kind].name_member
        empty, _ = self._emptying(api, kind)
        if empty is None or member is None:
            return True
        surface, action = empty
        return self.session.call(surface, action, named(self.session, surface, action,
                                                        **{member: name})).ok

    def can_empty(self, api: str, kind: str) -> bool:
        """Whether :meth:`lend_emptied` can lend a ``kind`` on this target: a named top-level
        kind with an ``empty`` action or a listing of what lives inside it on a served
        surface."""
        spec = self.session.specs.product_of(api).resources.get(kind)
        if spec is None or spec.parent is not None or spec.name_member is None:
            return False
        empty, inside = self._emptying(api, kind)
        return empty is not None or bool(inside)

    def lend(self, api: str, kind: str, attrs: Attrs = ()) -> str:
        """For a call that uses a top-level ``kind`` only as its ``shared_by`` allows (a read):
        a pooled one (made with ``attrs``) as it is, or a new one when none is free. The
        borrower gives it back with :meth:`give`."""
        name = self.take(api, kind, None, attrs)
        if name is None:
            name = Resources(self.session, api, self.namer).create(kind, attrs=attrs)
            self.adopt(api, kind, name, None)
        return name

    def lend_emptied(self, api: str, kind: str, attrs: Attrs = ()) -> str:
        """For a scenario that only adds, takes and reads what a resource holds: a pooled
        top-level ``kind`` (made with ``attrs``) emptied by the kind's ``empty`` action
        (product.yaml) on a served surface and holding no resource inside it (a topic without
        subscriptions), or a new one when none is free or emptying failed (that one is
        deleted). The scenario gives it back with :meth:`give`."""
        member = self.session.specs.product_of(api).resources[kind].name_member
        empty, inside = self._emptying(api, kind)
        if member is None or not self.can_empty(api, kind):
            raise SetupError(f"no served surface empties a {kind} (product.yaml empty)")
        name = self.take(api, kind, None, attrs)
        if name is not None:
            emptied = True
            if empty is not None:
                surface, action = empty
                emptied = self.session.call(surface, action, named(
                    self.session, surface, action, **{member: name})).ok
            for child, surface in inside:
                emptied = emptied and _pages(self.session, surface, child,
                                             **{member: name}) == []
            if emptied:
                return name
            self.retire(api, kind, name, None)
            gone = Resources(self.session, api, self.namer)
            gone.created = [(kind, name, None)]
            gone.cleanup()
        made = Resources(self.session, api, self.namer)
        name = made.create(kind, attrs=attrs)
        self.adopt(api, kind, name, None)
        return name

    def drain(self) -> list[str]:
        """Delete every pooled resource (children first); the problems met.

        At the end of a run every worker drains at once, and against a rate-limited target
        each surface's delete action has slots of its own: the kinds of one rank take turns
        (a queue, a topic, a queue...), and each deletion goes to whichever surface has been
        given the fewest of its kind so far, of the surfaces the run uses
        (``surfaces``; else those this pool's resources were made on).
        """
        problems: list[str] = []
        product = self.session.specs.product_of(self.alive[0][0]) if self.alive else None
        rank = _children_first(product) if product is not None else {}
        given: Counter[str] = Counter()
        used = set(self.surfaces) or {r[0] for r in self.alive}
        turn: Counter[str] = Counter()
        turns = []
        for resource in self.alive:
            turns.append((rank.get(resource[1], 1), turn[resource[1]], resource[1]))
            turn[resource[1]] += 1
        for _, (api, kind, name, parent) in sorted(zip(turns, self.alive, strict=True)):
            spec = product.resources.get(kind) if product is not None else None
            apis = [a for a in (spec.delete if spec is not None else {}) if a in used] or [api]
            surface = min(apis, key=lambda a: (given[f"{a} {kind}"], a != api))
            given[f"{surface} {kind}"] += 1
            owner = Resources(self.session, surface, self.namer)
            owner.created = [(kind, name, parent)]
            problems += owner.cleanup()
        self.alive.clear()
        self.free.clear()
        self.kept.clear()
        return problems


class Resources:
    """The resources of one case (or one test), created on demand and deleted at the end.

    With a :class:`Pool` and the case's ``action``, what the case needs is borrowed from the
    pool and settled by :meth:`release`.
    """

    def __init__(self, session: Session, api: str, namer: Namer, *, pool: Pool | None = None,
                 action: str | None = None, refusal_expected: bool = False,
                 lender: Pool | None = None) -> None:
        self.session = session
        self.api = api
        self.namer = namer
        self.product: ProductSpec = session.specs.product_of(api)
        self.names: dict[tuple[str, str], str] = {}
        #: (kind, name, parent's name) in creation order, for cleanup in reverse.
        self.created: list[tuple[str, str, str | None]] = []
        self.pool = pool
        self.action = (action or "").lower()
        #: The case expects its call refused (no success allowed): a deletion case borrows too
        #: (a refused call deletes nothing; one a target wrongly accepts retires what it
        #: deleted).
        self.refusal_expected = refusal_expected
        #: A scenario's pool of emptied resources (:meth:`emptied`), and what it lent.
        self.lender = lender
        self.lent: list[tuple[str, str, Attrs]] = []
        #: The key under which :meth:`cleanup` hands everything to the lender (:meth:`keep`).
        self.keeping: str | None = None
        #: (kind, name, parent's name, attributes, name length) borrowed from the pool, in
        #: order.
        self.borrowed: list[tuple[str, str, str | None, Attrs, int | None]] = []
        #: Fresh names of the case's own call (never provided): made only if it is accepted.
        self.fresh: set[tuple[str, str]] = set()
        #: The names the case's own call carried (:meth:`resolve`).
        self.sent: set[str] = set()

    def _call(self, action: str, **lowered: Any) -> Exchange:
        params = named(self.session, self.api, action, **lowered)
        return self.session.call(self.api, action, params)

    def _must(self, exchange: Exchange, what: str) -> Exchange:
        if exchange.breach:
            raise SetupBreach(f"setup {what}: received {exchange.describe()}")
        if not exchange.ok:
            raise SetupError(f"setup {what} failed: {exchange.describe()}")
        return exchange

    def _kind(self, kind: str) -> ResourceKind:
        found = self.product.resources.get(kind)
        if found is None:
            raise SetupError(f"unknown resource kind {kind!r} (product {self.product.id} "
                             f"declares {', '.join(self.product.resources)})")
        return found

    def _action(self, kind: ResourceKind, verb: str) -> str | None:
        return (kind.create if verb == "create" else kind.delete).get(self.api)

    def _resolve(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {key: self.get(value.kind, value.slot) if isinstance(value, Ref) else value
                for key, value in values.items()}

    def create(self, kind: str, *, slot: str = "", length: int | None = None,
               attrs: tuple[tuple[str, Any], ...] = ()) -> str:
        """Create one resource of ``kind`` and remember it under ``(kind, slot)``."""
        spec = self._kind(kind)
        action = self._action(spec, "create")
        if action is None:
            raise SetupError(f"no {self.api} action creates a {kind}")
        for need in spec.needs:
            self.get(need)
        action_spec = self.session.specs.api(self.api).actions[action]
        borrow = self._borrows(spec)
        if borrow:
            parent = self.get(spec.parent) if spec.parent else None
            assert self.pool is not None
            pooled = self.pool.take(self.api, kind, parent, attrs, length)
            if pooled is not None:
                self.borrowed.append((kind, pooled, parent, attrs, length))
                self.names[(kind, slot)] = pooled
                return pooled
        if spec.name_member is not None and spec.id_member is None:
            name = self.namer.name(length)
            parent = self.get(spec.parent) if spec.parent else None
            lowered: dict[str, Any] = {spec.name_member: name}
            if spec.parent:
                lowered[self._kind(spec.parent).name_member or spec.parent] = parent
            # The recipe's values (a subscription to a queue) unless ``attrs`` asks for another.
            extra = dict(_attr_value(action_spec, k, v) for k, v in attrs)
            if not attrs:
                lowered.update(self._resolve(action_spec.recipe.values))
            params = {**named(self.session, self.api, action, **lowered), **extra}
            self._must(self.session.call(self.api, action, params), f"create {kind}")
            if borrow:
                assert self.pool is not None
                self.pool.adopt(self.api, kind, name, parent)
                self.borrowed.append((kind, name, parent, attrs, length))
            else:
                self.created.append((kind, name, parent))
        else:
            params = self._resolve(spec.params)
            # What the create action needs beyond the kind's own values (a task's room, user
            # and storage): its baseline, made of the spec's typical values.
            api = self.session.specs.api(self.api)
            start = repair(api, action_spec, baseline(api, action_spec)) \
                or baseline(api, action_spec)
            needed = {k.lower(): v for k, v in self.resolve(start).items()}
            got = self._must(self._call(action, **{**needed, **params}), f"create {kind}")
            refs = [v for k, v in params.items() if isinstance(spec.params[k], Ref)]
            name = (str(got.data.get(spec.id_member, "")) if spec.id_member
                    else str(refs[0]) if refs else "")
            if spec.id_member and self._action(spec, "delete"):
                self.created.append((kind, name, None))
        self.names[(kind, slot)] = name
        return name

    def _borrows(self, kind: ResourceKind) -> bool:
        """Whether a need of ``kind`` is lent by the pool: a named kind the surface creates and
        deletes, needed by a case whose action does not delete it, or that expects its call
        refused and needs a kind nothing lives inside (a pooled topic holds pooled
        subscriptions, a fresh one none: its deletion could be refused for them); a need with
        attributes, or a name of a particular length, borrows one made with the same."""
        delete = kind.delete.get(self.api)
        leaf = all(other.parent != kind.name for other in self.product.resources.values())
        return (self.pool is not None and bool(self.action) and kind.name_member is not None
                and kind.id_member is None and delete is not None
                and self.api in kind.create
                and (delete.lower() != self.action or (self.refusal_expected and leaf)))

    def made_with(self, kind: str, attrs: Attrs = ()) -> dict[str, Any]:
        """The values (lower-cased member -> value) a resource of ``kind`` made by
        :meth:`create` with ``attrs`` holds: those attributes (``max`` as the spec maximum),
        else the create recipe's plain values; every other member at its spec default."""
        spec = self._kind(kind)
        action = self._action(spec, "create")
        if action is None:
            return {}
        create = self.session.specs.api(self.api).actions[action]
        values = {p.name.lower(): p.default for p in create.request if p.default is not None}
        if attrs:
            values.update((k.lower(), v) for k, v in
                          (_attr_value(create, name, value) for name, value in attrs))
        else:
            values.update((k, v) for k, v in create.recipe.values.items()
                          if not isinstance(v, Ref | Now))
        return values

    def restore(self, kind: str, name: str, parent: str | None, attrs: Attrs,
                sent: Mapping[str, Any]) -> bool:
        """Reset a borrowed resource in place after the case's accepted call ``sent`` may have
        changed it; whether it is as it was made again (else it is retired).

        Only an action setting the kind's creation attributes (a request member the create
        action has too) is restored, and only when the call named the resource by the kind's
        own name member: the same action is sent again with each member the call set back at
        its value from :meth:`made_with`; a member with no creation value is taken back by the
        kind's ``undo`` action on a served surface (product.yaml: filter tags cleared, a
        dead-letter policy unbound). A call that set none changed nothing; a member with
        neither, a refused or failed restoring call or any other action: False.
        """
        spec = self._kind(kind)
        api = self.session.specs.api(self.api)
        action = next((a for a in api.actions.values() if a.name.lower() == self.action), None)
        create = self._action(spec, "create")
        if action is None or create is None or spec.name_member is None:
            return False
        creatable = {p.name.lower() for p in api.actions[create].request}
        members = {p.name.lower() for p in action.request}
        identity = {spec.name_member: name}
        if spec.parent:
            identity[self._kind(spec.parent).name_member or spec.parent] = str(parent)
        settable = members & (creatable - set(identity))
        # An array sent flat (``filterTag.0``) is its member.
        called = {k.split(".")[0].lower(): v for k, v in sent.items()}
        if not settable or any(called.get(k) != v for k, v in identity.items()):
            return False
        changed = [k for k in called if k in members and k not in identity]
        if not changed:
            return True
        made = self.made_with(kind, attrs)
        undo = {k: self._undo(spec, k) for k in changed if k not in made}
        if None in undo.values():
            return False
        back = {k: made[k] for k in changed if k in made}
        if back and not self._call(action.name, **identity, **back).ok:
            return False
        for surface, name in dict.fromkeys(u for u in undo.values() if u is not None):
            if not self.session.call(surface, name, named(self.session, surface, name,
                                                          **identity)).ok:
                return False
        return True

    def _undo(self, kind: ResourceKind, member: str) -> tuple[str, str] | None:
        """The (surface, action) taking back ``member`` on a ``kind`` (its ``undo``), on this
        surface if it has one, else another served one; None when none does."""
        served = self.session.target.surfaces
        for undo in kind.undo:
            if member in undo.members:
                surfaces = sorted(undo.action, key=lambda s: s != self.api)
                return next(((s, undo.action[s]) for s in surfaces if s in served), None)
        return None

    def release(self, *, refused: bool, sent: Mapping[str, Any] | None = None) -> None:
        """Settle what was borrowed: back to the pool when the case's call did not name it or
        named it only as another's reference (a dead-letter queue), its action leaves it as it
        was (the kind's ``shared_by``), the target ``refused`` the
        call, or the call it accepted (``sent``) only set attributes :meth:`restore` puts back;
        otherwise retired,
        deleted by :meth:`cleanup` (a resource inside a retired one goes with it).

        A refused call made nothing either: the fresh names it carried are not deleted (the
        end-of-run sweep still catches one a target made while refusing).
        """
        if self.pool is None:
            return
        # An accepted delete removed what it named: no second delete at cleanup.
        gone = set() if sent is None else {k.name for k in self.product.resources.values()
                                           if (k.delete.get(self.api) or "").lower()
                                           == self.action}
        if refused:
            self.created = [c for c in self.created if (c[0], c[1]) not in self.fresh]
        else:
            self.created = [c for c in self.created if c[0] not in gone or c[1] not in self.sent]
        retired: set[tuple[str, str]] = set()
        kinds = self.product.resources
        for kind, name, parent, attrs, length in self.borrowed:
            spec = kinds[kind]
            parent_gone = spec.parent is not None and (spec.parent, str(parent)) in retired
            # A call changes only what it names (a subscription's queue is not its topic's):
            # a resource whose name it did not carry goes back as well.
            if not parent_gone and (refused or name not in self.sent
                                    or self.action in spec.shared_by
                                    or (sent is not None and _referred_only(spec, name, sent))
                                    or (sent is not None
                                        and self.restore(kind, name, parent, attrs, sent))):
                self.pool.give(self.api, kind, name, parent, attrs, length)
            else:
                retired.add((kind, name))
                self.created += self.pool.retire(self.api, kind, name, parent)
                if kind not in gone or name not in self.sent:
                    self.created.append((kind, name, parent))
        self.borrowed.clear()

    def emptied(self, kind: str, *, slot: str = "", attrs: Attrs = ()) -> str:
        """For a scenario that only adds, takes and reads what the resource holds (a queue it
        sends to and receives from): one lent emptied by the lender (:meth:`Pool.lend_emptied`)
        and given back by :meth:`cleanup`; without a lender, or when no served surface empties
        the kind (a target serving one surface), a new one."""
        if self.lender is None or not self.lender.can_empty(self.api, kind):
            return self.create(kind, slot=slot, attrs=attrs)
        name = self.lender.lend_emptied(self.api, kind, attrs)
        self.lent.append((kind, name, attrs))
        self.names[(kind, slot)] = name
        return name

    def shared(self, kind: str, *, slot: str = "") -> str:
        """For a call the kind's ``shared_by`` lists (it leaves the resource as it found it):
        one lent as it is by the lender (:meth:`Pool.lend`, not emptied) and given back by
        :meth:`cleanup`; without a lender, or for a kind living in another, a new one."""
        spec = self._kind(kind)
        if self.lender is None or spec.parent is not None or spec.name_member is None \
                or spec.id_member is not None:
            return self.create(kind, slot=slot)
        name = self.lender.lend(self.api, kind)
        self.lent.append((kind, name, ()))
        self.names[(kind, slot)] = name
        return name

    def reuse(self, key: str) -> bool:
        """Take a set of resources the lender keeps under ``key`` (:meth:`keep`: a topic, its
        subscription and the queue it pushes to), each emptied by its kind's ``empty`` action:
        True when one was free (its names are this case's; kept again only if the case calls
        :meth:`keep`, else left to the lender's drain)."""
        if self.lender is None:
            return False
        free = self.lender.kept.get((self.api, key), [])
        while free:
            names = free.pop()
            held = {(kind, name) for (kind, _), name in names.items()}
            if all(self.lender.empty(self.api, kind, name) for kind, name in held):
                self.names.update(names)
                return True
            # Not emptied: deleted (children first), never lent again.
            gone = Resources(self.session, self.api, self.namer)
            gone.created = [r[1:] for r in self.lender.alive if r[2] in names.values()]
            self.lender.alive = [r for r in self.lender.alive if r[1:] not in gone.created]
            gone.cleanup()
        return False

    def keep(self, key: str) -> None:
        """At :meth:`cleanup`, hand what the case was lent and made to the lender as one set
        under ``key`` instead of deleting it and giving it back: a later case sending and
        receiving through the same chain takes it with :meth:`reuse`. Only for a case that
        leaves it as it found it but for what it sends (emptied at the next reuse)."""
        if self.lender is not None:
            self.keeping = key

    def get(self, kind: str, slot: str = "", length: int | None = None) -> str:
        """The resource of ``(kind, slot)``, created when absent."""
        if (kind, slot) not in self.names:
            return self.create(kind, slot=slot, length=length)
        return self.names[(kind, slot)]

    def provide(self, needs: tuple[Need, ...]) -> None:
        """Create every needed resource, in order."""
        for need in needs:
            if (need.kind, need.slot) not in self.names:
                self.create(need.kind, slot=need.slot, length=need.length, attrs=need.attrs)

    def resolve(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Replace placeholders: names of provided resources, fresh names, timestamps."""
        out: dict[str, Any] = {}
        # A fresh name of a kind that lives in a parent is cleaned with the provided parent.
        parents = {k.name: self.names.get((k.parent, "")) for k in self.product.resources.values()
                   if k.parent}
        for key, value in params.items():
            if isinstance(value, list) and any(isinstance(v, Ref) for v in value):
                out[key] = list(self.resolve({str(i): v for i, v in enumerate(value)}).values())
            elif isinstance(value, Ref):
                if value.fresh or value.spoiled or (value.kind, value.slot) not in self.names:
                    name = value.head + self.namer.name(value.length) + value.tail
                    # A target that wrongly accepts the name must not leak it: clean it too.
                    if not value.spoiled:
                        self.created.append((value.kind, name, parents.get(value.kind)))
                        self.fresh.add((value.kind, name))
                    out[key] = name
                else:
                    out[key] = self.names[(value.kind, value.slot)]
            elif isinstance(value, Now):
                out[key] = int(time.time()) + value.offset
            else:
                out[key] = value
        self.sent |= {v for value in out.values()
                      for v in (value if isinstance(value, list) else [value])
                      if isinstance(v, str)}
        return out

    def cleanup(self) -> list[str]:
        """Delete everything created, children first, newest first; returns the problems met."""
        problems = []
        if self.keeping is not None and self.lender is not None:
            # Kept whole by the lender (drained at the end), never lent piece by piece.
            self.lender.alive += [(self.api, *made) for made in self.created]
            self.lender.kept.setdefault((self.api, self.keeping), []).append(dict(self.names))
            self.created.clear()
            self.lent.clear()
            self.keeping = None
        order = _children_first(self.product)
        pending = sorted(reversed(self.created), key=lambda item: order.get(item[0], 1))
        for kind, name, parent in pending:
            spec = self.product.resources.get(kind)
            action = self._action(spec, "delete") if spec is not None else None
            if spec is None or action is None or spec.name_member is None \
                    or (spec.parent and not parent):
                continue
            args: dict[str, Any] = {spec.name_member: name}
            if spec.parent:
                args[self._kind(spec.parent).name_member or spec.parent] = parent
            if spec.id_member:
                # A task is stopped with the other values its delete action requires.
                delete = self.session.specs.api(self.api).actions[action]
                args = {**{k.lower(): v for k, v in baseline(self.session.specs.api(self.api),
                                                             delete).items()
                           if not isinstance(v, Ref | Now)}, **args}
            exchange = self._call(action, **args)
            if exchange.fault:
                problems.append(f"delete {kind} {name}: {exchange.fault}")
        # What was lent goes back once what the scenario made (a subscription into it) is gone.
        for kind, name, attrs in self.lent:
            assert self.lender is not None
            self.lender.give(self.api, kind, name, None, attrs)
        self.lent.clear()
        self.created.clear()
        self.names.clear()
        return problems


def _children_first(product: ProductSpec) -> dict[str, int]:
    """Each resource kind's place in deletion order: the deeper first (a subscription before
    its topic); the kinds of one depth (a topic, a queue) share a place."""
    def depth(kind: ResourceKind) -> int:
        parents = 0
        while kind.parent is not None and kind.parent in product.resources \
                and parents < len(product.resources):
            kind, parents = product.resources[kind.parent], parents + 1
        return parents
    return {k.name: -depth(k) for k in product.resources.values()}


def _referred_only(kind: ResourceKind, name: str, sent: Mapping[str, Any]) -> bool:
    """Whether a call carried ``name`` only under the kind's other members than its own name
    member (a queue named as another's dead-letter queue): they refer to it, and the
    reference belongs to the other resource, which the case puts back or retires itself."""
    carried = {k.split(".")[0].lower() for k, v in sent.items()
               if v == name or (isinstance(v, list) and name in v)}
    return bool(carried) and carried <= set(kind.members[1:])


def _pages(session: Session, api: str, kind: ResourceKind, **extra: Any) -> list[str]:
    """Every name a kind's listing returns on ``api``, page by page (bounded)."""
    listing = kind.listing[api]
    names: list[str] = []
    offset = 0
    for _ in range(200):
        params = named(session, api, listing.action,
                       **{listing.offset: offset, listing.limit: listing.page_size}, **extra)
        got = session.call(api, listing.action, params)
        if not got.ok:
            break
        items = got.data.get(listing.items) or []
        names += [str(item.get(listing.name, "")) for item in items if isinstance(item, dict)]
        offset += len(items)
        if len(items) < listing.page_size:
            break
    return names


def sweep(session: Session, prefix: str = SUITE_PREFIX + "-") -> list[str]:
    """Delete every resource whose name starts with ``prefix``, on every product served.

    One loop over the listings product.yaml declares: each top-level kind (children first) on
    the first surface that lists it; names without the prefix are never touched. Returns what
    was deleted.
    """
    if not prefix.startswith(SUITE_PREFIX):
        raise ValueError(f"refusing to sweep names without the suite prefix {SUITE_PREFIX!r}")
    deleted = []
    served = set(session.target.surfaces)
    for product in session.specs.products.values():
        kinds = list(product.resources.values())
        for kind in reversed(kinds):
            api = next((s for s in kind.listing if s in served and s in kind.delete), None)
            if kind.parent or api is None or kind.name_member is None:
                continue
            children = [c for c in kinds if c.parent == kind.name and api in c.listing
                        and api in c.delete and c.name_member]
            for name in _pages(session, api, kind):
                if not name.startswith(prefix):
                    continue
                for child in children:
                    for sub in _pages(session, api, child, **{kind.name_member: name}):
                        session.call(api, child.delete[api], named(
                            session, api, child.delete[api],
                            **{kind.name_member: name, str(child.name_member): sub}))
                session.call(api, kind.delete[api], named(session, api, kind.delete[api],
                                                          **{kind.name_member: name}))
                deleted.append(f"{kind.name} {name}")
    return deleted
