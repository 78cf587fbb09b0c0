"""Frozen records shared by every stage: products, surfaces, the spec model and its clauses.

These depend on nothing else in the package. They are built once by :mod:`cmqconform.spec.loader`
and then only read: by the case generators, the dialects, the emulator and the reports. Nothing
here names a product or a surface: those are data, read from ``specs/<product>/product.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: Scalar type names; composite types are ``array<X>`` or a struct name from types.yaml.
#: ``float`` is any JSON number; ``date`` (YYYY-MM-DD) and ``timestamp`` (YYYY-MM-DD hh:mm:ss,
#: or ISO 8601) are strings of those shapes, as API 3.0 docs type them.
SCALARS = ("string", "integer", "boolean", "float", "date", "timestamp")

#: Scalars whose value is a number (``min``/``max`` apply to them).
NUMERIC = ("integer", "float")

#: The shape of each formatted string scalar.
FORMATS = {
    "date": r"^\d{4}-\d{2}-\d{2}$",
    "timestamp": r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$",
}
#: Where a REST request parameter travels (``location``); empty means the dialect decides.
LOCATIONS = ("path", "query", "header", "body")

#: Constraint kinds a parameter may carry; each becomes a clause ``<api>.<Action>.<Param>.<kind>``.
PARAM_CONSTRAINTS = (
    "required", "type", "range", "min_length", "max_length", "pattern", "enum", "default",
    "max_items", "item_min_length", "item_max_length", "item_pattern", "array_encoding",
)

#: The coarse clause categories reports group by.
CATEGORIES = ("required", "range", "pattern", "rule", "response", "error_code", "semantics",
              "auth", "limit")

_CATEGORY_OF_CONSTRAINT = {
    "required": "required",
    "type": "range",
    "range": "range",
    "min_length": "range",
    "max_length": "range",
    "pattern": "pattern",
    "item_pattern": "pattern",
    "enum": "range",
    "default": "range",
    "max_items": "range",
    "item_min_length": "range",
    "item_max_length": "range",
    "array_encoding": "range",
}

_ARRAY = re.compile(r"^array<(?P<item>[A-Za-z][A-Za-z0-9]*)>$")


def surface_of(clause_id: str) -> str | None:
    """The surface a clause id names: ``tdmq.v3`` of ``tdmq.v3.SendMessages.Topic.required``."""
    parts = clause_id.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 and all(parts[:2]) else None


def array_item(type_name: str) -> str | None:
    """The item type of ``array<X>``, or None when ``type_name`` is not an array."""
    match = _ARRAY.match(type_name)
    return match.group("item") if match else None


@dataclass(frozen=True, slots=True)
class Cite:
    """A source line in the reference documentation, written ``cmq-api.txt:3539``."""

    doc: str
    line: int

    @classmethod
    def parse(cls, text: str) -> Cite:
        """Parse ``FILE:LINE``; raises ValueError on anything else."""
        doc, sep, line = text.rpartition(":")
        if not sep or not doc or not line.isdigit() or int(line) < 1:
            raise ValueError(f"citation must look like 'cmq-api.txt:123', got {text!r}")
        return cls(doc, int(line))

    def __str__(self) -> str:
        return f"{self.doc}:{self.line}"


@dataclass(frozen=True, slots=True)
class Where:
    """Where a record was read from in ``specs/`` (for error messages naming file:line)."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class Clause:
    """One testable statement of the doc, with a stable id and its source line."""

    id: str
    api: str
    category: str
    text: str
    source: Cite
    action: str | None = None
    errata: str | None = None
    where: Where | None = None
    #: For an error_code clause, the errors.yaml condition it states (its answer's code).
    condition: str | None = None


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """A request parameter and every constraint the doc states for it."""

    name: str
    type: str
    required: bool
    source: Cite
    wire_name: str
    min: int | None = None
    max: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    pattern_name: str | None = None
    enum: tuple[Any, ...] | None = None
    default: Any = None
    max_items: int | None = None
    item_min_length: int | None = None
    item_max_length: int | None = None
    item_pattern: str | None = None
    #: Legacy ``name.n`` encoding: the index bases a server must accept (0, 1 or both).
    array_bases: tuple[int, ...] | None = None
    #: Violation kind -> condition name in errors.yaml, overriding the default mapping.
    conditions: Mapping[str, str] = field(default_factory=dict)
    errata: str | None = None
    description: str = ""
    where: Where | None = None
    #: Constraint kind -> the doc line stating it, when not the parameter's own ``source``.
    sources: Mapping[str, Cite] = field(default_factory=dict)
    #: The resource kind (product.yaml ``resources``) whose name this parameter carries.
    resource: str | None = None
    #: REST surfaces: ``path``, ``query``, ``header`` or ``body`` (:data:`LOCATIONS`); empty
    #: on surfaces whose dialect places every parameter itself.
    location: str = ""

    @property
    def item_type(self) -> str | None:
        """Item type when this is an array parameter."""
        return array_item(self.type)

    @property
    def constraints(self) -> tuple[str, ...]:
        """The constraint kinds this parameter carries, in PARAM_CONSTRAINTS order."""
        present = {
            "required": self.required,
            "type": True,
            "range": self.min is not None or self.max is not None,
            "min_length": self.min_length is not None,
            "max_length": self.max_length is not None,
            "pattern": self.pattern is not None,
            "enum": self.enum is not None,
            "default": self.default is not None,
            "max_items": self.max_items is not None,
            "item_min_length": self.item_min_length is not None,
            "item_max_length": self.item_max_length is not None,
            "item_pattern": self.item_pattern is not None,
            "array_encoding": self.array_bases is not None,
        }
        return tuple(kind for kind in PARAM_CONSTRAINTS if present[kind])


@dataclass(frozen=True, slots=True)
class Rule:
    """A cross-parameter rule: when ``when`` holds, ``require`` must hold.

    ``when`` is ``{"present": P}`` or ``{"param": P, "equals": V}``; ``require`` is
    ``{"present": P}``, ``{"param": P, "equals": V}`` or ``{"param": P, OP: Q}`` with OP one of
    ``lt, le, gt, ge`` and Q another parameter's name. See :mod:`cmqconform.spec.rules`.
    """

    id: str
    when: Mapping[str, Any]
    require: Mapping[str, Any]
    source: Cite
    text: str = ""
    #: The errors.yaml condition a violation answers; None means ``rule_violation``.
    condition: str | None = None
    errata: str | None = None
    where: Where | None = None


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A response member or a member of a data type."""

    name: str
    type: str
    nullable: bool
    source: Cite
    #: Present in every success response (response members) or mandatory (request structs).
    required: bool = True
    description: str = ""
    errata: str | None = None
    where: Where | None = None

    @property
    def item_type(self) -> str | None:
        """Item type when this is an array field."""
        return array_item(self.type)


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """A named data type (``DeadLetterPolicy``, legacy ``MsgInfo``...)."""

    name: str
    fields: tuple[FieldSpec, ...]
    source: Cite
    description: str = ""
    where: Where | None = None

    def field(self, name: str) -> FieldSpec:
        """The member called ``name``; KeyError if absent."""
        for member in self.fields:
            if member.name == name:
                return member
        raise KeyError(f"{self.name} has no member {name!r}")


@dataclass(frozen=True, slots=True)
class ErrorRef:
    """An error an action documents: a v3 string code, or a legacy code/module pair."""

    code: str | int
    module: int | None = None
    source: Cite | None = None
    where: Where | None = None

    def __str__(self) -> str:
        return f"{self.code}/{self.module}" if self.module is not None else str(self.code)


@dataclass(frozen=True, slots=True)
class ErrorCode:
    """A row of an error-code table in the doc."""

    code: str | int
    module: int | None
    message: str
    tables: tuple[str, ...]
    sources: tuple[Cite, ...]
    where: Where | None = None

    @property
    def key(self) -> tuple[str | int, int | None]:
        """Identity of the row: (code, module)."""
        return (self.code, self.module)


@dataclass(frozen=True, slots=True)
class Condition:
    """Which error codes answer a named condition (``out_of_range``, ``queue_not_found``...).

    When the doc pins no single code, ``accept`` holds every acceptable one and ``errata`` names
    the reading that decided it.
    """

    name: str
    accept: tuple[ErrorRef, ...]
    source: Cite
    errata: str | None = None
    where: Where | None = None


@dataclass(frozen=True, slots=True)
class Example:
    """One of the doc's examples of an action: its request parameters and Response object."""

    title: str
    source: Cite
    input: Mapping[str, Any] | None = None
    output: Mapping[str, Any] | None = None
    #: Set when the example itself departs from the spec (an erratum says how).
    errata: str | None = None


@dataclass(frozen=True, slots=True)
class HttpRoute:
    """A REST action's method, path template (``/v2/{project_id}/...``) and success status."""

    method: str
    path: str
    status: int
    source: Cite

    @property
    def path_params(self) -> tuple[str, ...]:
        """The ``{name}`` placeholders of the path template, in order."""
        return tuple(re.findall(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", self.path))


@dataclass(frozen=True, slots=True)
class RateCost:
    """How many units of its rate limit one request of an action uses: the number of items of
    an array member (a batch's messages) or an integer member's value (messages asked for)."""

    member: str
    #: ``items``: the array's length; ``value``: the integer's value.
    mode: str
    source: Cite

    def of(self, params: Mapping[str, Any]) -> int:
        """The units ``params`` cost (at least 1): either the call's values (an array member
        as a list) or the flat wire form (``msgBody.0``, ``msgBody.1``...); keys are matched
        case-insensitively."""
        member = self.member.lower()
        units = 0
        for key, value in params.items():
            if key.split(".")[0].lower() != member:
                continue
            if self.mode == "value":
                try:
                    units += int(str(value))
                except ValueError:
                    units += 1
            else:
                units += len(value) if isinstance(value, list | tuple) else 1
        return max(1, units)


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One action of one API surface: request, response, rules, errors and clauses."""

    api: str
    name: str
    source: Cite
    summary: str
    request: tuple[ParamSpec, ...]
    response: tuple[FieldSpec, ...]
    rules: tuple[Rule, ...]
    errors: tuple[ErrorRef, ...]
    #: Legacy error tables this action may answer from (``common``, ``queue_common``...).
    error_tables: tuple[str, ...]
    clauses: tuple[Clause, ...]
    #: Legacy only: which host serves it, ``queue`` or ``topic``.
    host: str | None = None
    rate_limit: int | None = None
    #: The units one request counts against the rate (a batch's items); None: one.
    rate_cost: RateCost | None = None
    where: Where | None = None
    #: What must exist before the action can succeed (product.yaml ``recipes``).
    recipe: Recipe = field(default_factory=lambda: Recipe())
    #: The only regions the action accepts, when the doc restricts it; None: every region.
    regions: tuple[str, ...] | None = None
    examples: tuple[Example, ...] = ()
    #: REST surfaces: the action's own route and the HTTP status of a success.
    http: HttpRoute | None = None
    #: REST surfaces: the members of an error body (``error_code``, ``error_msg``).
    error_response: tuple[FieldSpec, ...] = ()

    def request_cost(self, params: Mapping[str, Any]) -> int:
        """The units of the rate limit a request with ``params`` uses (1 unless the spec's
        ``rate_cost`` says how a batch counts)."""
        return self.rate_cost.of(params) if self.rate_cost is not None else 1

    def param(self, name: str) -> ParamSpec:
        """The request parameter called ``name``; KeyError if absent."""
        for param in self.request:
            if param.name == name:
                return param
        raise KeyError(f"{self.name} has no parameter {name!r}")

    def clause(self, clause_id: str) -> Clause:
        """The clause with this full id; KeyError if absent."""
        for clause in self.clauses:
            if clause.id == clause_id:
                return clause
        raise KeyError(clause_id)


@dataclass(frozen=True, slots=True)
class Erratum:
    """A place where the doc contradicts itself, both sources, and the reading the suite uses."""

    id: str
    summary: str
    sources: tuple[tuple[Cite, str], ...]
    reading: str
    alternatives: tuple[str, ...] = ()
    where: Where | None = None


@dataclass(frozen=True, slots=True)
class Ref:
    """A placeholder for a resource name the case's setup provides (``queue``, ``topic``...).

    ``length`` asks for a name of exactly that many characters (a boundary on a name that must
    exist); ``fresh`` asks for a new, never-created name (the name a Create action takes).
    """

    kind: str
    length: int | None = None
    fresh: bool = False
    #: A suffix that makes the name break the pattern while keeping the run prefix.
    tail: str = ""
    #: A key telling apart several resources of one kind in one case (``dlq``).
    slot: str = ""
    #: A prefix that makes the name break the pattern's first-character part.
    head: str = ""

    @property
    def spoiled(self) -> bool:
        """Whether a head or tail makes this a pattern-breaking name (never provided)."""
        return bool(self.head or self.tail)


@dataclass(frozen=True, slots=True)
class Need:
    """A resource the case's setup creates before the call, in order."""

    kind: str
    slot: str = ""
    #: Extra create parameters (lower-cased spec names, value or "max"), e.g. rewind enabled.
    attrs: tuple[tuple[str, Any], ...] = ()
    length: int | None = None


@dataclass(frozen=True, slots=True)
class Now:
    """A UNIX timestamp relative to the moment the case runs."""

    offset: int = 0


@dataclass(frozen=True, slots=True)
class Recipe:
    """How to make one action succeed: what exists first, and parameter values to use."""

    #: Resource kind the action creates (its name parameter is fresh, not pre-created).
    creates: str | None = None
    #: Extra setup beyond the referenced names (a message to receive, a subscription).
    needs: tuple[Need, ...] = ()
    #: Baseline values for parameters (spec names, lower-cased keys); may hold Ref and Now.
    values: Mapping[str, Any] = field(default_factory=dict)
    #: Parameter (lower-cased) -> value -> other values that must come with it.
    couplings: Mapping[str, Mapping[Any, Mapping[str, Any]]] = field(default_factory=dict)
    #: The resource slot a member names (``deadletterqueuename`` -> ``dlq``).
    slots: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Listing:
    """How a resource kind is listed: the action, the response array and its name member."""

    action: str
    items: str
    name: str
    #: Request members (lower-cased) for paging, and the page size.
    offset: str = "offset"
    limit: str = "limit"
    page_size: int = 50
    #: The response member counting every match (not the page), if the listing has one.
    total: str | None = None


@dataclass(frozen=True, slots=True)
class Undo:
    """Actions taking back what a change set on a resource when it has no creation value to
    send back (a dead-letter binding, filter tags): product.yaml ``resources`` ``undo``."""

    #: Request members (lower-cased) whose setting the action takes back.
    members: frozenset[str]
    #: Surface -> the action, sent with the resource's name (and its parent's) alone.
    action: Mapping[str, str]
    source: Cite


@dataclass(frozen=True, slots=True)
class ResourceKind:
    """A kind of resource the suite creates (product.yaml ``resources``)."""

    name: str
    #: Request members (lower-cased) that carry this kind's name.
    members: tuple[str, ...] = ()
    #: Surface -> the action that creates / deletes it.
    create: Mapping[str, str] = field(default_factory=dict)
    delete: Mapping[str, str] = field(default_factory=dict)
    #: Surface -> how to list it (the sweeper's source).
    listing: Mapping[str, Listing] = field(default_factory=dict)
    #: The kind it lives inside (its name is sent with every call on it).
    parent: str | None = None
    #: Kinds that must exist before one can be made.
    needs: tuple[str, ...] = ()
    #: Parameters (lower-cased) sent on create; a value may be a Ref to a needed kind.
    params: Mapping[str, Any] = field(default_factory=dict)
    #: The response member that identifies what was made, when not a fresh name.
    id_member: str | None = None
    #: Surface -> the other actions taking an existing one (a task's describe, update). A kind
    #: that names them maps its members there and in its create and delete only, so several
    #: kinds may share a member (``taskid``); a kind without them maps its members everywhere.
    uses: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Actions (lower-cased) whose cases leave one as they found it: they may share a pooled
    #: one (resource reuse, :class:`~cmqconform.provision.Pool`).
    shared_by: frozenset[str] = frozenset()
    #: Surface -> the action that removes what one holds (a queue's messages), keeping it.
    empty: Mapping[str, str] = field(default_factory=dict)
    #: What takes back a change with no creation value (:meth:`Resources.restore`).
    undo: tuple[Undo, ...] = ()

    def actions(self, surface: str) -> tuple[str, ...]:
        """The actions of ``surface`` that make, take or remove one of this kind."""
        made = tuple(a for a in (self.create.get(surface), self.delete.get(surface)) if a)
        return made + self.uses.get(surface, ())

    @property
    def name_member(self) -> str | None:
        """The request member (lower-cased) that carries a new resource's name."""
        return self.members[0] if self.members else None


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A documented base URL of a surface (``{region}`` is a placeholder)."""

    name: str
    url: str
    source: Cite
    region: str | None = None
    #: A surface with several hosts (legacy CMQ: ``queue`` and ``topic``) names the host.
    host: str | None = None
    network: str | None = None


@dataclass(frozen=True, slots=True)
class Region:
    """A region a surface serves."""

    id: str
    name: str
    source: Cite
    errata: str | None = None


@dataclass(frozen=True, slots=True)
class SignatureMethod:
    """A documented way to sign requests, and the signer (wire variant) that implements it."""

    name: str
    signer: str
    source: Cite
    default: bool = False
    #: Auth tampers the generated suite sends with this method whatever the target's method
    #: (empty: only the target's method is exercised, with every tamper of the dialect).
    tampers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SignedElement:
    """A request element a signer's signature covers: ``header:Host``, ``param:*`` (every
    signed pair), ``body``, ``query``, ``method``, ``auth:algorithm``, ``auth:scope`` or
    ``window`` (the timestamp outside the documented skew)."""

    at: str
    text: str
    source: Cite


@dataclass(frozen=True, slots=True)
class CommonParam:
    """A parameter every request of a surface carries (``Action``, ``X-TC-Timestamp``...)."""

    name: str
    type: str
    required: bool
    #: The signers (wire variants) that send it.
    signers: tuple[str, ...]
    #: ``header`` or ``query_or_body``.
    location: str
    source: Cite


@dataclass(frozen=True, slots=True)
class SurfaceFacts:
    """Everything product.yaml (and the vendor facts it shares) states about one surface."""

    id: str
    product: str
    #: The dialect's registry name (``tencent_v3``, ``cmq_legacy``).
    dialect: str
    #: The product's service name as signed and addressed (``cmq``).
    service: str
    version: str
    path: str
    methods: tuple[str, ...]
    endpoints: tuple[Endpoint, ...]
    regions: tuple[Region, ...]
    signature_methods: tuple[SignatureMethod, ...]
    #: Request kind (``get``, ``post``, ``post_tc3``...) -> the largest accepted, in bytes.
    request_size_bytes: Mapping[str, int]
    timestamp_skew_seconds: int | None
    common_params: tuple[CommonParam, ...]
    #: The credential kind a client needs (``tencent_secret``).
    credentials: str
    #: The vendor fact set it starts from (``tencent.api3``), if any.
    shares: str | None = None
    #: How arrays travel: ``json`` (JSON arrays, flattened ``X.0`` by v1) or ``name.n`` (each
    #: item a ``name.<index>`` pair whose index base the spec states).
    array_encoding: str = "json"
    #: ``json`` (values keep their JSON types) or ``text`` (every value travels as text).
    wire_types: str = "json"
    #: ``refused`` or ``ignored``: what a parameter the action does not define gets.
    unknown_params: str = "refused"
    #: The answer's shape: ``wrapper`` (the member holding everything), ``request_id``, ``code``,
    #: ``message``, ``error`` (the member holding code and message), ``success_code``.
    envelope: Mapping[str, Any] = field(default_factory=dict)
    #: Fact name -> the erratum that decided its reading (``unknown_params``...).
    errata: Mapping[str, str] = field(default_factory=dict)
    #: Signer -> the request elements its signature covers (signature integrity cases).
    signed_elements: Mapping[str, tuple[SignedElement, ...]] = field(default_factory=dict)

    @property
    def default_signature_method(self) -> str:
        """The method marked ``default``, else the first."""
        return next((m.name for m in self.signature_methods if m.default),
                    self.signature_methods[0].name if self.signature_methods else "")

    def signer_of(self, method: str) -> str | None:
        """The signer implementing ``method``, or None when the surface does not document it."""
        return next((m.signer for m in self.signature_methods if m.name == method), None)

    @property
    def region_ids(self) -> tuple[str, ...]:
        """The ids of every region served."""
        return tuple(r.id for r in self.regions)

    def common_names(self, signer: str, *, headers: bool = False) -> frozenset[str]:
        """Names of the common parameters ``signer`` sends (outside headers unless asked)."""
        return frozenset(p.name for p in self.common_params if signer in p.signers
                         and (headers or p.location != "header"))


@dataclass(frozen=True, slots=True)
class Limit:
    """A documented number (``batch_max_messages = 16``) and the surfaces it applies to."""

    name: str
    value: int | float
    text: str
    source: Cite
    apis: tuple[str, ...] = ()
    unit: str | None = None
    errata: str | None = None


@dataclass(frozen=True, slots=True)
class Pattern:
    """A named regular expression parameters refer to (``resource_name``)."""

    name: str
    regex: str
    text: str
    source: Cite
    errata: str | None = None


@dataclass(frozen=True, slots=True)
class ApiSpec:
    """Everything specified for one API surface."""

    id: str
    version: str
    actions: Mapping[str, ActionSpec]
    types: Mapping[str, TypeSpec]
    codes: tuple[ErrorCode, ...]
    conditions: Mapping[str, Condition]
    clauses: tuple[Clause, ...]
    facts: SurfaceFacts
    #: The surface's HTTP push contract (push.yaml), when it has one.
    push: Mapping[str, Any] = field(default_factory=dict)
    #: Error tables every action may answer from (``every_action: true`` in errors.yaml).
    common_tables: frozenset[str] = frozenset()

    @property
    def product(self) -> str:
        """The product this surface belongs to."""
        return self.facts.product

    @property
    def dialect(self) -> str:
        """The registry name of the dialect this surface speaks."""
        return self.facts.dialect

    def action(self, name: str) -> ActionSpec:
        """The action called ``name``; KeyError if absent."""
        return self.actions[name]

    def all_clauses(self) -> tuple[Clause, ...]:
        """Surface-level clauses followed by every action's clauses."""
        out = list(self.clauses)
        for action in self.actions.values():
            out.extend(action.clauses)
        return tuple(out)


#: The kinds of property a product's properties.yaml declares (one list each).
PROPERTY_KINDS = ("round_trips", "fidelity", "unique", "matching", "timers")


@dataclass(frozen=True, slots=True)
class Property:
    """A property the doc states across calls (``specs/<product>/properties.yaml``): the clause
    it is, and its declaration as the meta-schema shapes it (setter and readers, timer...)."""

    kind: str
    clause: Clause
    body: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ProductSpec:
    """One product (``specs/<product>/product.yaml``): identity, surfaces, resources, facts."""

    id: str
    vendor: str
    service: str
    title: str
    surfaces: tuple[str, ...]
    resources: Mapping[str, ResourceKind] = field(default_factory=dict)
    limits: Mapping[str, Limit] = field(default_factory=dict)
    patterns: Mapping[str, Pattern] = field(default_factory=dict)
    where: Where | None = None
    #: The properties its properties.yaml declares, in file order.
    properties: tuple[Property, ...] = ()

    def limit(self, name: str) -> int | float:
        """The value of a documented limit; KeyError if absent."""
        return self.limits[name].value

    def kind_created_by(self, surface: str, action: str) -> ResourceKind | None:
        """The resource kind ``action`` creates on ``surface``, if any."""
        return next((k for k in self.resources.values() if k.create.get(surface) == action),
                    None)


@dataclass(frozen=True, slots=True)
class SpecSet:
    """Every product under ``specs/``: their surfaces, facts and the errata in force."""

    root: str
    products: Mapping[str, ProductSpec]
    apis: Mapping[str, ApiSpec]
    errata: Mapping[str, Erratum]

    def api(self, name: str) -> ApiSpec:
        """The surface called ``name`` (``<product>.<surface>``); KeyError if absent."""
        return self.apis[name]

    def product(self, name: str) -> ProductSpec:
        """The product called ``name``; KeyError if absent."""
        return self.products[name]

    def product_of(self, surface: str) -> ProductSpec:
        """The product a surface belongs to."""
        return self.products[self.apis[surface].product]

    def surfaces(self, products: Iterable[str] | None = None) -> tuple[str, ...]:
        """Surface ids of the given products (all when None), in product.yaml order."""
        wanted = set(self.products if products is None else products)
        return tuple(s for p in self.products.values() if p.id in wanted for s in p.surfaces
                     if s in self.apis)

    def all_clauses(self) -> tuple[Clause, ...]:
        """Every clause of every surface."""
        return tuple(c for api in self.apis.values() for c in api.all_clauses())


def category_of(constraint: str) -> str:
    """The report category of a parameter constraint kind."""
    return _CATEGORY_OF_CONSTRAINT[constraint]
