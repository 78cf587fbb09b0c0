"""Specs from a Tencent API 3.0 product doc: ``cmqconform spec extract DOC --product P``.

The doc (text extracted from the vendor's PDF, noise and all) is read into sections
(:mod:`~cmqconform.spec.extract.doc`), their tables into rows
(:mod:`~cmqconform.spec.extract.tables`), rows and prose into records
(:mod:`~cmqconform.spec.extract.reading`, :mod:`~cmqconform.spec.extract.prose`), and the records
into spec files (:mod:`~cmqconform.spec.extract.emit`). A doc that is not an API 3.0 product
doc, or is cut short, raises :class:`~cmqconform.spec.extract.doc.DocError` before anything is
written.
"""

from __future__ import annotations

from pathlib import Path

from cmqconform.spec.extract.doc import DocError, read_doc, sections
from cmqconform.spec.extract.emit import Difference, differences, documents, summary, write
from cmqconform.spec.extract.reading import Extraction, read_doc_records
from cmqconform.spec.yamlio import load_yaml

__all__ = [
    "Difference",
    "DocError",
    "Extraction",
    "differences",
    "documents",
    "extract",
    "summary",
    "write",
]

#: The vendor fact set whose common codes name the error categories (``FailedOperation``...).
VENDOR_ERRORS = Path("vendors") / "tencent" / "api3" / "errors.yaml"


def categories(specs_root: Path) -> frozenset[str]:
    """The first parts of the vendor's common codes: what an error-table row starts with."""
    codes = load_yaml(specs_root / VENDOR_ERRORS)["codes"]
    return frozenset(str(c["code"]).split(".")[0] for c in codes)


def extract(path: Path, product: str, specs_root: Path) -> Extraction:
    """Every record of the doc at ``path`` as product ``product``; DocError on a bad doc."""
    doc = sections(path.name, read_doc(path))
    return read_doc_records(doc, product, categories(specs_root))
