"""User configuration checked by JSON Schema: target files, expectations, the ineligible list.

Each kind of file has a Draft 2020-12 schema in ``cmqconform/schemas/<kind>.schema.json``. A
schema states the types, required keys, allowed keys, enums and ranges; the loaders keep in Python
only what a schema cannot know (an environment variable is unset, a file is missing). Every
problem names the file, the line and the field, and all problems of a file make one
:class:`~cmqconform.errors.ConfigError`::

    targets/cloud.toml: invalid target (2 problems):
      - targets/cloud.toml:5: endpoints.v3: expected http://host[:port] or https://host[:port], got 'ftp://x'
      - targets/cloud.toml:7: rate_limit: expected requests per second > 0, got -1

Two annotations of ours word the messages, since jsonschema's own quote whole instances (and so
could echo a pasted secret): ``x-message`` on a subschema is the text for a failure there (a
string, or one per keyword: ``{"anyOf": "..."}``), with ``{value}`` the offending value and
``{type}`` its type; ``x-missing`` is the text for an absent required key, on the requiring
schema or on the property.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from cmqconform.errors import ConfigError, SpecError
from cmqconform.spec.yamlio import line_at, parse_yaml

#: A field's place in a document: keys and list indices.
FieldPath = tuple[str | int, ...]
LineOf = Callable[[FieldPath], int | None]

_JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", dict: "mapping",
               list: "array", type(None): "null"}


@cache
def validator(kind: str) -> Draft202012Validator:
    """The validator of ``schemas/<kind>.schema.json`` (``target``, ``expectations``...)."""
    text = resources.files("cmqconform").joinpath(f"schemas/{kind}.schema.json").read_text(
        encoding="utf-8")
    return Draft202012Validator(json.loads(text))


def schema(kind: str) -> dict[str, Any]:
    """The JSON Schema a file of ``kind`` must satisfy."""
    return dict(validator(kind).schema)


def _type_name(value: Any) -> str:
    return next((name for cls, name in _JSON_TYPES.items() if isinstance(value, cls)),
                type(value).__name__)


def _shown(value: Any) -> str:
    # A table or list is named by its type: its repr could be long, or hold a pasted secret;
    # a URL's user:password@ is masked.
    if isinstance(value, Mapping | list):
        return _type_name(value)
    return re.sub(r"(?<=://)[^/?#@\s]*@", "***@", repr(value))


def _explain(error: ValidationError) -> Iterator[tuple[FieldPath, str]]:
    """The problems one jsonschema error stands for, worded by the schema's annotations."""
    here = tuple(error.absolute_path)
    sub: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    instance = error.instance
    if error.validator == "additionalProperties" and isinstance(instance, Mapping):
        known = sorted(sub.get("properties", {}))
        patterns = list(sub.get("patternProperties", {}))
        for key in sorted(instance):
            if key not in known and not any(re.search(p, key) for p in patterns):
                if re.search(r"(?i)secret|token|password", key):
                    # A credential written into a file: say so, and where it belongs instead.
                    yield (*here, key), ("a literal credential is not allowed in a file; name "
                                         "the environment variable holding it ([credentials] "
                                         "secret_id_env / secret_key_env)")
                else:
                    yield (*here, key), f"unknown key (known: {', '.join(known)})"
    elif error.validator == "required" and isinstance(instance, Mapping):
        for key in error.validator_value:
            if key not in instance:
                prop = sub.get("properties", {}).get(key, {})
                yield (*here, key), sub.get("x-missing") or prop.get("x-missing") or "missing"
    else:
        template = sub.get("x-message")
        if isinstance(template, Mapping):
            template = template.get(str(error.validator))
        if template is None:
            yield here, error.message
        else:
            yield here, template.replace("{value}", _shown(instance)).replace(
                "{type}", _type_name(instance))


def schema_problems(kind: str, doc: Any) -> list[tuple[FieldPath, str]]:
    """Every schema problem of ``doc``: field path and message, one per field."""
    out: dict[FieldPath, str] = {}
    for error in validator(kind).iter_errors(doc):
        for path, message in _explain(error):
            out.setdefault(path, message)
    return list(out.items())


def field_name(path: FieldPath) -> str:
    """``endpoints.v3``, ``ineligible[2].reason``, ``[0].status``."""
    text = "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path)
    return text.removeprefix(".") or "<root>"


class Problems:
    """Every problem of one file, each with its field and (when known) line; one ConfigError."""

    def __init__(self, source: str, kind: str, line_of: LineOf | None = None) -> None:
        self.source = source
        self.kind = kind
        self.line_of = line_of
        self.items: list[tuple[FieldPath, str]] = []

    def add(self, path: FieldPath, message: str) -> None:
        """Record one problem at ``path``."""
        self.items.append((path, message))

    def extend(self, items: Iterable[tuple[FieldPath, str]]) -> None:
        """Record several problems."""
        self.items.extend(items)

    def ok(self, *path: str | int) -> bool:
        """Whether no problem lies at ``path``, above it or below it."""
        return not any(p[:len(path)] == path or path[:len(p)] == p for p, _ in self.items)

    def lines(self) -> list[str]:
        """One line per problem, in file order; those without a line last."""
        placed = [(self.line_of(path) if self.line_of else None, path, message)
                  for path, message in self.items]
        placed.sort(key=lambda item: (item[0] is None, item[0] or 0))
        return [f"{self.source}:{line}: {field_name(path)}: {message}" if line
                else f"{field_name(path)}: {message}" for line, path, message in placed]

    def raise_if_any(self) -> None:
        """Raise one ConfigError listing every problem, if there is any."""
        if self.items:
            count = len(self.items)
            listed = "\n".join(f"  - {line}" for line in self.lines())
            raise ConfigError(f"{self.source}: invalid {self.kind} ({count} "
                              f"problem{'s' if count > 1 else ''}):\n{listed}")


def read_yaml(path: Path, what: str) -> Any:
    """A YAML file parsed with line numbers (see :func:`yaml_lines`); ConfigError when unusable."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what} file: {exc.strerror}") from None
    try:
        return parse_yaml(text, str(path))
    except SpecError as exc:  # a syntax error or a duplicate key, at its line
        raise ConfigError(f"{exc.location}: {exc.detail}") from None


def yaml_lines(doc: Any) -> LineOf:
    """Line of a field in a document from :func:`read_yaml`."""
    return lambda path: line_at(doc, iter(path))


_KEY = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_HEADER = re.compile(rf"\s*\[\[?\s*({_DOTTED})\s*\]")
_ASSIGN = re.compile(rf"\s*({_DOTTED})\s*=")


def _key_parts(dotted: str) -> tuple[str, ...]:
    return tuple(part[1:-1] if part[:1] in "\"'" else part for part in re.findall(_KEY, dotted))


def toml_lines(text: str) -> LineOf:
    """Line of a field in a TOML text: the line of its key, or of the nearest enclosing table.

    tomllib keeps no positions, so this scans table headers and ``key =`` lines (skipping the
    inside of multi-line strings); enough to point at a field, not a TOML parser.
    """
    found: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    open_string: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if open_string is not None:
            if line.count(open_string) % 2:
                open_string = None
            continue
        if header := _HEADER.match(line):
            table = _key_parts(header[1])
            found.setdefault(table, number)
        elif assign := _ASSIGN.match(line):
            path = table + _key_parts(assign[1])
            for depth in range(len(table) + 1, len(path) + 1):
                found.setdefault(path[:depth], number)
            rest = line[assign.end():]
            open_string = next((q for q in ('"""', "'''") if rest.count(q) % 2), None)

    def line_of(path: FieldPath) -> int | None:
        keys: tuple[str, ...] = ()
        for step in path:  # an index (an array of tables) is not scanned: stop above it
            if not isinstance(step, str):
                break
            keys += (step,)
        return next((found[keys[:depth]] for depth in range(len(keys), 0, -1)
                     if keys[:depth] in found), None)

    return line_of
