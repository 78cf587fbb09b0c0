"""The catalog of external deviations (``deviations.yaml``), validated on load.

Each deviation is one way a target can contradict a statement of the product docs, applied from
outside by the deviation proxy (:mod:`cmqconform.external.proxy`) to one surface's requests or
answers. An entry names the statement it contradicts (``source: DOC:LINE``, checked against the
cited doc under ``specs/reference/``), the surface and actions it touches, the clause ids it
violates (each must exist in the specs) and the transformation. A malformed entry is a SpecError
naming the file, the line and the field (exit 2).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cmqconform.emulator.mutants import Mutant
from cmqconform.errors import SpecError
from cmqconform.external.transforms import REQUEST_OPS, RESPONSE_OPS, RETYPES, TEXTS
from cmqconform.models import SpecSet
from cmqconform.spec.yamlio import LineDict, LineList, load_yaml, plain

#: The bundled catalog.
DEFAULT_CATALOG = Path(__file__).with_name("deviations.yaml")
#: ``DOC:LINE`` of a statement.
_SOURCE = re.compile(r"^([A-Za-z0-9_.-]+):(\d+)$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
#: Which answers a response deviation touches.
WHEN = ("success", "error", "any")
_KEYS = {"name", "statement", "source", "surface", "actions", "clauses", "when", "transform",
         "select"}


@dataclass(frozen=True, slots=True)
class Deviation:
    """One external deviation of the catalog."""

    name: str
    statement: str
    source: str
    surface: str
    actions: tuple[str, ...]
    clauses: tuple[str, ...]
    op: str
    params: Mapping[str, Any]
    when: str = "success"
    #: Extra ``--cmq-select`` selectors beside the derived ones (:meth:`selectors`).
    select: tuple[str, ...] = ()
    line: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def side(self) -> str:
        """``request`` or ``response``."""
        return "request" if self.op in REQUEST_OPS else "response"

    def applies(self, surface: str | None, action: str | None) -> bool:
        """Whether an exchange of ``action`` on ``surface`` is this deviation's to change."""
        return surface == self.surface and (action in self.actions or "*" in self.actions)

    def selectors(self) -> tuple[str, ...]:
        """The tests relevant to it: cases naming one of its actions or one of its clauses."""
        own = [f"~{self.surface}.{a}." for a in self.actions if a != "*"]
        own += [f"~{c}" for c in self.clauses]
        return tuple(dict.fromkeys([*own, *self.select]))

    def as_mutant(self) -> Mutant:
        """The deviation as a mutant record, so ``mutate``'s judging and reports apply."""
        return Mutant(self.name, self.surface, f"{self.describe()} ({self.source})", self.clauses)

    def describe(self) -> str:
        """What the deviation does, in one line."""
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        side = "request" if self.side == "request" else f"{self.when} answers"
        return f"{self.op}({args}) on {side} of {', '.join(self.actions)}"


def _fail(file: str, node: Any, key: str | None, index: int, name: str, message: str) -> SpecError:
    line = node.line_of(key) if isinstance(node, LineDict) and key else getattr(node, "line", None)
    where = f"deviation #{index + 1}" + (f" ({name})" if name else "")
    field_ = f" field {key!r}:" if key else ""
    return SpecError(f"{where}:{field_} {message}", file=file, line=line, rule="external.catalog")


def _strings(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(
        isinstance(v, str) and v for v in value)


def _check_source(source: str, specs: SpecSet) -> str | None:
    match = _SOURCE.match(source)
    if not match:
        return f"{source!r} is not DOC:LINE"
    doc = Path(specs.root) / "reference" / match[1]
    if not doc.is_file():
        return f"no cited doc {match[1]!r} under specs/reference/"
    lines = doc.read_text(encoding="utf-8", errors="replace").count("\n") + 1
    if not 1 <= int(match[2]) <= lines:
        return f"line {match[2]} is outside {match[1]} (1-{lines})"
    return None


def _check_transform(transform: Any) -> str | None:
    if not isinstance(transform, Mapping) or not isinstance(transform.get("op"), str):
        return "a mapping with 'op' is required"
    op = transform["op"]
    needed = RESPONSE_OPS.get(op, REQUEST_OPS.get(op))
    if needed is None:
        return (f"unknown op {op!r}; valid: "
                f"{', '.join(sorted([*RESPONSE_OPS, *REQUEST_OPS]))}")
    missing = [k for k in needed if k not in transform]
    if op in REQUEST_OPS and "param" not in transform:
        missing.insert(0, "param")
    if missing:
        return f"op {op!r} needs {', '.join(repr(m) for m in missing)}"
    if op == "retype" and transform["to"] not in RETYPES:
        return f"retype to {transform['to']!r}; valid: {', '.join(RETYPES)}"
    if op in ("text", "param-text") and transform["how"] not in TEXTS:
        return f"text rewrite {transform['how']!r}; valid: {', '.join(TEXTS)}"
    if op in ("shift", "scale") and not isinstance(transform["by"], int):
        return f"'by' must be an integer: {transform['by']!r}"
    return None


def parse_catalog(doc: Any, specs: SpecSet, file: str) -> tuple[Deviation, ...]:
    """The deviations of a parsed catalog document; SpecError at the first bad field."""
    if not isinstance(doc, LineDict) or not isinstance(doc.get("deviations"), LineList):
        raise SpecError("expected a mapping with a 'deviations' list", file=file,
                        line=getattr(doc, "line", None), rule="external.catalog")
    known = set(specs.apis)
    out: list[Deviation] = []
    seen: set[str] = set()
    for index, entry in enumerate(doc["deviations"]):
        if not isinstance(entry, LineDict):
            raise _fail(file, doc["deviations"], None, index, "", "expected a mapping")
        name = str(entry["name"]) if isinstance(entry.get("name"), str) else ""

        def bad(key: str | None, message: str, entry: LineDict = entry, index: int = index,
                name: str = name) -> SpecError:
            return _fail(file, entry, key, index, name, message)

        for key in ("name", "statement", "source", "surface", "actions", "clauses",
                    "transform"):
            if key not in entry:
                raise bad(None, f"missing field {key!r}")
        unknown = sorted(set(entry) - _KEYS)
        if unknown:
            raise bad(unknown[0], f"unknown field; valid: {', '.join(sorted(_KEYS))}")
        if not name or not _NAME.match(name):
            raise bad("name", "a lower-case name of letters, digits and '-' is required")
        if name in seen:
            raise bad("name", "duplicate name")
        seen.add(name)
        if not isinstance(entry["statement"], str) or len(entry["statement"].strip()) < 10:
            raise bad("statement", "the doc's statement (10 characters or more) is required")
        problem = _check_source(str(entry["source"]), specs)
        if problem:
            raise bad("source", problem)
        surface = entry["surface"]
        if surface not in known:
            raise bad("surface", f"no surface {surface!r}; the specs define "
                                 f"{', '.join(sorted(known))}")
        api = specs.api(surface)
        if not _strings(entry["actions"]):
            raise bad("actions", "a non-empty list of action names is required")
        for action in entry["actions"]:
            if action != "*" and action not in api.actions:
                raise bad("actions", f"{surface} has no action {action!r}")
        if not _strings(entry["clauses"]):
            raise bad("clauses", "a non-empty list of clause ids is required")
        clause_ids = {c.id for c in specs.all_clauses()}
        for clause in entry["clauses"]:
            if clause not in clause_ids:
                raise bad("clauses", f"no clause {clause!r} in the specs")
        when = entry.get("when", "success")
        if when not in WHEN:
            raise bad("when", f"{when!r}; valid: {', '.join(WHEN)}")
        problem = _check_transform(entry["transform"])
        if problem:
            raise bad("transform", problem)
        select = entry.get("select", [])
        if select and not _strings(select):
            raise bad("select", "a list of --cmq-select selectors is expected")
        params = {k: plain(v) for k, v in entry["transform"].items() if k != "op"}
        out.append(Deviation(name, " ".join(entry["statement"].split()), str(entry["source"]),
                             surface, tuple(entry["actions"]), tuple(entry["clauses"]),
                             str(entry["transform"]["op"]), params, when, tuple(select or ()),
                             entry.line))
    if not out:
        raise SpecError("the catalog lists no deviation", file=file, line=doc.line,
                        rule="external.catalog")
    return tuple(out)


def load_catalog(path: Path | None = None, specs: SpecSet | None = None
                 ) -> tuple[Deviation, ...]:
    """The deviations of ``path`` (default: the bundled catalog), checked against the specs."""
    from cmqconform.spec import load_specs

    path = path or DEFAULT_CATALOG
    display = path.name if path == DEFAULT_CATALOG else str(path)
    return parse_catalog(load_yaml(path, display), specs or load_specs(), display)


def lookup(catalog: Sequence[Deviation], name: str) -> Deviation:
    """The deviation ``name``; a usage error listing the valid names when unknown."""
    from cmqconform.errors import ConfigError

    for deviation in catalog:
        if deviation.name == name:
            return deviation
    raise ConfigError(f"unknown external deviation {name!r}; valid names: "
                      f"{', '.join(d.name for d in catalog)}")
