"""Broken copies of the spec tree: copy ``specs/`` to tmp, plant one defect, lint it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from cmqconform.errors import SpecError
from cmqconform.spec.lint import lint
from cmqconform.spec.loader import default_root
from cmqconform.spec.yamlio import LineDict, load_yaml


@dataclass(frozen=True)
class SpecTree:
    """A private copy of ``specs/`` (the reference doc is shared by a symlink)."""

    root: Path

    def path(self, rel: str) -> Path:
        """A file under ``specs/cmq`` (``v3/CreateQueue.yaml``), or under ``specs/`` when ``rel``
        starts with ``vendors/`` (``vendors/tencent/api3/errors.yaml``)."""
        return self.root / self.under(rel)

    @staticmethod
    def under(rel: str) -> str:
        """``rel`` relative to the specs root."""
        return rel if rel.startswith("vendors/") else f"cmq/{rel}"

    @classmethod
    def display(cls, rel: str) -> str:
        """How lint names the file ``rel``: ``specs/cmq/v3/errors.yaml``."""
        return f"specs/{cls.under(rel)}"

    def replace(self, rel: str, old: str, new: str) -> int:
        """Replace the first ``old`` in a file by ``new``; the 1-based line where it was."""
        path = self.path(rel)
        text = path.read_text(encoding="utf-8")
        at = text.find(old)
        assert at >= 0, f"{old!r} not found in {rel}"
        path.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")
        return text.count("\n", 0, at) + 1

    def doc(self, rel: str) -> LineDict:
        """A spec file parsed with line numbers."""
        doc = load_yaml(self.path(rel))
        assert isinstance(doc, LineDict)
        return doc

    def item(self, rel: str, section: str, name: str) -> LineDict:
        """The entry called ``name`` of a list such as ``request`` or ``response``."""
        for entry in self.doc(rel)[section]:
            if entry.get("name") == name:
                return entry  # type: ignore[no-any-return]
        raise AssertionError(f"{rel} has no {section} entry {name!r}")

    def lint(self) -> list[SpecError]:
        """``spec lint`` over this copy."""
        return lint(self.root)


def copy_specs(dest: Path) -> SpecTree:
    """Copy the project's specs (every product and vendor fact set) to ``dest/specs``."""
    source = default_root()
    root = dest / "specs"
    shutil.copytree(source, root, ignore=lambda folder, names: (
        ["reference"] if Path(folder) == source else []))
    (root / "reference").symlink_to((source / "reference").resolve(), target_is_directory=True)
    return SpecTree(root)


@pytest.fixture
def tree(tmp_path: Path) -> SpecTree:
    """A fresh copy of the specs to break."""
    return copy_specs(tmp_path)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Problems of an untouched copy (empty when the specs are clean), as strings."""
    return {str(p) for p in copy_specs(tmp_path_factory.mktemp("clean")).lint()}


@pytest.fixture
def new_problems(tree: SpecTree, baseline: set[str]) -> Callable[[], list[SpecError]]:
    """Lint the broken copy and keep only what the defect added."""

    def run() -> list[SpecError]:
        return [p for p in tree.lint() if str(p) not in baseline]

    return run
