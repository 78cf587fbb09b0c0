"""Read ``specs/`` into the frozen :mod:`cmqconform.models`: every product, every surface.

A product is a folder with a ``product.yaml`` (discovered, never listed here); its surfaces are
sub-folders of action files. Facts a vendor's products share live once under
``specs/vendors/<vendor>/<set>/`` and are merged into each surface that ``shares`` them.

Every file is first validated against its meta-schema (``schemas/*.json``); then records are
built and clauses derived. Problems are collected, not raised one by one, so ``spec lint`` can
report all of them; :func:`load_specs` raises the first with the total count.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource

from cmqconform.errors import SpecError
from cmqconform.models import (
    ActionSpec,
    ApiSpec,
    Cite,
    Clause,
    CommonParam,
    Condition,
    Endpoint,
    Erratum,
    ErrorCode,
    ErrorRef,
    Example,
    FieldSpec,
    HttpRoute,
    Limit,
    Listing,
    Need,
    Now,
    ParamSpec,
    Pattern,
    ProductSpec,
    RateCost,
    Recipe,
    Ref,
    Region,
    ResourceKind,
    Rule,
    SignatureMethod,
    SignedElement,
    SpecSet,
    SurfaceFacts,
    TypeSpec,
    Undo,
    Where,
    category_of,
)
from cmqconform.spec.properties import (
    check_properties,
    property_clauses,
    read_properties,
    signed_clauses,
)
from cmqconform.spec.yamlio import LineDict, line_at, load_yaml, plain

SCHEMA_NAMES = ("common", "action", "types", "errors", "errata", "service", "push", "product",
                "vendor", "properties")


@dataclass(frozen=True, slots=True)
class SharedFacts:
    """A vendor fact set (``tencent.api3``): surface facts, common codes, conditions, errata."""

    id: str
    dialect: str
    facts: Mapping[str, Any]
    codes: tuple[ErrorCode, ...]
    conditions: Mapping[str, Condition]
    common_tables: frozenset[str]
    errata: Mapping[str, Erratum]
    file: str


def _value(raw: Any) -> Any:
    """A product.yaml value: ``{ref: kind, slot: s}`` a Ref, ``{now: s}`` a Now, else itself."""
    if isinstance(raw, Mapping) and "ref" in raw:
        return Ref(str(raw["ref"]), slot=str(raw.get("slot", "")))
    if isinstance(raw, Mapping) and "now" in raw:
        return Now(int(raw["now"]))
    return raw


def default_root() -> Path:
    """The ``specs`` directory: $CMQCONFORM_SPECS, the source checkout, or the installed copy."""
    env = os.environ.get("CMQCONFORM_SPECS")
    if env:
        return Path(env)
    return _packaged_root()


@cache
def _packaged_root() -> Path:
    """The source checkout's specs, else the installed copy: looked up once per process (a
    run asks for every clause's link at collection)."""
    checkout = Path(__file__).resolve().parents[2] / "specs"
    if any(checkout.glob("*/product.yaml")):
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


#: Where files found clean are remembered across processes (a run's controller, its xdist
#: workers and its emulator each load the specs); ``CMQC_CACHE_DIR`` moves it, ``off`` disables.
CACHE_ENV = "CMQC_CACHE_DIR"


@cache
def _schemas_digest() -> str:
    """A digest of every meta-schema's text: a cached verdict holds for these schemas only."""
    digest = hashlib.sha256()
    for name in sorted(SCHEMA_NAMES):
        digest.update(resources.files("cmqconform.spec").joinpath(
            f"schemas/{name}.json").read_bytes())
    return digest.hexdigest()


def _cache_dir() -> Path | None:
    """Where this user's caches go (None: ``CMQC_CACHE_DIR=off``)."""
    where = os.environ.get(CACHE_ENV) or str(Path.home() / ".cache" / "cmqconform")
    return None if where == "off" else Path(where)


def _clean_marker(schema: str, content: bytes) -> Path | None:
    """The marker file saying that ``content`` met ``schema`` (None: no cache)."""
    where = _cache_dir()
    if where is None:
        return None
    key = hashlib.sha256(f"{_schemas_digest()}\0{schema}\0".encode() + content).hexdigest()
    return where / "schema-clean" / key[:2] / key


#: How many built spec sets the cache keeps (one per state of the specs and the code).
KEPT_SPEC_SETS = 8


def _built_copy(root: Path) -> Path | None:
    """The file holding the spec set built from ``root``, named by a digest of where it and
    the package are and of every file under both (any change is a new name; None: no cache)."""
    where = _cache_dir()
    if where is None:
        return None
    package = Path(__file__).resolve().parents[1]
    # The set names its own folder (links, cited docs): another checkout is another copy.
    digest = hashlib.sha256(f"{root.resolve()}\0{package}\0".encode())
    for base, pattern in ((root, "*"), (package, "*.py"), (package, "*.json")):
        for path in sorted(base.rglob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(f"{path.relative_to(base)}\0".encode() + path.read_bytes())
    return where / "spec-sets" / f"{digest.hexdigest()}.pickle"


def _schema_errors(schema: str, content: bytes, doc: LineDict) -> list[ValidationError]:
    """The meta-schema errors of ``doc`` (parsed from ``content``), sorted by path.

    Validation is most of a load's time; a file found clean leaves an empty marker named by
    the digest of its bytes and the schemas, so the next process skips it (an unwritable cache
    only costs the time). Files with errors are always validated again, to report them."""
    key = (schema, content)
    if key not in _SCHEMA_ERRORS:
        if len(_SCHEMA_ERRORS) > 1024:
            _SCHEMA_ERRORS.clear()
        marker = _clean_marker(schema, content)
        if marker is not None and marker.exists():
            _SCHEMA_ERRORS[key] = []
            return []
        _SCHEMA_ERRORS[key] = sorted(_validators()[schema].iter_errors(doc),
                                     key=lambda e: list(e.path))
        if marker is not None and not _SCHEMA_ERRORS[key]:
            try:
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.touch()
            except OSError:
                pass
    return _SCHEMA_ERRORS[key]




class SpecBuilder:
    """Builds a SpecSet from a specs root, collecting every problem it meets."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[SpecError] = []
        #: The named patterns of the product being read.
        self.patterns: dict[str, str] = {}
        # Until service.yaml has loaded, pattern names cannot be judged; its own problem says so.
        self.service_loaded = False
        #: Every line-numbered document read, by kind, for lint rules that walk raw facts.
        self.documents: list[tuple[str, str, LineDict]] = []

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
        self.documents.append((schema, name, doc))
        errors = _schema_errors(schema, path.read_bytes(), doc)
        for error in errors:
            where = "/".join(str(p) for p in error.absolute_path) or "<root>"
            line = line_at(doc, iter(error.absolute_path))
            self.problem(f"{where}: {error.message}", name, line, f"meta.{error.validator}")
        return None if errors else doc

    def build(self) -> SpecSet:
        """Read every vendor fact set and every product under ``root``."""
        shared = {}
        for path in sorted(self.root.glob("vendors/*/*/facts.yaml")):
            vendor = self.build_vendor(path.parent)
            if vendor is not None:
                shared[vendor.id] = vendor
        products: dict[str, ProductSpec] = {}
        apis: dict[str, ApiSpec] = {}
        errata: dict[str, Erratum] = {}
        for vendor in shared.values():
            self.merge_errata(errata, vendor.errata)
        for path in sorted(self.root.glob("*/product.yaml")):
            built = self.build_product(path.parent, shared, errata)
            if built is not None:
                product, surfaces = built
                products[product.id] = product
                apis.update(surfaces)
        if not products:
            self.problem("no product: expected specs/<product>/product.yaml",
                         self.display(self.root), None, "layout")
        return SpecSet(str(self.root), products, apis, errata)

    def merge_errata(self, into: dict[str, Erratum], errata: Mapping[str, Erratum]) -> None:
        """Add errata, recording a problem for an id defined twice."""
        for key, erratum in errata.items():
            if key in into:
                where = erratum.where
                self.problem(f"duplicate erratum id {key!r} (first at {into[key].where})",
                             where.file if where else "errata.yaml", where.line if where else None,
                             "errata.unique")
            else:
                into[key] = erratum

    def build_vendor(self, folder: Path) -> SharedFacts | None:
        """A vendor fact set: ``facts.yaml``, optional ``errors.yaml`` and ``errata.yaml``."""
        doc = self.read(folder / "facts.yaml", "vendor")
        if doc is None:
            return None
        set_id = str(doc["shared"])
        codes: tuple[ErrorCode, ...] = ()
        conditions: dict[str, Condition] = {}
        common: frozenset[str] = frozenset()
        if (folder / "errors.yaml").exists():
            codes, conditions, common = self.build_errors(set_id, folder / "errors.yaml")
        errata = self.build_errata(folder / "errata.yaml") \
            if (folder / "errata.yaml").exists() else {}
        return SharedFacts(set_id, str(doc["dialect"]), doc["facts"], codes, conditions, common,
                           errata, self.display(folder / "facts.yaml"))

    def build_product(self, folder: Path, shared: Mapping[str, SharedFacts],
                      errata: dict[str, Erratum]
                      ) -> tuple[ProductSpec, dict[str, ApiSpec]] | None:
        """One product folder: product.yaml, service.yaml, errata.yaml and a folder per surface."""
        path = folder / "product.yaml"
        doc = self.read(path, "product")
        if doc is None:
            return None
        name = self.display(path)
        product_id = str(doc["product"])
        if product_id != folder.name:
            self.problem(f"product {product_id!r} does not match its folder {folder.name!r}",
                         name, doc.line_of("product"), "layout.product")
        service: LineDict = LineDict()
        self.service_loaded = True
        if (folder / "service.yaml").exists():
            read = self.read(folder / "service.yaml", "service")
            self.service_loaded = read is not None
            service = read or LineDict()
        service_name = self.display(folder / "service.yaml")
        self.patterns = {k: v["regex"] for k, v in service.get("patterns", {}).items()}
        if (folder / "errata.yaml").exists():
            self.merge_errata(errata, self.build_errata(folder / "errata.yaml"))
        resources = self.build_resources(doc.get("resources", LineDict()), name)
        recipes = self.build_recipes(doc.get("recipes", LineDict()), name)
        props = read_properties(self, folder)
        stated = property_clauses(props)
        surfaces: dict[str, ApiSpec] = {}
        for surface_id, body in doc["surfaces"].items():
            line = doc["surfaces"].line_of(surface_id)
            if not surface_id.startswith(product_id + "."):
                self.problem(f"surface {surface_id!r} does not start with {product_id + '.'!r}",
                             name, line, "layout.surface")
            vendor = shared.get(body["shares"]) if "shares" in body else None
            if "shares" in body and vendor is None:
                self.problem(f"{surface_id}: unknown shared fact set {body['shares']!r} "
                             f"(known: {', '.join(sorted(shared)) or 'none'})", name,
                             body.line_of("shares"), "ref.shares")
            facts = self.surface_facts(surface_id, product_id, str(doc["service"]), body,
                                       vendor, name)
            clauses = [self.surface_clause(item, service_name)
                       for item in service.get("clauses", ()) if item["api"] == surface_id]
            clauses += stated.get(surface_id, [])
            surfaces[surface_id] = self.build_api(facts, folder / str(body["folder"]), vendor,
                                                  clauses, resources, recipes)
        self.check_resource_actions(doc.get("resources", LineDict()), resources, surfaces, name,
                                    {s: folder / str(b["folder"])
                                     for s, b in doc["surfaces"].items()})
        product = ProductSpec(
            product_id, str(doc["vendor"]), str(doc["service"]), str(doc.get("title", "")),
            tuple(surfaces), resources,
            {k: Limit(k, v["value"], v["text"], self.cite(v["source"], service_name, v.line),
                      tuple(v.get("apis", ())), v.get("unit"), v.get("errata"))
             for k, v in service.get("limits", {}).items()},
            {k: Pattern(k, v["regex"], v["text"], self.cite(v["source"], service_name, v.line),
                        v.get("errata"))
             for k, v in service.get("patterns", {}).items()},
            Where(name, doc.line), tuple(props))
        check_properties(self, props, surfaces)
        return product, surfaces

    def surface_facts(self, surface_id: str, product: str, service: str, body: LineDict,
                      vendor: SharedFacts | None, file: str) -> SurfaceFacts:
        """Typed facts of one surface: the vendor set's, overridden by the surface's own."""
        facts: dict[str, Any] = dict(vendor.facts) if vendor is not None else {}
        facts.update(body)

        def cite(key: str, item: Any) -> Cite:
            # A fact the surface states itself is in product.yaml, else in the vendor's file.
            origin = file if key in body or vendor is None else vendor.file
            return self.cite(item["source"], origin, getattr(item, "line", 1))

        def value(key: str, default: Any = None) -> Any:
            item = facts.get(key)
            return item["value"] if isinstance(item, Mapping) else default

        skew = value("timestamp_skew_seconds")
        return SurfaceFacts(
            id=surface_id, product=product, dialect=str(body["dialect"]), service=service,
            version=str(value("version", "")), path=str(value("path", "/")),
            methods=tuple(value("methods", ("POST",))),
            endpoints=tuple(Endpoint(e["name"], e["url"], cite("endpoints", e), e.get("region"),
                                     e.get("host"), e.get("network"))
                            for e in facts.get("endpoints", ())),
            regions=tuple(Region(r["id"], r["name"], cite("regions", r), r.get("errata"))
                          for r in facts.get("regions", ())),
            signature_methods=tuple(
                SignatureMethod(m["name"], m.get("signer", body["dialect"]),
                                cite("signature_methods", m), bool(m.get("default", False)),
                                tuple(m.get("tampers", ())))
                for m in facts.get("signature_methods", ())),
            request_size_bytes={k: int(v["value"])
                                for k, v in facts.get("request_size_bytes", {}).items()},
            timestamp_skew_seconds=int(skew) if skew is not None else None,
            common_params=tuple(
                CommonParam(p["name"], p["type"], bool(p["required"]),
                            tuple(p.get("signers", ())), p.get("location", "query_or_body"),
                            cite("common_params", p))
                for p in facts.get("common_params", ())),
            credentials=str(body["credentials"]), shares=body.get("shares"),
            array_encoding=str(value("array_encoding", "json")),
            wire_types=str(value("wire_types", "json")),
            unknown_params=str(value("unknown_params", "refused")),
            envelope=dict(value("envelope", {})),
            errata={k: str(v["errata"]) for k, v in facts.items()
                    if isinstance(v, Mapping) and "errata" in v},
            signed_elements={
                signer: tuple(SignedElement(e["at"], e["text"], cite("signed_elements", e))
                              for e in items)
                for signer, items in facts.get("signed_elements", {}).items()},
        )

    def build_resources(self, doc: LineDict, file: str) -> dict[str, ResourceKind]:
        """product.yaml ``resources``."""
        out: dict[str, ResourceKind] = {}
        for name, body in doc.items():
            out[name] = ResourceKind(
                name, tuple(body.get("members", ())), dict(body["create"]),
                dict(body.get("delete", {})),
                {s: Listing(v["action"], v["items"], v["name"], v.get("offset", "offset"),
                            v.get("limit", "limit"), v.get("page_size", 50), v.get("total"))
                 for s, v in body.get("list", {}).items()},
                body.get("parent"), tuple(body.get("needs", ())),
                {k: _value(v) for k, v in body.get("params", {}).items()},
                body.get("id_member"),
                {s: tuple(v) for s, v in body.get("uses", {}).items()},
                frozenset(str(a).lower() for a in body.get("shared_by", ())),
                dict(body.get("empty", {})),
                tuple(Undo(frozenset(str(m).lower() for m in u["members"]), dict(u["action"]),
                           self.cite(str(u["source"]), file, u.line_of("source")))
                      for u in body.get("undo", ())))
        for kind in out.values():
            for other in (kind.parent, *kind.needs):
                if other is not None and other not in out:
                    self.problem(f"resource {kind.name!r} names unknown kind {other!r}", file,
                                 doc.line_of(kind.name), "ref.resource")
        return out

    def check_resource_actions(self, doc: LineDict, resources: Mapping[str, ResourceKind],
                               surfaces: Mapping[str, ApiSpec], file: str,
                               folders: Mapping[str, Path]) -> None:
        """Every action product.yaml ``resources`` names (to create, delete, list, empty, undo
        or use a kind) is an action of the surface it names: a typo is a spec problem at its
        line, not an error in the middle of a run. (An action whose file exists but did not
        load has its own problem there.)"""
        for kind in resources.values():
            body = doc[kind.name]
            named = [(field, s, a, body.line_of(field))
                     for field, actions in (("create", kind.create), ("delete", kind.delete),
                                            ("empty", kind.empty))
                     for s, a in actions.items()]
            named += [("list", s, listing.action, body["list"].line_of(s))
                      for s, listing in kind.listing.items()]
            named += [("undo", s, a, entry.line_of("action"))
                      for undo, entry in zip(kind.undo, body.get("undo", ()), strict=True)
                      for s, a in undo.action.items()]
            named += [("uses", s, a, body.line_of("uses"))
                      for s, actions in kind.uses.items() for a in actions]
            for field, surface, action, line in named:
                api = surfaces.get(surface)
                if api is None:
                    detail = f"{surface!r} is not a surface of this product"
                elif action not in api.actions and not (
                        folders[surface] / f"{action}.yaml").exists():
                    detail = f"{surface} has no action {action!r}"
                else:
                    continue
                self.problem(f"resources.{kind.name}.{field}: {detail}", file, line,
                             "ref.action")

    def build_recipes(self, doc: LineDict, file: str) -> dict[str, Recipe]:
        """product.yaml ``recipes``, keyed by lower-cased action name."""
        out: dict[str, Recipe] = {}
        for action, body in doc.items():
            if "like" in body:
                if body["like"] not in doc:
                    self.problem(f"recipe {action!r}: like {body['like']!r} names no recipe",
                                 file, body.line_of("like"), "ref.recipe")
                    continue
                body = doc[body["like"]]
            out[action.lower()] = Recipe(
                creates=body.get("creates"),
                needs=tuple(Need(n["kind"], n.get("slot", ""),
                                 tuple((k, _value(v)) for k, v in n.get("attrs", {}).items()))
                            for n in body.get("needs", ())),
                values={k: _value(v) for k, v in body.get("values", {}).items()},
                couplings={k: {when: {a: _value(b) for a, b in then.items()}
                               for when, then in by.items()}
                           for k, by in body.get("couplings", {}).items()},
                slots=dict(body.get("slots", {})))
        return out

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

    def build_api(self, facts: SurfaceFacts, folder: Path, vendor: SharedFacts | None,
                  clauses: list[Clause], resources: Mapping[str, ResourceKind],
                  recipes: Mapping[str, Recipe]) -> ApiSpec:
        """Read one surface's folder."""
        api = facts.id
        types = self.build_types(folder / "types.yaml")
        codes, conditions, common = self.build_errors(api, folder / "errors.yaml")
        if vendor is not None:
            codes = vendor.codes + codes
            conditions = {**vendor.conditions, **conditions}
            common |= vendor.common_tables
        members = {m: kind.name for kind in resources.values() if not kind.uses
                   for m in kind.members}
        # A kind that lists the actions taking it names its members there only.
        scoped = {(a, m): kind.name for kind in resources.values() if kind.uses
                  for a in kind.actions(api) for m in kind.members}
        actions: dict[str, ActionSpec] = {}
        for path in sorted(folder.glob("*.yaml")):
            if path.stem[:1].isupper():
                own = {m: k for (a, m), k in scoped.items() if a == path.stem}
                action = self.build_action(api, path, {**members, **own}, recipes)
                if action is not None:
                    actions[action.name] = action
        push: LineDict = LineDict()
        push_path = folder / "push.yaml"
        if push_path.exists():
            push = self.read(push_path, "push") or LineDict()
            clauses += [
                Clause(f"{api}.push.{item['id']}", api, item["category"], item["text"],
                       self.cite(item["source"], self.display(push_path), item.line),
                       errata=item.get("errata"), where=Where(self.display(push_path), item.line))
                for item in push.get("clauses", ())
            ]
        clauses += [
            Clause(f"{api}.condition.{c.name}", api, "error_code",
                   f"{c.name} is answered with {' or '.join(map(str, c.accept))}",
                   c.source, errata=c.errata, where=c.where)
            for c in conditions.values()
        ]
        clauses += signed_clauses(facts)
        return ApiSpec(api, facts.version, actions, types, codes, conditions, tuple(clauses),
                       facts, push, common)

    def surface_clause(self, item: LineDict, file: str) -> Clause:
        """A surface-level clause from service.yaml."""
        return Clause(item["id"], item["api"], item["category"], item["text"],
                      self.cite(item["source"], file, item.line), errata=item.get("errata"),
                      where=Where(file, item.line))

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

    def build_errors(self, api: str, path: Path
                     ) -> tuple[tuple[ErrorCode, ...], dict[str, Condition], frozenset[str]]:
        """Read errors.yaml."""
        if not path.exists():
            self.problem("missing errors.yaml", self.display(path), None, "layout")
            return (), {}, frozenset()
        doc = self.read(path, "errors")
        if doc is None:
            return (), {}, frozenset()
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
        common = frozenset(k for k, v in doc.get("tables", {}).items() if v.get("every_action"))
        return codes, conditions, common

    def build_action(self, api: str, path: Path, members: Mapping[str, str],
                     recipes: Mapping[str, Recipe]) -> ActionSpec | None:
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
        request = tuple(self.param(item, name, members) for item in doc["request"])
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
        cost = doc.get("rate_cost")
        rate_cost = None
        if cost is not None:
            unit_member = str(cost.get("items") or cost.get("value"))
            if unit_member not in {p.name for p in request}:
                self.problem(f"rate_cost names {unit_member!r}, not a request member", name,
                             cost.line, "reference.rate_cost")
            rate_cost = RateCost(unit_member, "items" if "items" in cost else "value",
                                 self.cite(cost["source"], name, cost.line))
        only = doc.get("regions")
        if only is not None:
            clauses.append(Clause(f"{prefix}.regions", api, "semantics",
                                  f"{action} accepts only the regions {', '.join(only['only'])}",
                                  self.cite(only["source"], name, only.line), action,
                                  where=Where(name, only.line)))
        examples = tuple(
            Example(str(item["title"]), self.cite(item["source"], name, item.line),
                    plain(item.get("input")), plain(item.get("output")), item.get("errata"))
            for item in doc.get("examples", ()))
        for item in doc.get("clauses", ()):
            clauses.append(Clause(f"{prefix}.{item['id']}", api, item["category"], item["text"],
                                  self.cite(item["source"], name, item.line), action,
                                  item.get("errata"), Where(name, item.line),
                                  item.get("condition")))
        http = doc.get("http")
        route = None
        if http is not None:
            route = HttpRoute(http["method"], http["path"], int(http["status"]),
                              self.cite(http["source"], name, http.line))
            clauses.append(Clause(f"{prefix}.status", api, "response",
                                  f"{action} answers a success with HTTP {route.status}",
                                  route.source, action, where=Where(name, http.line)))
        error_response = tuple(self.field(item, name) for item in doc.get("error_response", ()))
        for member in error_response:
            clauses.append(Clause(f"{prefix}.error_response.{member.name}", api, "response",
                                  f"an error body has {member.name}, of type {member.type}",
                                  member.source, action, member.errata, member.where))
        return ActionSpec(
            api=api, name=action, source=source, summary=doc["summary"], request=request,
            response=response, rules=rules, errors=errors,
            error_tables=tuple(doc.get("error_tables", ())), clauses=tuple(clauses),
            host=doc.get("host"), rate_limit=rate["per_second"] if rate else None,
            rate_cost=rate_cost,
            where=Where(name, doc.line), recipe=recipes.get(str(action).lower(), Recipe()),
            regions=tuple(only["only"]) if only is not None else None, examples=examples,
            http=route, error_response=error_response,
        )

    def param(self, item: LineDict, file: str, members: Mapping[str, str]) -> ParamSpec:
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
            resource=members.get(str(item["name"]).lower()),
            location=str(item.get("in", "")),
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
    # Each process of a run (controller, xdist workers, emulators) loads the specs: a clean
    # build is kept, so the others read it back (0.07 s) instead of building it (0.3 s). The
    # cache is this user's own folder, like Python's bytecode caches.
    # Only the packaged specs: a test's or an author's copy elsewhere is built each time.
    copy = _built_copy(Path(root)) if Path(root) == default_root().resolve() else None
    if copy is not None and copy.exists():
        try:
            specs = pickle.loads(copy.read_bytes())
            if isinstance(specs, SpecSet):
                return specs
        except (OSError, pickle.UnpicklingError, AttributeError, EOFError, ImportError,
                TypeError, ValueError):
            pass  # a copy from an interrupted write, or unreadable: build again
    specs, problems = collect(Path(root))
    if copy is not None and not problems:
        try:
            copy.parent.mkdir(parents=True, exist_ok=True)
            partial = copy.with_suffix(f".{os.getpid()}.tmp")
            partial.write_bytes(pickle.dumps(specs, protocol=pickle.HIGHEST_PROTOCOL))
            partial.replace(copy)
            # One copy per state of the specs and code: keep the newest few.
            kept = sorted(copy.parent.glob("*.pickle"), key=lambda f: f.stat().st_mtime)
            for old in kept[:-KEPT_SPEC_SETS]:
                old.unlink(missing_ok=True)
        except OSError:
            pass  # an unwritable cache only costs the time
    if problems:
        more = f" (and {len(problems) - 1} more; run 'cmqconform spec lint')" if len(
            problems) > 1 else ""
        raise SpecError(f"{problems[0].detail}{more}", file=problems[0].file,
                        line=problems[0].line, rule=problems[0].rule)
    return specs


def load_specs(root: Path | None = None) -> SpecSet:
    """The spec set under ``root`` (default :func:`default_root`); SpecError on any problem."""
    return _load_cached(str((root or default_root()).resolve()))
