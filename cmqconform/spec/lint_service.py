"""Lint rules for ``service.yaml``: every fact's citation exists and says what is cited.

The service file is kept as a line-numbered mapping (not built into records), so these rules
walk it directly. A citation check needs a name to look for; each fact kind supplies its own
(a common parameter's name, a region's id or name, a limit's value, a host's literal parts).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from cmqconform.errors import SpecError
from cmqconform.models import Cite, Where
from cmqconform.spec.yamlio import LineDict

#: Checks one citation: (cite, where, names or None) -> problems.
CiteCheck = Callable[[Cite, Where, Iterable[str] | None], Iterator[SpecError]]
#: Checks one erratum reference: (id or None, where) -> problems.
ErratumCheck = Callable[[str | None, Where], Iterator[SpecError]]

# Small numbers are often spelled out in the doc ("up to two pairs", "within ten seconds").
_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen", "twenty")


def number_names(value: Any) -> list[str]:
    """The spellings of a limit value the cited line may use: digits, digits with commas, words."""
    if isinstance(value, bool) or not isinstance(value, int):
        return [str(value)]
    names = [str(value), f"{value:,}"]
    if 0 <= value < len(_WORDS):
        names.append(_WORDS[value])
    return list(dict.fromkeys(names))


def url_parts(url: str) -> list[str]:
    """The literal parts of a host template, e.g. ``cmq-queue-`` and ``.api.qcloud.com``."""
    bare = re.sub(r"^[a-z]+://", "", url)
    return [p for p in bare.split("{region}") if len(p.strip(".-")) > 1] or [bare]


def _signature_names(name: str) -> list[str]:
    # The legacy page says "SHA1 and SHA256" where API 3.0 says HmacSHA1 / HmacSHA256.
    return [name, name.removeprefix("Hmac")]


class ServiceLinter:
    """Checks service.yaml's citations, erratum references and unique ids."""

    def __init__(self, service: Mapping[str, Any], file: str, check_cite: CiteCheck,
                 check_erratum: ErratumCheck) -> None:
        self.service = service
        self.file = file
        self.check_cite = check_cite
        self.check_erratum = check_erratum

    def where(self, node: Any) -> Where:
        """file:line of a mapping or list of the service file."""
        return Where(self.file, getattr(node, "line", 1))

    def fact(self, item: Any, names: Iterable[str] | None) -> Iterator[SpecError]:
        """One record with ``source`` (name-checked), optional ``also`` and ``errata``."""
        if not isinstance(item, LineDict) or "source" not in item:
            return
        where = self.where(item)
        for index, text in enumerate([item["source"], *item.get("also", ())]):
            try:
                cite = Cite.parse(text)
            except ValueError:
                yield SpecError(f"bad citation {text!r}", file=where.file, line=where.line,
                                rule="cite.format")
                continue
            # Only the primary source must name the fact; `also` lines only have to exist.
            yield from self.check_cite(cite, where, names if index == 0 else None)
        yield from self.check_erratum(item.get("errata"), where)

    def unique(self, items: Iterable[Any], key: str, what: str) -> Iterator[SpecError]:
        """No two records of a list share ``key``."""
        seen: dict[Any, int] = {}
        for item in items:
            value = item.get(key)
            if value in seen:
                where = self.where(item)
                yield SpecError(f"duplicate {what} {value!r} (first at line {seen[value]})",
                                file=where.file, line=where.line, rule="service.unique")
            else:
                seen[value] = getattr(item, "line", 1)

    def run(self) -> Iterator[SpecError]:
        """Every problem of the service file."""
        for pattern in self.service.get("patterns", {}).values():
            yield from self.fact(pattern, None)
        for surface in self.service.get("surfaces", {}).values():
            yield from self.surface(surface)
        if isinstance(self.service.get("facts"), Mapping):
            yield from self.surface(self.service["facts"])
        for limit in self.service.get("limits", {}).values():
            yield from self.fact(limit, number_names(limit.get("value")))
        clauses = self.service.get("clauses", ())
        yield from self.unique(clauses, "id", "clause id")
        for clause in clauses:
            yield from self.fact(clause, None)
            prefix = f"{clause.get('api')}."
            if not str(clause.get("id", "")).startswith(prefix):
                where = self.where(clause)
                yield SpecError(f"clause {clause.get('id')!r} does not start with its api "
                                f"{prefix!r}", file=where.file, line=where.line,
                                rule="clause.api")

    def surface(self, surface: Mapping[str, Any]) -> Iterator[SpecError]:
        """One API surface's facts."""
        version = surface.get("version")
        if isinstance(version, Mapping):
            yield from self.fact(version, [str(version.get("value"))])
        for key in ("path", "methods", "timestamp_skew_seconds"):
            yield from self.fact(surface.get(key), None)
        for size in surface.get("request_size_bytes", {}).values():
            yield from self.fact(size, None)
        for item in surface.get("content_types", ()):
            # The legacy page names the subtype only ("x-www-form-urlencoded").
            yield from self.fact(item, [item["value"], item["value"].rpartition("/")[2]])
        endpoints = surface.get("endpoints", ())
        yield from self.unique(endpoints, "name", "endpoint")
        for item in endpoints:
            # A cited host line must show every literal part of the template.
            for part in url_parts(item["url"]):
                yield from self.fact(item, [part])
        regions = surface.get("regions", ())
        yield from self.unique(regions, "id", "region")
        for item in regions:
            yield from self.fact(item, [item["id"], item["name"]])
        for item in surface.get("signature_methods", ()):
            yield from self.fact(item, _signature_names(item["name"]))
        params = surface.get("common_params", ())
        yield from self.unique(params, "name", "common parameter")
        for item in params:
            yield from self.fact(item, [item["name"]])
