"""The loader reads specs/ into frozen models with derived clauses."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from cmqconform.models import Cite
from cmqconform.spec import load_specs
from cmqconform.spec.loader import CACHE_ENV, _load_cached
from tests.surfaces import V3


def test_create_queue_visibility_timeout_is_loaded_with_its_source() -> None:
    action = load_specs().api(V3).action("CreateQueue")
    param = action.param("VisibilityTimeout")
    assert (param.min, param.max, param.default) == (1, 43200, 30)
    assert param.source == Cite("cmq-api.txt", 3540)


def test_named_pattern_is_resolved_to_its_regex() -> None:
    param = load_specs().api(V3).action("CreateQueue").param("QueueName")
    assert param.pattern_name == "resource_name"
    assert param.pattern is not None and param.pattern.startswith("^[A-Za-z]")


def test_constraint_clauses_are_derived_with_stable_ids() -> None:
    action = load_specs().api(V3).action("CreateQueue")
    clause = action.clause("cmq.v3.CreateQueue.VisibilityTimeout.range")
    assert clause.category == "range"
    assert str(clause.source) == "cmq-api.txt:3540"


def test_a_clean_build_is_kept_for_the_next_process_and_a_bad_copy_is_built_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    _load_cached.cache_clear()
    try:
        built = load_specs()
        copies = list((tmp_path / "spec-sets").glob("*.pickle"))
        assert len(copies) == 1
        _load_cached.cache_clear()
        assert sorted(load_specs().apis) == sorted(built.apis)  # read back, not built
        copies[0].write_bytes(b"not a pickle")  # an interrupted write, a disk error
        _load_cached.cache_clear()
        assert sorted(load_specs().apis) == sorted(built.apis)
        assert pickle.loads(copies[0].read_bytes()).apis.keys() == built.apis.keys()
    finally:
        _load_cached.cache_clear()


def test_the_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, "off")
    monkeypatch.setenv("HOME", str(tmp_path))
    _load_cached.cache_clear()
    try:
        load_specs()
        assert not list(tmp_path.rglob("*.pickle"))
    finally:
        _load_cached.cache_clear()


def test_a_copy_of_the_specs_elsewhere_is_not_read_back_from_anothers_build(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A spec set names its own folder (clause links, cited docs): two checkouts with the same
    # files must not share one build.
    from cmqconform.spec.loader import _built_copy, default_root

    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    copy = tmp_path / "specs"
    shutil.copytree(default_root(), copy)
    assert _built_copy(copy) != _built_copy(default_root())
