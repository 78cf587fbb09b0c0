"""Collect the generated contract cases: one item per case, from the specs.

``cmq.v3.spec`` and ``cmq.legacy.spec`` in this folder each stand for one API surface; their
items are named like ``CreateQueue[VisibilityTimeout=43201]`` and carry their clause ids.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cmqconform.cases import generate
from cmqconform.pytest_plugin import VerdictItem, get_run
from cmqconform.runner import execute
from cmqconform.spec import load_specs
from cmqconform.verdicts import Case


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """``<api>.spec`` files become a collector of that surface's cases."""
    if file_path.suffix == ".spec" and file_path.name.startswith("cmq."):
        return SpecFile.from_parent(parent, path=file_path)
    return None


class SpecFile(pytest.File):
    """All generated cases of one API surface."""

    def collect(self) -> Iterator[pytest.Item]:
        """One CaseItem per generated case (none when ``--cmq-api`` excludes this surface)."""
        api = self.path.name.removesuffix(".spec")
        option = self.config.option.cmq_api
        if option not in ("all", api):
            return
        for case in generate(load_specs(), [api]):
            yield CaseItem.from_parent(self, name=case.id, case=case)


class CaseItem(VerdictItem):
    """One generated case run against the target."""

    def __init__(self, *, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.expects = case.expected
        self.case_kind = case.kind
        self.clause_ids = case.clause_ids
        self.api = case.api
        self.action = case.action
        self.add_marker(pytest.mark.clause(*case.clause_ids))
        self.add_marker(getattr(pytest.mark, case.kind))

    def runtest(self) -> None:
        """Execute the case; a fail raises ContractFailure, an error SuiteFault."""
        run = get_run(self.config)
        self.settle(execute(self.case, run.session, run.namer, strict=run.strict))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """Where the case comes from, for pytest's report."""
        # A line is required: pytest places a skip-marked item (a disabled case) by it.
        return self.path, 0, f"{self.case.api} {self.case.id}"
