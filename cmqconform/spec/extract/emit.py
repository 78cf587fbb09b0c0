"""The extraction as spec files in the project's format, and how two sets of them differ.

:func:`documents` lays out the files (``product.yaml``, one ``<Action>.yaml`` per action,
``types.yaml``, ``errors.yaml`` and, when anything could not be read, ``drafts.yaml``) as data;
:func:`write` puts them on disk; :func:`differences` lists, record by record, how the files of
one folder differ from another's (the committed specs against a fresh extraction), so that the
hand edits made after extraction can be recorded and checked exactly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cmqconform.spec.extract.reading import Extraction

#: Keys that identify an item of a list, so a difference names ``request/Limit`` not ``[3]``.
_ITEM_KEYS = ("name", "code", "title", "id")


def documents(out: Extraction, surface_folder: str = "v3") -> dict[str, dict[str, Any]]:
    """Relative path -> YAML document of every file the extraction writes."""
    files: dict[str, dict[str, Any]] = {"product.yaml": _product(out, surface_folder)}
    for name, action in sorted(out.actions.items()):
        files[f"{surface_folder}/{name}.yaml"] = action
    if out.types:
        files[f"{surface_folder}/types.yaml"] = {"api": out.api, "types": dict(sorted(
            out.types.items()))}
    first = min((c["sources"][0] for c in out.codes.values()), key=_line, default=None)
    errors: dict[str, Any] = {"api": out.api}
    if first is not None:
        errors["tables"] = {"actions": {"title": "the Error Code table of each action",
                                        "source": first}}
    errors["codes"] = [{"code": c["code"], "message": c["message"], "tables": ["actions"],
                        "sources": c["sources"]} for c in sorted(out.codes.values(),
                                                                 key=lambda c: c["code"])]
    errors["conditions"] = {}
    files[f"{surface_folder}/errors.yaml"] = errors
    if out.drafts or out.skipped or out.respelled:
        files["drafts.yaml"] = {
            "doc": out.doc,
            "drafts": [{"where": where, "line": out.cite(d.line), "text": d.text,
                        "reason": d.reason} for where, d in out.drafts],
            "skipped": [{"line": out.cite(line), "reason": reason}
                        for line, reason in out.skipped],
            "respelled": [{"line": source, "printed": printed, "read_as": name}
                          for source, printed, name in out.respelled],
        }
    return files


def _line(cite: str) -> int:
    return int(cite.rsplit(":", 1)[1])


def _product(out: Extraction, surface_folder: str) -> dict[str, Any]:
    surface: dict[str, Any] = {"folder": surface_folder, "dialect": "tencent_v3",
                               "shares": "tencent.api3", "credentials": "tencent_secret"}
    if out.version is not None:
        surface["version"] = {"value": out.version[0], "source": out.cite(out.version[1])}
    if out.domain is not None:
        surface["endpoints"] = [{"name": "nearest", "url": f"https://{out.domain[0]}",
                                 "source": out.cite(out.domain[1])}]
        surface["endpoints"] += [{"name": region, "region": region, "url": f"https://{host}",
                                  "source": out.cite(line)}
                                 for region, (host, line) in out.hosts.items()]
    regions = dict(out.regions)
    for action in out.actions.values():
        only = action.get("regions") or {"only": ()}
        for region in only["only"]:
            regions.setdefault(region, {"id": region, "name": region, "source": only["source"]})
    if regions:
        surface["regions"] = [regions[r] for r in sorted(regions)]
    service = out.domain[0].split(".")[0] if out.domain else out.product
    return {"product": out.product, "vendor": "tencent", "service": service,
            "title": out.title or out.product.upper(), "surfaces": {out.api: surface}}


def summary(out: Extraction) -> dict[str, Any]:
    """Counts of what was extracted, and of the drafts by reason."""
    members = sum(len(a["request"]) + len(a["response"]) for a in out.actions.values())
    reasons = Counter(_reason_kind(d.reason) for _, d in out.drafts)
    return {
        "doc": out.doc, "product": out.product, "surface": out.api,
        "version": out.version[0] if out.version else None,
        "actions": len(out.actions), "members": members, "structures": len(out.types),
        "structure_members": sum(len(t["fields"]) for t in out.types.values()),
        "codes": len(out.codes),
        "examples": sum(len(a.get("examples", ())) for a in out.actions.values()),
        "drafts": len(out.drafts), "drafts_by_reason": dict(sorted(reasons.items())),
        "skipped_sections": len(out.skipped), "noise_lines": out.noise,
    }


def _reason_kind(reason: str) -> str:
    for kind in ("unknown type", "value range", "cannot read", "before the table",
                 "no RequestId", "without its table", "a second"):
        if kind in reason:
            return kind
    return reason


def dump(document: Mapping[str, Any]) -> str:
    """A spec document as YAML, keys in the order written, long lines unwrapped."""
    return yaml.safe_dump(dict(document), sort_keys=False, allow_unicode=True, width=100_000)


def write(files: Mapping[str, Mapping[str, Any]], root: Path, header: str) -> list[Path]:
    """Write ``files`` under ``root`` (each starting with the comment ``header``)."""
    written = []
    for relative, document in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {header}\n{dump(document)}", encoding="utf-8")
        written.append(path)
    return written


@dataclass(frozen=True, slots=True)
class Difference:
    """One place where two documents differ: its path and both values (None: absent)."""

    at: str
    extracted: Any
    curated: Any


def differences(extracted: Mapping[str, Any], curated: Mapping[str, Any],
                at: str = "") -> Iterator[Difference]:
    """Every leaf where ``curated`` differs from ``extracted``, by stable path."""
    for key in list(extracted) + [k for k in curated if k not in extracted]:
        here = f"{at}/{key}" if at else str(key)
        yield from _diff(extracted.get(key), curated.get(key), here)


def _diff(a: Any, b: Any, at: str) -> Iterator[Difference]:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        yield from differences(a, b, at)
    elif isinstance(a, list) and isinstance(b, list) and _keyed(a) and _keyed(b):
        left, right = _by_key(a), _by_key(b)
        for key in list(left) + [k for k in right if k not in left]:
            yield from _diff(left.get(key), right.get(key), f"{at}/{key}")
    elif a != b:
        yield Difference(at, a, b)


def _keyed(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(i, Mapping) and _key(i) is not None for i in items)


def _key(item: Mapping[str, Any]) -> str | None:
    return next((str(item[k]) for k in _ITEM_KEYS if k in item), None)


def _by_key(items: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key = _key(item)
        assert key is not None
        while key in out:
            key += "+"
        out[key] = item
    return out
