"""Spec-driven test items: one collector per surface the specs define, under suites/.

``suites/generated`` holds the generated contract cases, ``suites/properties`` the property
cases (:mod:`cmqconform.properties`) and ``suites/fuzz`` the property-based fuzz items. No file
stands for a surface: the directory collector yields one virtual file per surface of the loaded
specs (``generated/<surface>.spec``, ``properties/<surface>.props``, ``fuzz/<surface>.fuzz``),
so a new product's cases appear when its specs do. Items are named
``CreateQueue[VisibilityTimeout=43201]`` and ``fuzz[<surface> SendMessage]`` and carry their
clause ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cmqconform.cases import generate
from cmqconform.properties import PropertyCase, property_cases, run_property
from cmqconform.pytest_plugin import VerdictItem, get_run
from cmqconform.runner import execute
from cmqconform.spec import load_specs
from cmqconform.verdicts import Case


def selected_surfaces(config: pytest.Config) -> tuple[str, ...]:
    """The surfaces ``--cmq-product`` and ``--cmq-api`` select."""
    return get_run(config).apis


class SurfaceDirectory(pytest.Directory):
    """A suites/ folder whose children are one virtual file per selected surface."""

    suffix = ""

    def collect(self) -> Iterable[pytest.Item | pytest.Collector]:
        """One file collector per surface, named ``<surface><suffix>``."""
        for api in selected_surfaces(self.config):
            yield self.file_class().from_parent(self, path=self.path / f"{api}{self.suffix}")

    def file_class(self) -> type[SurfaceFile]:
        """The collector of one surface's items."""
        raise NotImplementedError


class SurfaceFile(pytest.File):
    """The items of one surface (the file does not exist: its name is the surface)."""

    @property
    def api(self) -> str:
        """The surface id this collector stands for."""
        return self.path.name.rsplit(".", 1)[0]


class GeneratedDirectory(SurfaceDirectory):
    """suites/generated: the generated contract cases of every selected surface."""

    suffix = ".spec"

    def file_class(self) -> type[SurfaceFile]:
        """:class:`SpecFile`."""
        return SpecFile


class SpecFile(SurfaceFile):
    """All generated cases of one API surface."""

    def collect(self) -> Iterator[pytest.Item]:
        """One CaseItem per generated case."""
        for case in generate(load_specs(), [self.api]):
            yield CaseItem.from_parent(self, name=case.id, case=case)


class CaseItem(VerdictItem):
    """One generated case run against the target."""

    def __init__(self, *, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.clause_ids = case.clause_ids
        self.api = case.api
        self.action = case.action
        self.expects = case.expected
        self.case_kind = case.kind
        self.add_marker(pytest.mark.clause(*case.clause_ids))
        self.add_marker(getattr(pytest.mark, case.kind))

    def runtest(self) -> None:
        """Execute the case; a fail raises ContractFailure, an error SuiteFault."""
        run = get_run(self.config)
        self.settle(execute(self.case, run.session, run.namer, strict=run.strict,
                            pool=run.pool))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """Where the case comes from, for pytest's report."""
        # A line is required: pytest places a skip-marked item (a disabled case) by it.
        return self.path, 0, f"{self.case.api} {self.case.id}"


class PropertyDirectory(SurfaceDirectory):
    """suites/properties: the property cases of every selected surface (round trips, strict
    reads, name scope and matching, timers, signature integrity)."""

    suffix = ".props"

    def file_class(self) -> type[SurfaceFile]:
        """:class:`PropertyFile`."""
        return PropertyFile


class PropertyFile(SurfaceFile):
    """All property cases of one API surface."""

    def collect(self) -> Iterator[pytest.Item]:
        """One PropertyItem per property case."""
        for case in property_cases(load_specs(), self.api):
            yield PropertyItem.from_parent(self, name=case.id, case=case)


class PropertyItem(VerdictItem):
    """One property case run against the target (its second account too, when it has one)."""

    def __init__(self, *, case: PropertyCase, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.clause_ids = case.clause_ids
        self.api = case.api
        self.action = case.action
        self.case_kind = case.kind
        self.add_marker(pytest.mark.clause(*case.clause_ids))
        self.add_marker(pytest.mark.property)
        if case.slow:
            self.add_marker(pytest.mark.slow)

    def runtest(self) -> None:
        """Run the property; a fail raises ContractFailure, an error SuiteFault."""
        run = get_run(self.config)
        second = run.second_session() if self.case.kind == "unique" else None
        self.settle(run_property(self.case, run.session, run.namer, second, run.lender))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """Where the case comes from, for pytest's report."""
        return self.path, 0, f"{self.case.api} {self.case.id}"


class FuzzDirectory(SurfaceDirectory):
    """suites/fuzz: the property-based fuzz items (``--cmq-fuzz``), per selected surface."""

    suffix = ".fuzz"

    def file_class(self) -> type[SurfaceFile]:
        """:class:`FuzzFile`."""
        return FuzzFile


class FuzzFile(SurfaceFile):
    """The fuzz items of one API surface."""

    def collect(self) -> Iterator[pytest.Item]:
        """One FuzzItem per action (none for REST actions: the fuzz transport speaks the
        synthetic RPC paths only)."""
        # schemathesis and hypothesis cost every process 0.35 s to import: only with --cmq-fuzz.
        from cmqconform.fuzz.engine import base_clauses, fuzz_id

        spec = load_specs().api(self.api)
        for name, action in spec.actions.items():
            if action.http is not None:
                continue
            yield FuzzItem.from_parent(self, name=fuzz_id(self.api, name), api=self.api,
                                       action=name, clause_ids=base_clauses(spec, action))


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
        from cmqconform.fuzz.engine import fuzz_action

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
