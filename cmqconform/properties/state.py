"""Round trips, name scope and name matching: properties of what the control plane keeps.

Each function runs one property case through :class:`~cmqconform.properties.steps.Steps`; the
declarations come from properties.yaml (:mod:`cmqconform.spec.properties`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cmqconform.cases.build import baseline, repair, setup_for
from cmqconform.checks.types import json_type
from cmqconform.models import ActionSpec, ApiSpec, Need, ResourceKind
from cmqconform.properties.steps import Broken, Steps, Unjudged
from cmqconform.provision import Resources
from cmqconform.spec.properties import pairs
from cmqconform.verdicts import Exchange

#: The values a round trip sets: every member at its maximum, or at its minimum.
VARIANTS = ("max", "min")


def bound(param: Any, variant: str) -> Any:
    """The value ``variant`` gives one parameter: its max (min), last (first) enum value, or
    ``True`` (``False``) for a boolean; None when the spec states no bound."""
    high = variant == "max"
    if param.type == "boolean":
        return high
    if param.enum:
        return param.enum[-1] if high else param.enum[0]
    value = param.max if high else param.min
    return value


def set_values(api: ApiSpec, action: ActionSpec, members: list[str],
               variant: str) -> dict[str, Any]:
    """The members set to ``variant``'s bounds, adjusted until the action's rules hold."""
    values = {name: bound(action.param(name), variant) for name in members}
    values = {k: v for k, v in values.items() if v is not None}
    return repair(api, action, values) or values


def kind_of(steps: Steps, api: str, action: ActionSpec) -> ResourceKind:
    """The resource kind an action creates or acts on (product.yaml ``resources``)."""
    product = steps.session.specs.product_of(api)
    made = product.kind_created_by(api, action.name)
    if made is not None:
        return made
    named = [product.resources[p.resource] for p in action.request
             if p.resource and p.required]
    # A subscription is named with its topic: the kind acted on is the one no other lives in.
    parents = {kind.parent for kind in named}
    for kind in named:
        if kind.name not in parents:
            return kind
    raise Unjudged(f"{action.name} names no resource kind of {product.id}")


def name_param(action: ActionSpec, kind: str) -> str:
    """The request parameter of ``action`` carrying a ``kind`` name."""
    for param in action.request:
        if param.resource == kind:
            return param.name
    raise Unjudged(f"{action.name} has no parameter naming a {kind}")


def read_item(steps: Steps, api: str, action: str, kind: ResourceKind, name: str,
              names: Mapping[str, str]) -> Mapping[str, Any]:
    """What ``action`` on ``api`` shows of the ``kind`` named ``name``: the answer, or the
    listed item of that name when ``action`` is the kind's listing. ``names`` holds the names of
    the resources it lives in (a subscription's topic), by kind."""
    spec = steps.api(api).actions[action]
    known = {**names, kind.name: name}
    params = {p.name: known[p.resource] for p in spec.request
              if p.resource in known and (p.required or p.resource == kind.name)}
    got = steps.ok(steps.call(api, action, params), f"{action} {name}")
    listing = kind.listing.get(api)
    if listing is None or listing.action != action:
        return got.data
    items = [i for i in got.data.get(listing.items) or [] if i.get(listing.name) == name]
    if len(items) != 1:
        raise Broken(f"{action} {name}: listed {len(items)} items named {name}{steps.where()}",
                     (steps.clause,))
    return items[0]  # type: ignore[no-any-return]


def _same(expected: Any, got: Any) -> bool:
    return got == expected and json_type(got) == json_type(expected)


def round_trip(steps: Steps, variant: str) -> None:
    """Set the declared members to ``variant``'s bounds; every reader reads them back exactly,
    and every id the setter answers is the id each reader shows."""
    assert steps.prop is not None
    body = steps.prop.body
    api_id, action_name = body["set"]["api"], body["set"]["action"]
    api = steps.api(api_id)
    action = api.actions[action_name]
    # A reader on a surface this run does not serve (``--api``) is left out, not an error.
    served = steps.session.target.surfaces
    reads = [r for r in body["reads"] if r.get("answer") or r["api"] in served]
    members = list(dict.fromkeys(m for read in reads for m in pairs(read["members"])))
    values = set_values(api, action, members, variant)
    kind = kind_of(steps, api_id, action)
    pool = steps.resources(api_id)
    # The action's baseline (what it needs made first, a fresh name when it creates), then the
    # declared members at their bounds.
    base = baseline(api, action)
    borrower = _provide(steps, api_id, action, kind, setup_for(action, base))
    params = {**pool.resolve(base), **values}
    name = str(params[name_param(action, kind.name)])
    answer: Exchange | None = None
    try:
        answer = steps.call(api_id, action_name, params)
        steps.ok(answer, f"{action_name} {values}")
        _reads_back(steps, action_name, kind, name, answer, reads, values, pool.names)
    finally:
        if borrower is not None:
            # What the call set goes back to the values the resource was made with (else it
            # is retired: deleted).
            borrower.resolve(params)
            borrower.release(refused=answer is not None and not answer.ok,
                             sent=params if answer is not None else None)
            borrower.cleanup()


def _provide(steps: Steps, api: str, action: ActionSpec, kind: ResourceKind,
             needs: tuple[Need, ...]) -> Resources | None:
    """Make or borrow what a round trip needs; the borrower of the resource it changes, when
    that one is lent (and must be put back in place), else None.

    With the worker's lender: the top-level resource a changing action (not its kind's create)
    sets is borrowed from it as it is and put back by :meth:`Resources.release`; the other
    top-level ones (the topic a subscription lives in, its endpoint queue) are lent emptied
    (:meth:`Resources.emptied`); what lives inside them is made."""
    pool = steps.resources(api)
    product = steps.session.specs.product_of(api)
    changes = product.kind_created_by(api, action.name) is None
    borrower = None
    for need in needs:
        spec = product.resources[need.kind]
        if steps.lender is None or spec.parent is not None \
                or not steps.lender.can_empty(api, need.kind):
            pool.provide((need,))
        elif need.kind == kind.name and changes:
            borrower = Resources(steps.session, api, steps.namer, pool=steps.lender,
                                 action=action.name)
            pool.names[(need.kind, need.slot)] = borrower.create(
                need.kind, slot=need.slot, length=need.length, attrs=need.attrs)
        else:
            pool.emptied(need.kind, slot=need.slot, attrs=need.attrs)
    return borrower


def _reads_back(steps: Steps, action_name: str, kind: ResourceKind, name: str,
                answer: Exchange, reads: list[dict[str, Any]], values: dict[str, Any],
                provided: Mapping[tuple[str, str], str]) -> None:
    """Every reader reads back the values ``answer``'s call set, and the ids it answered."""
    names = {k: v for (k, slot), v in provided.items() if not slot}
    problems = []
    for read in reads:
        shown = answer.data if read.get("answer") else read_item(
            steps, read["api"], read["action"], kind, name, names)
        for source, target in pairs(read["members"]).items():
            if source not in values:
                continue
            got = shown.get(target, "<absent>")
            if not _same(values[source], got):
                problems.append(f"{read['action']} {target}={got!r} ({json_type(got)}), "
                                f"{action_name} set {source}={values[source]!r}")
        for source, target in read.get("ids", {}).items():
            sent = answer.data.get(source)
            got = shown.get(target, "<absent>")
            if not isinstance(sent, str) or not _same(sent, got):
                problems.append(f"{read['action']} {target}={got!r}, {action_name} answered "
                                f"{source}={sent!r}")
    if problems:
        raise Broken(f"{action_name} {name} then reads: " + "; ".join(problems)
                     + steps.where(), (steps.clause,))


def _create(steps: Steps, api: str, kind: ResourceKind, name: str, *,
            second: bool = False) -> Any:
    action = kind.create[api]
    spec = steps.api(api).actions[action]
    pool = steps.resources(api, second=second)
    pool.created.append((kind.name, name, None))
    return steps.call(api, action, {name_param(spec, kind.name): name}, second=second)


def unique(steps: Steps) -> None:
    """A name taken once is refused again (in another case too, when case does not count), and
    another account may take it (``scope: account``)."""
    assert steps.prop is not None
    body = steps.prop.body
    api = body["api"]
    kind = steps.session.specs.product_of(api).resources[body["kind"]]
    name = steps.namer.name()
    steps.ok(_create(steps, api, kind, name), f"{kind.create[api]} {name}")
    steps.error(api, body["exists"], _create(steps, api, kind, name),
                f"{kind.create[api]} {name} again")
    if body.get("case_insensitive"):
        steps.error(api, body["exists"], _create(steps, api, kind, name.upper()),
                    f"{kind.create[api]} {name.upper()} (the name in another case)")
    if body["scope"] == "account" and steps.second is not None:
        steps.ok(_create(steps, api, kind, name, second=True),
                 f"{kind.create[api]} {name} in another account")


def matching(steps: Steps) -> None:
    """A listing's filter matches as declared: ``exact`` lists only the very name; ``fuzzy``
    lists every name holding the filter."""
    assert steps.prop is not None
    body = steps.prop.body
    api, action = body["api"], body["action"]
    kind = steps.session.specs.product_of(api).resources[body["kind"]]
    listing = kind.listing[api]
    name = steps.namer.name()
    longer = name + "b"
    for made in (name, longer):
        steps.ok(_create(steps, api, kind, made), f"{kind.create[api]} {made}")

    def listed(word: str) -> set[str]:
        got = steps.ok(steps.call(api, action, {body["filter"]: word}),
                       f"{action} {body['filter']}={word}")
        return {str(i.get(listing.name)) for i in got.data.get(listing.items) or []}

    cases: list[tuple[str, set[str]]]
    if body["match"] == "exact":
        cases = [(name, {name}), (name[:-1], set())]
        exact = True
    else:
        cases = [(name, {name, longer}), (name[2:-1], {name, longer})]
        exact = False
    for word, want in cases:
        got = listed(word) & {name, longer} if not exact else listed(word)
        if got != want:
            raise Broken(f"{action} {body['filter']}={word!r}: listed {sorted(got)}, expected "
                         f"{sorted(want)} ({body['match']} match){steps.where()}",
                         (steps.clause,))
