"""Frozen records shared by every stage: the spec model and its clauses.

These depend on nothing else in the package. They are built once by :mod:`cmqconform.spec.loader`
and then only read: by the case generators, the dialects, the emulator and the reports.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: API surfaces, by their clause-id prefix.
V3 = "cmq.v3"
LEGACY = "cmq.legacy"
APIS = (V3, LEGACY)

#: Scalar type names; composite types are ``array<X>`` or a struct name from types.yaml.
SCALARS = ("string", "integer", "boolean")

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
    where: Where | None = None

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
class ApiSpec:
    """Everything specified for one API surface."""

    api: str
    version: str
    actions: Mapping[str, ActionSpec]
    types: Mapping[str, TypeSpec]
    codes: tuple[ErrorCode, ...]
    conditions: Mapping[str, Condition]
    clauses: tuple[Clause, ...]

    def action(self, name: str) -> ActionSpec:
        """The action called ``name``; KeyError if absent."""
        return self.actions[name]

    def all_clauses(self) -> tuple[Clause, ...]:
        """Surface-level clauses followed by every action's clauses."""
        out = list(self.clauses)
        for action in self.actions.values():
            out.extend(action.clauses)
        return tuple(out)


@dataclass(frozen=True, slots=True)
class SpecSet:
    """The whole of ``specs/cmq``: both surfaces, the service facts and the errata."""

    root: str
    apis: Mapping[str, ApiSpec]
    service: Mapping[str, Any]
    errata: Mapping[str, Erratum]
    push: Mapping[str, Any]

    def api(self, name: str) -> ApiSpec:
        """The surface called ``name`` (``cmq.v3`` or ``cmq.legacy``)."""
        return self.apis[name]

    def all_clauses(self) -> tuple[Clause, ...]:
        """Every clause of every surface."""
        return tuple(c for api in self.apis.values() for c in api.all_clauses())


def category_of(constraint: str) -> str:
    """The report category of a parameter constraint kind."""
    return _CATEGORY_OF_CONSTRAINT[constraint]
