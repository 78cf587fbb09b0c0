"""Cross-reference checks over a loaded spec set: ``cmqconform spec lint``.

The meta-schema checks each file's shape; this module checks what spans files: types and codes
exist, clause ids are unique, ranges are sane, citations point at lines that say what is cited.
Each problem is a SpecError naming ``file:line`` and the rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from cmqconform.errors import SpecError
from cmqconform.models import (
    NUMERIC,
    SCALARS,
    ActionSpec,
    ApiSpec,
    Cite,
    ErrorCode,
    ErrorRef,
    FieldSpec,
    ParamSpec,
    SpecSet,
    Where,
    array_item,
)
from cmqconform.spec.constraints import violations
from cmqconform.spec.lint_service import ServiceLinter
from cmqconform.spec.loader import SpecBuilder, default_root
from cmqconform.spec.rules import DEFAULT_CONDITIONS, condition_for, rule_condition, rule_params

#: How far from the cited line a name may appear (tables wrap across lines in the PDF text).
CITE_WINDOW = 3


def _err(message: str, where: Where | None, rule: str) -> SpecError:
    return SpecError(message, file=where.file if where else None,
                     line=where.line if where else None, rule=rule)


@cache
def _doc_lines(path: str) -> list[str]:
    return Path(path).read_text(encoding="utf-8").split("\n")


def _normalise(text: str) -> str:
    # The PDF extraction turns "Id" into "ld" and splits words; compare loosely.
    return re.sub(r"[^a-z0-9]", "", text.lower().replace("ld", "id"))


def _code_names(refs: Iterable[ErrorRef | ErrorCode]) -> list[str]:
    """What a line citing these error codes may show: the code or the legacy module code."""
    names = [str(n) for ref in refs for n in (ref.code, ref.module) if n is not None]
    return list(dict.fromkeys(names))


def _duplicates(items: list[tuple[str, Where | None]], what: str) -> Iterator[SpecError]:
    """A problem for each name already used earlier in ``items``."""
    seen: dict[str, Where | None] = {}
    for name, where in items:
        if name in seen:
            yield _err(f"duplicate {what} {name!r} (first at {seen[name]})", where,
                       "name.unique")
        else:
            seen[name] = where


class Linter:
    """Runs every cross-file rule over one SpecSet."""

    def __init__(self, specs: SpecSet, documents: Iterable[tuple[str, str, Any]] = ()) -> None:
        self.specs = specs
        self.reference = Path(specs.root) / "reference"
        #: (schema, file, line-numbered document) of every file read, for the fact rules.
        self.documents = tuple(documents)

    def run(self) -> list[SpecError]:
        """All problems found."""
        problems: list[SpecError] = []
        seen: dict[str, Where | None] = {}
        for clause in self.specs.all_clauses():
            if clause.id in seen:
                problems.append(_err(f"clause id {clause.id!r} already defined at "
                                     f"{seen[clause.id]}", clause.where, "clause.unique"))
            seen[clause.id] = clause.where
            problems += self.check_cite(clause.source, clause.where, None)
            problems += self.check_erratum(clause.errata, clause.where)
        for api in self.specs.apis.values():
            problems += self.check_api(api)
        for erratum in self.specs.errata.values():
            for cite, _ in erratum.sources:
                problems += self.check_cite(cite, erratum.where, None)
        for schema, file, doc in self.documents:
            if schema in ("service", "product", "vendor"):
                problems += ServiceLinter(doc, file, self.check_cite, self.check_erratum).run()
        return problems

    # -- references --------------------------------------------------------------------------
    def check_erratum(self, erratum: str | None, where: Where | None) -> Iterator[SpecError]:
        """The erratum id exists."""
        if erratum is not None and erratum not in self.specs.errata:
            yield _err(f"unknown erratum {erratum!r}", where, "ref.errata")

    def check_cite(self, cite: Cite, where: Where | None,
                   names: Iterable[str] | None) -> Iterator[SpecError]:
        """The cited doc and line exist and (when names are given) mention one of the names."""
        path = self.reference / cite.doc
        if not path.exists():
            yield _err(f"cited document {cite.doc!r} is not in {self.reference}", where,
                       "cite.document")
            return
        lines = _doc_lines(str(path))
        if cite.line > len(lines):
            yield _err(f"{cite} is past the end of the document ({len(lines)} lines)", where,
                       "cite.line")
            return
        if names is None:
            return
        window = _normalise(" ".join(lines[max(0, cite.line - 1 - CITE_WINDOW):
                                           cite.line + CITE_WINDOW]))
        wanted = [n for n in names if n]
        if wanted and not any(_normalise(n) in window for n in wanted):
            yield _err(f"{cite} does not mention {' or '.join(wanted)} within "
                       f"{CITE_WINDOW} lines", where, "cite.mismatch")

    def check_type(self, api: ApiSpec, type_name: str, where: Where | None) -> Iterator[SpecError]:
        """A type name resolves on this surface."""
        name = array_item(type_name) or type_name
        if name not in SCALARS and name not in api.types:
            yield _err(f"unknown type {type_name!r} (not a scalar, not in "
                       f"{api.id} types.yaml)", where, "ref.type")

    def check_code(self, api: ApiSpec, ref: ErrorRef) -> Iterator[SpecError]:
        """An error reference names a row of the surface's error tables."""
        keys = {code.key for code in api.codes}
        plain = {code.code for code in api.codes}
        if (ref.code, ref.module) in keys:
            return
        # A numeric code is only whole with its module; a string code is whole on its own.
        if ref.module is None and ref.code in plain and isinstance(ref.code, str):
            return
        yield _err(f"error {ref} is not in {api.id} errors.yaml", ref.where, "ref.error")

    # -- per surface -------------------------------------------------------------------------
    def check_api(self, api: ApiSpec) -> Iterator[SpecError]:
        """Everything of one surface."""
        for name in sorted(needed_conditions(api)):
            if name not in api.conditions:
                yield _err(f"{api.id} errors.yaml lacks condition {name!r}", None,
                           "ref.condition")
        for cond in api.conditions.values():
            yield from self.check_erratum(cond.errata, cond.where)
            yield from self.check_cite(cond.source, cond.where, _code_names(cond.accept))
            for ref in cond.accept:
                yield from self.check_code(api, ref)
        for code in api.codes:
            for cite in code.sources:
                yield from self.check_cite(cite, code.where, _code_names([code]))
        for type_spec in api.types.values():
            yield from self.check_cite(type_spec.source, type_spec.where, [type_spec.name])
            yield from _duplicates([(m.name, m.where) for m in type_spec.fields],
                                   f"{type_spec.name} member")
            for member in type_spec.fields:
                yield from self.check_field(api, member)
        for action in api.actions.values():
            yield from self.check_action(api, action)

    def check_field(self, api: ApiSpec, member: FieldSpec) -> Iterator[SpecError]:
        """A response or type member."""
        yield from self.check_type(api, member.type, member.where)
        yield from self.check_erratum(member.errata, member.where)
        yield from self.check_cite(member.source, member.where, [member.name])

    def check_action(self, api: ApiSpec, action: ActionSpec) -> Iterator[SpecError]:
        """One action file."""
        yield from self.check_cite(action.source, action.where, [action.name])
        tables = {t for code in api.codes for t in code.tables}
        for table in action.error_tables:
            if table not in tables:
                yield _err(f"unknown error table {table!r}", action.where, "ref.error_table")
        if not api.common_tables and not action.error_tables:
            yield _err(f"{action.name}: {api.id} has no error table every action answers from; "
                       f"name the action's error_tables", action.where, "ref.error_table")
        hosts = sorted({e.host for e in api.facts.endpoints if e.host is not None})
        if action.host is None and len(hosts) > 1:
            yield _err(f"{action.name}: {api.id} has several hosts ({', '.join(hosts)}); "
                       f"name the action's host", action.where, "ref.host")
        if action.host is not None and action.host not in hosts:
            yield _err(f"{action.name}: unknown host {action.host!r} (hosts of {api.id}: "
                       f"{', '.join(hosts) or 'none'})", action.where, "ref.host")
        for ref in action.errors:
            yield from self.check_code(api, ref)
            if ref.source is not None:
                yield from self.check_cite(ref.source, ref.where, [str(ref.code)])
        names = {p.name for p in action.request}
        yield from _duplicates([(p.name, p.where) for p in action.request], "parameter")
        yield from _duplicates([(p.wire_name, p.where) for p in action.request
                                if p.wire_name != p.name], "wire name")
        yield from _duplicates([(m.name, m.where) for m in action.response], "response member")
        for param in action.request:
            yield from self.check_param(api, action, param)
        for rule in action.rules:
            yield from self.check_erratum(rule.errata, rule.where)
            if rule.condition is not None and rule.condition not in api.conditions:
                yield _err(f"rule {rule.id!r}: condition {rule.condition!r} is not in "
                           f"{api.id} errors.yaml", rule.where, "ref.condition")
            for used in rule_params(rule):
                if used not in names:
                    yield _err(f"rule {rule.id!r} names unknown parameter {used!r}", rule.where,
                               "ref.rule_param")
        for member in action.response:
            yield from self.check_field(api, member)
        for clause in action.clauses:
            if clause.condition is not None and clause.condition not in api.conditions:
                yield _err(f"clause {clause.id!r}: condition {clause.condition!r} is not in "
                           f"{api.id} errors.yaml", clause.where, "ref.condition")

    def check_param(self, api: ApiSpec, action: ActionSpec,
                    param: ParamSpec) -> Iterator[SpecError]:
        """Ranges are sane, references resolve, the citation mentions the parameter."""
        where = param.where
        yield from self.check_type(api, param.type, where)
        yield from self.check_erratum(param.errata, where)
        yield from self.check_cite(param.source, where, [param.name, param.wire_name])
        for kind, cond in param.conditions.items():
            if cond not in api.conditions:
                yield _err(f"{param.name}: condition {cond!r} for {kind} is not in "
                           f"{api.id} errors.yaml", where, "ref.condition")
        if param.min is not None and param.max is not None and param.min > param.max:
            yield _err(f"{param.name}: min {param.min} > max {param.max}", where, "range.order")
        if (param.min_length is not None and param.max_length is not None
                and param.min_length > param.max_length):
            yield _err(f"{param.name}: min_length > max_length", where, "range.order")
        if (param.item_min_length is not None and param.item_max_length is not None
                and param.item_min_length > param.item_max_length):
            yield _err(f"{param.name}: item_min_length > item_max_length", where, "range.order")
        for kind in ("item_min_length", "item_max_length", "item_pattern"):
            if kind in param.constraints and param.item_type is None:
                yield _err(f"{param.name}: {kind} on a non-array type {param.type}", where,
                           "range.type")
        for kind, cite in param.sources.items():
            if kind not in param.constraints:
                yield _err(f"{param.name}: sources.{kind} cites a constraint the parameter "
                           f"does not carry", where, "cite.unused")
            yield from self.check_cite(cite, where, None)
        for bound, value in (("min", param.min), ("max", param.max)):
            if value is not None and param.type not in NUMERIC:
                yield _err(f"{param.name}: {bound} only applies to integers, type is "
                           f"{param.type}", where, "range.type")
        if param.max_items is not None and param.item_type is None:
            yield _err(f"{param.name}: max_items on a non-array type {param.type}", where,
                       "range.type")
        indexed = api.facts.array_encoding == "name.n"
        if indexed and param.item_type is not None and param.array_bases is None:
            yield _err(f"{param.name}: an array on {api.id} (name.n encoding) needs its index "
                       f"bases ('array')", where, "legacy.array")
        if not indexed and param.array_bases is not None:
            yield _err(f"{param.name}: 'array' (name.n encoding) is for surfaces whose "
                       f"array_encoding is name.n; {api.id} sends JSON arrays", where,
                       "v3.array")
        if param.array_bases is not None and param.item_type is None:
            yield _err(f"{param.name}: 'array' on a non-array type {param.type}", where,
                       "range.type")
        yield from self.check_value(param, param.default, "default")
        for value in param.enum or ():
            yield from self.check_value(param, value, "enum value")

    def check_value(self, param: ParamSpec, value: Any, what: str) -> Iterator[SpecError]:
        """A default or enum value breaks none of the parameter's own constraints."""
        if value is None:
            return
        for broken in violations(param, value):
            rule = "range.type" if broken.kind == "type" else "range.default"
            yield _err(f"{param.name}: {what} breaks {broken.kind}: {broken.message}",
                       param.where, rule)


def lint(root: Path | None = None) -> list[SpecError]:
    """Every structural and cross-reference problem under ``root``."""
    builder = SpecBuilder(root or default_root())
    specs = builder.build()
    # One fault can surface through several records (a parameter and its clauses); say it once.
    unique: dict[str, SpecError] = {}
    problems = builder.problems + Linter(specs, builder.documents).run()
    # A property naming a broken action file is broken by that file: its problem is told there.
    broken = {Path(p.file).stem for p in problems if p.file and p.rule != "ref.property"}
    for problem in problems:
        if problem.rule == "ref.property" and any(f" {name}" in str(problem) for name in broken):
            continue
        unique.setdefault(str(problem), problem)
    return list(unique.values())


def needed_conditions(api: ApiSpec) -> set[str]:
    """The conditions a generated case of ``api`` may expect: each constraint's, each rule's,
    a missing and an unknown parameter's."""
    needed = {DEFAULT_CONDITIONS["required"], DEFAULT_CONDITIONS["unknown"]}
    for action in api.actions.values():
        for param in action.request:
            needed.update(condition_for(param, kind) for kind in param.constraints
                          if kind != "default")
        needed.update(rule_condition(rule) for rule in action.rules)
    return needed
