"""Conformance suites: generated cases (suites/generated) and hand-written scenarios.

suites/generated, suites/properties and suites/fuzz hold no file per surface: they are collected
by directory collectors (:mod:`cmqconform.plugin_items`) yielding one virtual file per surface of
the specs.

Run through ``cmqconform run`` (or ``pytest suites/`` with the cmqconform plugin, which the
package registers as a pytest11 entry point). Fixtures come from :mod:`cmqconform.pytest_plugin`.
The property-based fuzz items (suites/fuzz) are collected only with ``--cmq-fuzz``
(``cmqconform run --fuzz``): they are opt-in and not part of the default run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

GENERATED_DIR = Path(__file__).parent / "generated"
FUZZ_DIR = Path(__file__).parent / "fuzz"
PROPERTIES_DIR = Path(__file__).parent / "properties"


def pytest_collect_directory(path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """suites/generated, suites/properties and suites/fuzz: one collector per surface the specs
    define."""
    from cmqconform.plugin_items import FuzzDirectory, GeneratedDirectory, PropertyDirectory

    if path == GENERATED_DIR:
        return GeneratedDirectory.from_parent(parent, path=path)
    if path == PROPERTIES_DIR:
        return PropertyDirectory.from_parent(parent, path=path)
    if path == FUZZ_DIR:
        return FuzzDirectory.from_parent(parent, path=path)
    return None


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Leave suites/fuzz out unless ``--cmq-fuzz`` was given."""
    if getattr(config.option, "cmq_fuzz", False):
        return None
    path = collection_path.resolve()
    if path == FUZZ_DIR or FUZZ_DIR in path.parents:
        return True
    return None
