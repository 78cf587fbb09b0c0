"""``cmqconform spec extract DOC --product P [--out DIR]``: write specs from a product doc."""

from __future__ import annotations

import argparse
import json
import re
import shutil
from pathlib import Path

from cmqconform.errors import ConfigError
from cmqconform.spec.extract import documents, extract, summary, write
from cmqconform.spec.extract.edits import EDITS_FILE, HAND_ONLY, apply, as_edit, check, recorded
from cmqconform.spec.extract.emit import dump
from cmqconform.spec.loader import default_root

_PRODUCT = re.compile(r"^[a-z][a-z0-9]*$")


def add_extract_parser(spec: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``spec extract`` under the ``spec`` command."""
    parser = spec.add_parser("extract", help="write specs from a Tencent API 3.0 product doc")
    parser.add_argument("doc", type=Path, help="the doc as text extracted from its PDF")
    parser.add_argument("--product", required=True, help="the product id (the specs folder)")
    parser.add_argument("--out", type=Path,
                        help="the specs directory to write <product>/ into (default: the "
                             "bundled specs/); the doc is copied to its reference/ folder")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing <out>/<product>/ folder")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--check", action="store_true",
                        help="write nothing: compare the committed specs/<product>/ with a "
                             "fresh extraction and its recorded hand edits (extract.yaml); "
                             "exit 1 on an unrecorded or stale edit")
    parser.set_defaults(func=cmd_spec_extract)


def cmd_spec_extract(args: argparse.Namespace) -> int:
    """Extract, then write the product folder and print what was found and what is a draft."""
    if not _PRODUCT.match(args.product):
        raise ConfigError(f"--product {args.product!r}: a product id is lower-case letters "
                          f"and digits, starting with a letter")
    specs_root = Path(args.specs) if args.specs else default_root()
    if args.check:
        return _check(args, specs_root)
    out_root = args.out or specs_root
    folder = out_root / args.product
    if folder.exists() and not args.force:
        raise ConfigError(f"--out: {folder} exists; pass --force to replace it or --out to "
                          f"write elsewhere")
    reference = out_root / "reference" / args.doc.name
    extraction = extract(args.doc, args.product, specs_root)
    if reference.exists() and reference.read_bytes() != args.doc.read_bytes():
        raise ConfigError(f"--out: {reference} exists with other content; the citations would "
                          f"point at a different doc")
    files = documents(extraction)
    staging = folder.with_name(f".{folder.name}.extracting")
    shutil.rmtree(staging, ignore_errors=True)
    if folder.exists():
        # Re-extracting a product keeps what people wrote and re-applies the recorded edits.
        for name in HAND_ONLY:
            if (folder / name).exists():
                (staging / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(folder / name, staging / name)
        misfits = apply(files, recorded(folder).get("edits", ()))
        for misfit in misfits:
            print(f"recorded edit no longer applies: {misfit}")
    # Written aside, then swapped in: a failure half-way leaves the product as it was.
    write(files, staging, f"Extracted from {args.doc.name} by `cmqconform spec extract "
                          f"--product {args.product}`; see extract.yaml for the hand edits.")
    if folder.exists():
        shutil.rmtree(folder)
    staging.rename(folder)
    reference.parent.mkdir(parents=True, exist_ok=True)
    if not reference.exists():
        shutil.copyfile(args.doc, reference)
    counts = summary(extraction)
    if args.json:
        print(json.dumps(counts, indent=2))
        return 0
    print(f"{args.doc.name} -> {folder}/: {counts['actions']} actions ({counts['surface']} "
          f"{counts['version']}), {counts['members']} members, {counts['structures']} "
          f"structures, {counts['codes']} codes, {counts['examples']} examples")
    drafts = ", ".join(f"{n} {kind}" for kind, n in counts["drafts_by_reason"].items())
    print(f"drafts: {counts['drafts']}{f' ({drafts})' if drafts else ''}; skipped sections: "
          f"{counts['skipped_sections']}; see {args.product}/drafts.yaml" if counts["drafts"]
          or counts["skipped_sections"] else "drafts: 0")
    return 0


def _check(args: argparse.Namespace, specs_root: Path) -> int:
    folder = specs_root / args.product
    if not (folder / "product.yaml").exists():
        raise ConfigError(f"--check: {folder} has no product.yaml to compare with")
    drift = check(extract(args.doc, args.product, specs_root), folder)
    if not drift:
        print(f"{args.product}: the committed specs are the extraction plus {drift.edits} "
              f"recorded hand edits")
        return 0
    if drift.unrecorded:
        print(f"{len(drift.unrecorded)} difference(s) not recorded in {EDITS_FILE}:")
        print(dump({"edits": [as_edit(name, d) for name, d in drift.unrecorded]}))
    for edit in drift.stale:
        print(f"stale edit (no longer a difference): {edit['file']} {edit['at']}")
    return 1
