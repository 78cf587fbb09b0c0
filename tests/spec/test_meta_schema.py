"""The meta-schemas are valid JSON Schemas, and the loader's errors name file:line."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from cmqconform.errors import SpecError
from cmqconform.spec import load_specs
from cmqconform.spec.loader import SCHEMA_NAMES, collect
from tests.spec.conftest import SpecTree

SCHEMA_DIR = resources.files("cmqconform.spec").joinpath("schemas")
SCHEMA_FILES = sorted(p.name for p in SCHEMA_DIR.iterdir() if p.name.endswith(".json"))


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_each_meta_schema_is_a_valid_draft_2020_12_schema(name: str) -> None:
    schema = json.loads(SCHEMA_DIR.joinpath(name).read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_every_schema_file_is_loaded_by_the_loader() -> None:
    assert sorted(f"{n}.json" for n in SCHEMA_NAMES) == SCHEMA_FILES


def test_yaml_syntax_error_names_file_and_line(tree: SpecTree) -> None:
    line = tree.replace("v3/CreateQueue.yaml", "summary:", "summary: [unclosed\nx:")
    with pytest.raises(SpecError) as info:
        load_specs(tree.root)
    error = info.value
    assert error.file == "specs/cmq/v3/CreateQueue.yaml"
    assert error.rule == "yaml.syntax"
    assert error.line is not None and line <= error.line <= line + 1
    assert str(error).startswith(f"specs/cmq/v3/CreateQueue.yaml:{error.line}: invalid YAML")


def test_duplicate_key_names_the_second_key(tree: SpecTree) -> None:
    line = tree.replace("v3/CreateQueue.yaml", "summary:", "summary: once\nsummary:")
    _, problems = collect(tree.root)
    assert any(p.rule == "yaml.duplicate-key" and p.line == line + 1 for p in problems)


def test_load_specs_reports_the_first_problem_and_the_count(tree: SpecTree) -> None:
    tree.replace("v3/CreateQueue.yaml", "errata: polling-wait-range", "errata: [not, an, id]")
    tree.replace("v3/DeleteQueue.yaml", "api: cmq.v3", "api: 3")
    with pytest.raises(SpecError, match=r"and 1 more; run 'cmqconform spec lint'"):
        load_specs(tree.root)


def test_unusable_service_file_does_not_cascade_into_pattern_errors(tree: SpecTree) -> None:
    tree.replace("service.yaml", "patterns:", "patterns: [unclosed")
    _, problems = collect(tree.root)
    assert [p.rule for p in problems] == ["yaml.syntax"]
    assert problems[0].file == "specs/cmq/service.yaml"


def test_missing_cmq_folder_is_a_layout_problem(tmp_path: Path) -> None:
    _, problems = collect(tmp_path)
    assert [p.rule for p in problems] == ["layout"]
