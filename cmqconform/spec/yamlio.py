"""YAML reading that remembers line numbers, so every spec error can name ``file:line``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from cmqconform.errors import SpecError


class LineDict(dict[str, Any]):
    """A mapping from YAML that knows its own line and the line of each key."""

    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        """Line of ``key`` if present, else the mapping's own line."""
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A sequence from YAML that knows its own line and the line of each item."""

    line: int
    item_lines: list[int]


# libyaml's parser is ~10x faster than the pure-Python one; ``spec lint`` parses every file.
if TYPE_CHECKING:
    _Base = yaml.SafeLoader
else:
    _Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):
    """SafeLoader whose mappings and sequences carry 1-based line numbers."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:  # type: ignore[override]
        out = LineDict()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)
            if key in out:
                raise SpecError(f"duplicate key {key!r}", file=self.name,
                                line=key_node.start_mark.line + 1, rule="yaml.duplicate-key")
            out[key] = self.construct_object(value_node, deep=True)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> LineList:
        out = LineList(self.construct_object(child, deep=True) for child in node.value)
        out.line = node.start_mark.line + 1
        out.item_lines = [child.start_mark.line + 1 for child in node.value]
        return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
                        _Loader.construct_sequence)


def line_at(doc: Any, path: Iterator[Any]) -> int | None:
    """Deepest known line along a JSON path into a LineDict/LineList tree."""
    line = getattr(doc, "line", None)
    node = doc
    for step in path:
        if isinstance(node, LineDict) and isinstance(step, str) and step in node:
            line = node.line_of(step)
            node = node[step]
        elif isinstance(node, LineList) and isinstance(step, int) and step < len(node):
            line = node.item_lines[step]
            node = node[step]
        else:
            break
    return line


def parse_yaml(text: str, name: str) -> Any:
    """Parse YAML text (from file ``name``); a syntax error becomes a SpecError at its line."""
    loader = _Loader(text)
    loader.name = name
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise SpecError(f"invalid YAML: {exc.problem}", file=name, line=line,
                        rule="yaml.syntax") from exc
    finally:
        loader.dispose()


def load_yaml(path: Path, display: str | None = None) -> Any:
    """Parse one YAML file; a syntax error becomes a SpecError naming ``file:line``."""
    name = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read: {exc.strerror}", file=name, rule="io") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SpecError(f"not UTF-8 text (byte {raw[exc.start]:#04x})", file=name, line=line,
                        rule="yaml.encoding") from None
    return parse_yaml(text, name)


def plain(value: Any) -> Any:
    """``value`` as plain dicts and lists, free of the line bookkeeping (to dump or compare)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
