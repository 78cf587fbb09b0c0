"""Read ``specs/cmq`` into the frozen :mod:`cmqconform.models`.

Every file is first validated against its meta-schema (``schemas/*.json``); then records are
built and clauses derived. Problems are collected, not raised one by one, so ``spec lint`` can
report all of them; :func:`load_specs` raises the first with the total count.
"""

from __future__ import annotations

import json
import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource

from cmqconform.errors import SpecError
from cmqconform.models import (
    APIS,
    LEGACY,
    ActionSpec,
    ApiSpec,
    Cite,
    Clause,
    Condition,
    Erratum,
    ErrorCode,
    ErrorRef,
    FieldSpec,
    ParamSpec,
    Rule,
    SpecSet,
    TypeSpec,
    Where,
    category_of,
)
from cmqconform.spec.yamlio import LineDict, line_at, load_yaml

SURFACE_DIRS = {"cmq.v3": "v3", "cmq.legacy": "legacy"}
SCHEMA_NAMES = ("common", "action", "types", "errors", "errata", "service", "push")


def default_root() -> Path:
    """The ``specs`` directory: $CMQCONFORM_SPECS, the source checkout, or the installed copy."""
    env = os.environ.get("CMQCONFORM_SPECS")
    if env:
        return Path(env)
    checkout = Path(__file__).resolve().parents[2] / "specs"
    if (checkout / "cmq").is_dir():
        return checkout
    return Path(str(resources.files("cmqconform") / "_specs"))


@cache
def _validators() -> dict[str, Draft202012Validator]:
    schemas = {}
    for name in SCHEMA_NAMES:
        text = resources.files("cmqconform.spec").joinpath(f"schemas/{name}.json").read_text()
        schemas[name] = json.loads(text)
    registry: Registry[Any] = Registry().with_resources(
        (f"{name}.json", Resource.from_contents(schema)) for name, schema in schemas.items()
    )
    registry = registry.with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas.values()
    )
    return {name: Draft202012Validator(schema, registry=registry)
            for name, schema in schemas.items() if name != "common"}


#: Meta-validation results by (schema, file bytes): validation is most of a lint's time, and
#: lint runs over many copies of mostly identical files (tests, editors re-linting on save).
_SCHEMA_ERRORS: dict[tuple[str, bytes], list[ValidationError]] = {}


def _schema_errors(schema: str, content: bytes, doc: LineDict) -> list[ValidationError]:
    """The meta-schema errors of ``doc`` (parsed from ``content``), sorted by path."""
    key = (schema, content)
    if key not in _SCHEMA_ERRORS:
        if len(_SCHEMA_ERRORS) > 1024:
            _SCHEMA_ERRORS.clear()
        _SCHEMA_ERRORS[key] = sorted(_validators()[schema].iter_errors(doc),
                                     key=lambda e: list(e.path))
    return _SCHEMA_ERRORS[key]


def meta_schema(name: str) -> dict[str, Any]:
    """The JSON Schema a spec file of kind ``name`` (``action``, ``errors``...) must satisfy."""
    return dict(_validators()[name].schema)


class SpecBuilder:
    """Builds a SpecSet from a specs root, collecting every problem it meets."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[SpecError] = []
        self.service: LineDict = LineDict()
        self.patterns: dict[str, str] = {}
        self.push_clauses: list[Clause] = []
        # Until service.yaml has loaded, pattern names cannot be judged; its own problem says so.
        self.service_loaded = False

    # -- problem reporting -------------------------------------------------------------------
    def display(self, path: Path) -> str:
        """Path as shown in messages: relative to the project when possible."""
        try:
            return str(path.relative_to(self.root.parent))
        except ValueError:
            return str(path)

    def problem(self, message: str, file: str, line: int | None, rule: str) -> None:
        """Record one problem."""
        self.problems.append(SpecError(message, file=file, line=line, rule=rule))

    def cite(self, text: str, file: str, line: int) -> Cite:
        """Parse a citation, recording a problem (and returning a placeholder) when bad."""
        try:
            return Cite.parse(text)
        except (ValueError, AttributeError):
            self.problem(f"bad citation {text!r}", file, line, "cite.format")
            return Cite("?", 1)

    # -- files -------------------------------------------------------------------------------
    def read(self, path: Path, schema: str) -> LineDict | None:
        """Load and meta-validate one file; None when unusable."""
        name = self.display(path)
        try:
            doc = load_yaml(path, name)
        except SpecError as exc:
            self.problems.append(exc)
            return None
        if not isinstance(doc, LineDict):
            self.problem("top level must be a mapping", name, 1, "meta.type")
            return None
        errors = _schema_errors(schema, path.read_bytes(), doc)
        for error in errors:
            where = "/".join(str(p) for p in error.absolute_path) or "<root>"
            line = line_at(doc, iter(error.absolute_path))
            self.problem(f"{where}: {error.message}", name, line, f"meta.{error.validator}")
        return None if errors else doc

    def build(self) -> SpecSet:
        """Read everything under ``root/cmq``."""
        base = self.root / "cmq"
        if not base.is_dir():
            self.problem("no cmq/ directory", self.display(self.root), None, "layout")
            return SpecSet(str(self.root), {}, {}, {}, {})
        service = self.read(base / "service.yaml", "service")
        if service is not None:
            self.service = service
            self.patterns = {k: v["regex"] for k, v in service["patterns"].items()}
            self.service_loaded = True
        errata = self.build_errata(base / "errata.yaml")
        push_path = base / "legacy" / "push.yaml"
        push: LineDict = LineDict()
        if push_path.exists():
            push = self.read(push_path, "push") or LineDict()
        self.push_clauses = [
            Clause(f"{LEGACY}.push.{item['id']}", LEGACY, item["category"], item["text"],
                   self.cite(item["source"], self.display(push_path), item.line),
                   errata=item.get("errata"), where=Where(self.display(push_path), item.line))
            for item in push.get("clauses", ())
        ]
        apis = {api: self.build_api(api, base / SURFACE_DIRS[api]) for api in APIS}
        return SpecSet(str(self.root), apis, self.service, errata, push)

    def build_errata(self, path: Path) -> dict[str, Erratum]:
        """Read errata.yaml."""
        doc = self.read(path, "errata")
        if doc is None:
            return {}
        name = self.display(path)
        out: dict[str, Erratum] = {}
        for item in doc["errata"]:
            if item["id"] in out:
                self.problem(f"duplicate erratum id {item['id']!r}", name, item.line,
                             "errata.unique")
            sources = tuple((self.cite(s["cite"], name, s.line), s["says"])
                            for s in item["sources"])
            out[item["id"]] = Erratum(item["id"], item["summary"], sources, item["reading"],
                                      tuple(item.get("alternatives", ())), Where(name, item.line))
        return out

    def build_api(self, api: str, folder: Path) -> ApiSpec:
        """Read one surface's folder."""
        version = ""
        if "apis" in self.service:
            version = str(self.service["apis"][api]["version"]["value"])
        types = self.build_types(folder / "types.yaml")
        codes, conditions = self.build_errors(api, folder / "errors.yaml")
        actions: dict[str, ActionSpec] = {}
        for path in sorted(folder.glob("*.yaml")):
            if path.stem[:1].isupper():
                action = self.build_action(api, path)
                if action is not None:
                    actions[action.name] = action
        clauses = [
            self.surface_clause(item)
            for item in self.service.get("clauses", ())
            if item["api"] == api
        ]
        if api == LEGACY:
            clauses += self.push_clauses
        clauses += [
            Clause(f"{api}.condition.{c.name}", api, "error_code",
                   f"{c.name} is answered with {' or '.join(map(str, c.accept))}",
                   c.source, errata=c.errata, where=c.where)
            for c in conditions.values()
        ]
        return ApiSpec(api, version, actions, types, codes, conditions, tuple(clauses))

    def surface_clause(self, item: LineDict) -> Clause:
        """A surface-level clause from service.yaml."""
        name = self.display(self.root / "cmq" / "service.yaml")
        return Clause(item["id"], item["api"], item["category"], item["text"],
                      self.cite(item["source"], name, item.line), errata=item.get("errata"),
                      where=Where(name, item.line))

    def build_types(self, path: Path) -> dict[str, TypeSpec]:
        """Read types.yaml."""
        if not path.exists():
            return {}
        doc = self.read(path, "types")
        if doc is None:
            return {}
        name = self.display(path)
        return {
            type_name: TypeSpec(
                type_name,
                tuple(self.field(f, name) for f in body["fields"]),
                self.cite(body["source"], name, body.line),
                body.get("description", ""),
                Where(name, doc["types"].line_of(type_name)),
            )
            for type_name, body in doc["types"].items()
        }

    def field(self, item: LineDict, file: str) -> FieldSpec:
        """One response or type member."""
        return FieldSpec(item["name"], item["type"], item["nullable"],
                         self.cite(item["source"], file, item.line),
                         required=item.get("required", True),
                         description=item.get("description", ""), errata=item.get("errata"),
                         where=Where(file, item.line))

    def error_ref(self, item: LineDict, file: str) -> ErrorRef:
        """One error reference."""
        source = self.cite(item["source"], file, item.line) if "source" in item else None
        return ErrorRef(item["code"], item.get("module"), source, Where(file, item.line))

    def build_errors(self, api: str,
                     path: Path) -> tuple[tuple[ErrorCode, ...], dict[str, Condition]]:
        """Read errors.yaml."""
        if not path.exists():
            self.problem("missing errors.yaml", self.display(path), None, "layout")
            return (), {}
        doc = self.read(path, "errors")
        if doc is None:
            return (), {}
        name = self.display(path)
        codes = tuple(
            ErrorCode(item["code"], item.get("module"), item["message"], tuple(item["tables"]),
                      tuple(self.cite(s, name, item.line) for s in item["sources"]),
                      Where(name, item.line))
            for item in doc["codes"]
        )
        conditions = {
            cond: Condition(cond, tuple(self.error_ref(a, name) for a in body["accept"]),
                            self.cite(body["source"], name, body.line), body.get("errata"),
                            Where(name, doc["conditions"].line_of(cond)))
            for cond, body in doc["conditions"].items()
        }
        if doc["api"] != api:
            self.problem(f"api is {doc['api']!r} but the folder is {api!r}", name,
                         doc.line_of("api"), "layout.api")
        return codes, conditions

    def build_action(self, api: str, path: Path) -> ActionSpec | None:
        """Read one action file and derive its clauses."""
        doc = self.read(path, "action")
        if doc is None:
            return None
        name = self.display(path)
        action = doc["action"]
        if action != path.stem:
            self.problem(f"action {action!r} does not match the file name", name,
                         doc.line_of("action"), "layout.name")
        if doc["api"] != api:
            self.problem(f"api is {doc['api']!r} but the folder is {api!r}", name,
                         doc.line_of("api"), "layout.api")
        request = tuple(self.param(item, name) for item in doc["request"])
        response = tuple(self.field(item, name) for item in doc["response"])
        rules = tuple(
            Rule(item["id"], dict(item["when"]), dict(item["require"]),
                 self.cite(item["source"], name, item.line), item["text"],
                 item.get("condition"), item.get("errata"), Where(name, item.line))
            for item in doc.get("rules", ())
        )
        errors = tuple(self.error_ref(item, name) for item in doc["errors"])
        prefix = f"{api}.{action}"
        source = self.cite(doc["source"], name, doc.line_of("source"))
        clauses: list[Clause] = []
        for param in request:
            for kind in param.constraints:
                clauses.append(Clause(f"{prefix}.{param.name}.{kind}", api, category_of(kind),
                                      describe_constraint(param, kind),
                                      param.sources.get(kind, param.source), action,
                                      param.errata, param.where))
        for rule in rules:
            clauses.append(Clause(f"{prefix}.rule.{rule.id}", api, "rule", rule.text,
                                  rule.source, action, rule.errata, rule.where))
        for member in response:
            nullable = "may be null" if member.nullable else "is never null"
            clauses.append(Clause(f"{prefix}.response.{member.name}", api, "response",
                                  f"{member.name} is {member.type} and {nullable}",
                                  member.source, action, member.errata, member.where))
        clauses.append(Clause(f"{prefix}.errors", api, "error_code",
                              f"{action} answers only with documented error codes", source,
                              action, where=Where(name, doc.line_of("errors"))))
        rate = doc.get("rate_limit")
        if rate is not None:
            clauses.append(Clause(f"{prefix}.rate_limit", api, "limit",
                                  f"at most {rate['per_second']} requests/s",
                                  self.cite(rate["source"], name, rate.line), action,
                                  where=Where(name, rate.line)))
        for item in doc.get("clauses", ()):
            clauses.append(Clause(f"{prefix}.{item['id']}", api, item["category"], item["text"],
                                  self.cite(item["source"], name, item.line), action,
                                  item.get("errata"), Where(name, item.line),
                                  item.get("condition")))
        return ActionSpec(
            api=api, name=action, source=source, summary=doc["summary"], request=request,
            response=response, rules=rules, errors=errors,
            error_tables=tuple(doc.get("error_tables", ())), clauses=tuple(clauses),
            host=doc.get("host"), rate_limit=rate["per_second"] if rate else None,
            where=Where(name, doc.line),
        )

    def param(self, item: LineDict, file: str) -> ParamSpec:
        """One request parameter, with named patterns resolved."""

        def regex(key: str) -> str | None:
            ref = item.get(key)
            if ref is None:
                return None
            if ref not in self.patterns and self.service_loaded:
                self.problem(f"{item['name']}.{key}: unknown pattern {ref!r} "
                             f"(known: {', '.join(sorted(self.patterns))})", file,
                             item.line_of(key), "ref.pattern")
            return self.patterns.get(ref)

        enum = item.get("enum")
        array = item.get("array")
        return ParamSpec(
            name=item["name"], type=item["type"], required=item["required"],
            source=self.cite(item["source"], file, item.line),
            wire_name=item.get("wire_name", item["name"]),
            min=item.get("min"), max=item.get("max"), min_length=item.get("min_length"),
            max_length=item.get("max_length"), pattern=regex("pattern"),
            pattern_name=item.get("pattern"), enum=tuple(enum) if enum is not None else None,
            default=item.get("default"), max_items=item.get("max_items"),
            item_min_length=item.get("item_min_length"),
            item_max_length=item.get("item_max_length"), item_pattern=regex("item_pattern"),
            array_bases=tuple(array["bases"]) if array else None,
            conditions=dict(item.get("conditions", {})), errata=item.get("errata"),
            description=item.get("description", ""), where=Where(file, item.line),
            sources={kind: self.cite(text, file, item.line)
                     for kind, text in item.get("sources", {}).items()},
        )


def describe_constraint(param: ParamSpec, kind: str) -> str:
    """A one-line statement of a parameter constraint, for clause text."""
    name = param.name
    texts = {
        "required": f"{name} is required",
        "type": f"{name} is of type {param.type}",
        "range": f"{name} is within {param.min if param.min is not None else '-inf'}.."
                 f"{param.max if param.max is not None else 'inf'}",
        "min_length": f"{name} has at least {param.min_length} characters",
        "max_length": f"{name} has at most {param.max_length} characters",
        "pattern": f"{name} matches {param.pattern_name} ({param.pattern})",
        "enum": f"{name} is one of {', '.join(map(str, param.enum or ()))}",
        "default": f"{name} defaults to {param.default!r}",
        "max_items": f"{name} has at most {param.max_items} items",
        "item_min_length": f"each {name} item has at least {param.item_min_length} characters",
        "item_max_length": f"each {name} item has at most {param.item_max_length} characters",
        "item_pattern": f"each {name} item matches {param.item_pattern}",
        "array_encoding": f"{name}.n is accepted with index base "
                          f"{' or '.join(map(str, param.array_bases or ()))}, contiguous",
    }
    return texts[kind]


def collect(root: Path | None = None) -> tuple[SpecSet, list[SpecError]]:
    """Build the spec set and return it with every problem met (structure only, no lint)."""
    builder = SpecBuilder(root or default_root())
    specs = builder.build()
    return specs, builder.problems


@cache
def _load_cached(root: str) -> SpecSet:
    specs, problems = collect(Path(root))
    if problems:
        more = f" (and {len(problems) - 1} more; run 'cmqconform spec lint')" if len(
            problems) > 1 else ""
        raise SpecError(f"{problems[0].detail}{more}", file=problems[0].file,
                        line=problems[0].line, rule=problems[0].rule)
    return specs


def load_specs(root: Path | None = None) -> SpecSet:
    """The spec set under ``root`` (default :func:`default_root`); SpecError on any problem."""
    return _load_cached(str((root or default_root()).resolve()))
