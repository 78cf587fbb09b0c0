"""Every Output Example of the doc conforms to the response schema derived from the specs.

Fixtures live in ``tests/fixtures/doc_examples/<surface>/<Action>[-N].json`` as
``{"source": "cmq-api.txt:LINE", "ocr_fixes": [...], "body": <the printed JSON>}``. A fixture may
say ``"strict": false`` (with a ``"why"``) to allow members the specs do not document.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from cmqconform.models import ActionSpec, ApiSpec, Cite
from cmqconform.spec import load_specs
from cmqconform.spec.loader import default_root
from cmqconform.spec.schema import push_body_schema, response_schema
from cmqconform.spec.yamlio import load_yaml
from tests.surfaces import LEGACY, V3

FIXTURES = Path(__file__).parent / "fixtures" / "doc_examples"
#: Each surface's folder, as specs/cmq/product.yaml names it (``folder:``): v3 -> cmq.v3.
SURFACE_DIRS = {api: str(body["folder"]) for api, body in
                load_yaml(default_root() / "cmq" / "product.yaml")["surfaces"].items()}
SURFACE_OF_DIR = {folder: api for api, folder in SURFACE_DIRS.items()}
_STEM = re.compile(r"^(?P<action>[A-Z][A-Za-z]+)(?:-(?P<n>[1-9][0-9]*))?$")


def _fixture_paths() -> list[Path]:
    return sorted(FIXTURES.glob("*/*.json"))


def _fixture_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def _load(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name}: a fixture is a JSON object"
    return data


def _target(path: Path) -> tuple[ApiSpec, ActionSpec]:
    """The surface and action a fixture file names."""
    api_name = SURFACE_OF_DIR.get(path.parent.name)
    assert api_name is not None, (
        f"{_fixture_id(path)}: folder must be one of {sorted(SURFACE_OF_DIR)}")
    match = _STEM.match(path.stem)
    assert match, f"{_fixture_id(path)}: file name must be <Action>.json or <Action>-N.json"
    api = load_specs().api(api_name)
    action = match.group("action")
    assert action in api.actions, f"{_fixture_id(path)}: {api_name} has no action {action!r}"
    return api, api.action(action)


FIXTURE_PATHS = _fixture_paths()


@pytest.mark.parametrize("path", FIXTURE_PATHS, ids=_fixture_id)
def test_fixture_is_well_formed(path: Path) -> None:
    data = _load(path)
    allowed = {"source", "ocr_fixes", "body", "strict", "why"}
    assert set(data) <= allowed, f"unknown keys {sorted(set(data) - allowed)}"
    assert {"source", "ocr_fixes", "body"} <= set(data)
    cite = Cite.parse(data["source"])
    lines = (default_root() / "reference" / cite.doc).read_text(encoding="utf-8").split("\n")
    assert cite.line <= len(lines), f"{cite} is past the end of {cite.doc}"
    # Fixtures cite the line that opens the printed JSON.
    assert lines[cite.line - 1].strip().startswith("{"), (
        f"{cite} does not open a JSON example: {lines[cite.line - 1]!r}")
    assert isinstance(data["ocr_fixes"], list)
    assert all(isinstance(fix, str) and fix for fix in data["ocr_fixes"])
    assert isinstance(data["body"], dict)
    if data.get("strict", True) is not True:
        assert data["strict"] is False and data.get("why"), '"strict": false needs a "why"'


@pytest.mark.parametrize("path", FIXTURE_PATHS, ids=_fixture_id)
def test_doc_example_conforms_to_response_schema(path: Path) -> None:
    data = _load(path)
    api, action = _target(path)
    body = data["body"]
    if api.id == V3:
        assert set(body) == {"Response"}, "an API 3.0 body is {\"Response\": {...}}"
        body = body["Response"]
    schema = response_schema(api, action, strict=data.get("strict", True))
    errors = sorted(Draft202012Validator(schema).iter_errors(body), key=lambda e: list(e.path))
    assert not errors, "\n".join(
        f"{action.name} {'/'.join(map(str, e.path)) or '<root>'}: {e.message}" for e in errors)


def test_every_v3_action_has_a_doc_example() -> None:
    # Each of the 17 API 3.0 pages prints one Output Example.
    present = {_STEM.sub(r"\g<action>", p.stem)
               for p in FIXTURES.glob(f"{SURFACE_DIRS[V3]}/*.json")}
    missing = sorted(set(load_specs().api(V3).actions) - present)
    assert not missing, f"no doc example fixture for {missing}"


PUSH_FIXTURES = sorted(FIXTURES.glob("legacy/push/*.json"))


@pytest.mark.parametrize("path", PUSH_FIXTURES, ids=lambda p: f"push/{p.stem}")
def test_push_example_conforms_to_push_contract(path: Path) -> None:
    data = _load(path)
    specs = load_specs()
    push = specs.api(LEGACY).push
    for header in push["headers"]:
        if header["name"].lower().startswith("x-cmq-") and "when" not in header:
            assert header["name"] in data["headers"], f"example lacks {header['name']}"
    if data["format"] == "JSON":
        schema = push_body_schema(specs.api(LEGACY), push)
        errors = list(Draft202012Validator(schema).iter_errors(data["body"]))
        assert not errors, "\n".join(e.message for e in errors)
    else:
        assert isinstance(data["raw_body"], str), "a SIMPLIFIED body is the raw message"
