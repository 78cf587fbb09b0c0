"""The hand edits of an extracted product, recorded in ``specs/<product>/extract.yaml``.

An extracted product's committed files are the extractor's output plus hand edits made while
reviewing it against the doc. Each edit is recorded with the file, the path in it, both values
and why (an erratum id where the doc contradicts itself)::

    doc: trtc-server-api.txt
    edits:
      - {file: v3/RemoveUser.yaml, at: request/UserIds/max_items, extracted: null, curated: 10,
         why: "the row's limit sits on the next page", errata: trtc-removeuser-limit}

:func:`check` re-extracts the doc and compares: every difference between the fresh extraction
and the committed files must be a recorded edit, and every recorded edit must still be one.
A hand-curated product records ``golden:`` instead: what its curated API 3.0 surface reads
differently from the extraction (:mod:`cmqconform.spec.extract.golden`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cmqconform.errors import SpecError
from cmqconform.spec.extract.emit import Difference, differences, documents
from cmqconform.spec.extract.reading import Extraction
from cmqconform.spec.yamlio import load_yaml, plain

EDITS_FILE = "extract.yaml"
#: Files only a person writes (the extractor never does), so never compared.
HAND_ONLY = (EDITS_FILE, "errata.yaml", "service.yaml")


@dataclass(frozen=True, slots=True)
class Drift:
    """How committed files and recorded edits disagree with a fresh extraction."""

    unrecorded: tuple[tuple[str, Difference], ...]
    stale: tuple[Mapping[str, Any], ...]
    edits: int

    def __bool__(self) -> bool:
        return bool(self.unrecorded or self.stale)


def recorded(product_folder: Path) -> Mapping[str, Any]:
    """The product's ``extract.yaml`` (empty when it has none)."""
    path = product_folder / EDITS_FILE
    if not path.exists():
        return {}
    doc = load_yaml(path)
    if not isinstance(doc, Mapping):
        raise SpecError("extract.yaml is not a mapping", file=str(path), line=1)
    found: Mapping[str, Any] = plain(doc)  # edits are written back as YAML
    return found


def committed_differences(out: Extraction,
                          product_folder: Path) -> Iterable[tuple[str, Difference]]:
    """Every (file, difference) between a fresh extraction and the committed files."""
    fresh = documents(out)
    names = set(fresh) | {str(p.relative_to(product_folder)) for p in product_folder.rglob(
        "*.yaml") if p.name not in HAND_ONLY}
    for name in sorted(names):
        path = product_folder / name
        # Plain data: the loader's line bookkeeping must not leak into a printed edit.
        current = plain(load_yaml(path)) if path.exists() else {}
        extracted = fresh.get(name, {})
        for difference in differences(extracted, current):
            yield name, difference


def check(out: Extraction, product_folder: Path) -> Drift:
    """Compare the committed product with ``out`` and with its recorded edits."""
    edits = list(recorded(product_folder).get("edits", ()))
    keys = {(e["file"], e["at"]): e for e in edits}
    unrecorded, seen = [], set()
    for name, difference in committed_differences(out, product_folder):
        edit = keys.get((name, difference.at))
        if edit is not None and edit.get("extracted") == difference.extracted \
                and edit.get("curated") == difference.curated:
            seen.add((name, difference.at))
        else:
            unrecorded.append((name, difference))
    stale = tuple(e for key, e in keys.items() if key not in seen)
    return Drift(tuple(unrecorded), stale, len(edits))


def as_edit(name: str, difference: Difference) -> dict[str, Any]:
    """An unrecorded difference in the ``edits:`` format, its reason left to write."""
    return {"file": name, "at": difference.at, "extracted": difference.extracted,
            "curated": difference.curated, "why": "TODO"}


def apply(files: dict[str, dict[str, Any]], edits: Iterable[Mapping[str, Any]]) -> list[str]:
    """Re-apply recorded edits to freshly extracted ``files`` (in place).

    Returns the edits that no longer fit (their path is gone, or the extraction no longer
    gives the recorded ``extracted`` value), as ``file at`` strings, for the caller to report.
    """
    misfits = []
    for edit in edits:
        document = files.get(edit["file"])
        parts = str(edit["at"]).split("/")
        parent = _walk(document, parts[:-1]) if document is not None else None
        if parent is None or _get(parent, parts[-1]) != edit.get("extracted"):
            misfits.append(f"{edit['file']} {edit['at']}")
            continue
        _set(parent, parts[-1], edit.get("curated"))
    return misfits


def _walk(node: Any, parts: list[str]) -> Any:
    for part in parts:
        node = _child(node, part)
        if node is None:
            return None
    return node


def _child(node: Any, part: str) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list):
        return next((item for item in node if isinstance(item, dict)
                     and any(str(item.get(k)) == part for k in ("name", "code", "title", "id"))),
                    None)
    return None


def _get(node: Any, key: str) -> Any:
    return node.get(key) if isinstance(node, dict) else None


def _set(node: Any, key: str, value: Any) -> None:
    if value is None:
        node.pop(key, None)
    else:
        node[key] = value
