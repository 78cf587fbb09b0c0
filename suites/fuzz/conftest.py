"""Collect the property-based fuzz items: one per action and API surface (``--cmq-fuzz``).

``cmq.v3.fuzz`` and ``cmq.legacy.fuzz`` in this folder each stand for one surface; their items
are named ``fuzz[cmq.legacy SendMessage]``, carry the ``fuzz`` marker and run
``--cmq-fuzz-examples`` generated requests each (see docs/fuzz.md). ``suites/conftest.py``
leaves this folder out unless ``--cmq-fuzz`` is given.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cmqconform.fuzz import fuzz_action, fuzz_id
from cmqconform.fuzz.engine import base_clauses
from cmqconform.pytest_plugin import VerdictItem, get_run
from cmqconform.spec import load_specs


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """``<api>.fuzz`` files become a collector of that surface's fuzz items."""
    if file_path.suffix == ".fuzz" and file_path.name.startswith("cmq."):
        return FuzzFile.from_parent(parent, path=file_path)
    return None


class FuzzFile(pytest.File):
    """The fuzz items of one API surface."""

    def collect(self) -> Iterator[pytest.Item]:
        """One FuzzItem per action (none when ``--cmq-api`` excludes this surface)."""
        api = self.path.name.removesuffix(".fuzz")
        if self.config.option.cmq_api not in ("all", api):
            return
        spec = load_specs().api(api)
        for name, action in spec.actions.items():
            yield FuzzItem.from_parent(self, name=fuzz_id(api, name), api=api, action=name,
                                       clause_ids=base_clauses(spec, action))


class FuzzItem(VerdictItem):
    """N generated requests for one action, judged as one verdict."""

    def __init__(self, *, api: str, action: str, clause_ids: tuple[str, ...],
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api = api
        self.action = action
        self.clause_ids = clause_ids
        self.case_kind = "fuzz"
        self.add_marker(pytest.mark.fuzz)
        self.add_marker(pytest.mark.clause(*clause_ids))

    def runtest(self) -> None:
        """Fuzz the action; a fail raises ContractFailure, an error SuiteFault."""
        run = get_run(self.config)
        verdict = fuzz_action(run.session, run.namer, self.api, self.action,
                              examples=self.config.option.cmq_fuzz_examples, strict=run.strict)
        # The clauses the examples actually exercised (rejected invalid input included).
        self.clause_ids = verdict.clause_ids
        self.settle(verdict)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """Where the item comes from, for pytest's report."""
        # A line is required: pytest places a skip-marked item (a disabled case) by it.
        return self.path, 0, f"{self.api} {self.name}"
