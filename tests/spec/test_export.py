"""``spec export``: the normalised JSON document other tools consume."""

from __future__ import annotations

import contextlib
import io
import json
import re
from typing import Any

import pytest

from cmqconform.cli import main
from cmqconform.spec import load_specs
from tests.surfaces import APIS, V3

PARAM_KEYS = {"name", "wire_name", "type", "required", "min", "max", "max_length", "pattern",
              "enum", "default", "max_items"}
FIELD_KEYS = {"name", "type", "nullable"}
TYPE_NAME = re.compile(r"^(string|integer|boolean|array<[A-Za-z][A-Za-z0-9]*>|[A-Z][A-Za-z0-9]*)$")


@pytest.fixture(scope="module", params=APIS)
def exported(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The export of one surface, through the CLI (module-scoped, so no capsys)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["spec", "export", "--api", request.param, "--format", "json"]) == 0
    document: dict[str, Any] = json.loads(out.getvalue())
    return document


def _check_type(document: dict[str, Any], type_name: str) -> None:
    assert TYPE_NAME.match(type_name), type_name
    item = type_name[6:-1] if type_name.startswith("array<") else type_name
    assert item in {"string", "integer", "boolean"} or item in document["types"], type_name


def test_top_level_shape(exported: dict[str, Any]) -> None:
    assert {"api", "version", "actions", "types"} <= set(exported)
    assert exported["api"] in APIS
    assert exported["version"] == {"cmq.v3": "2019-03-04", "cmq.legacy": "2017"}[exported["api"]]
    assert exported["actions"]


def test_every_action_has_request_response_errors(exported: dict[str, Any]) -> None:
    for name, action in exported["actions"].items():
        assert {"request", "response", "errors"} <= set(action), name
        assert all("code" in error for error in action["errors"]), name


def test_every_request_member_has_the_constraint_keys(exported: dict[str, Any]) -> None:
    for name, action in exported["actions"].items():
        for param in action["request"]:
            assert set(param) >= PARAM_KEYS, (name, param["name"])
            assert isinstance(param["required"], bool)
            _check_type(exported, param["type"])
            if param["min"] is not None and param["max"] is not None:
                assert param["min"] <= param["max"], (name, param["name"])
            if param["pattern"] is not None:
                re.compile(param["pattern"])


def test_every_response_and_type_member_has_name_type_nullable(exported: dict[str, Any]
                                                               ) -> None:
    members = [m for a in exported["actions"].values() for m in a["response"]]
    members += [m for fields in exported["types"].values() for m in fields]
    assert members
    for member in members:
        assert set(member) >= FIELD_KEYS, member
        assert isinstance(member["nullable"], bool)
        _check_type(exported, member["type"])


def test_export_is_stable_json(exported: dict[str, Any]) -> None:
    assert json.loads(json.dumps(exported)) == exported


def test_surface_facts_are_exported(exported: dict[str, Any]) -> None:
    """product, dialect, service, path, methods, regions, signature methods, common
    parameters and conditions come from product.yaml and the shared vendor facts."""
    facts = load_specs().api(exported["api"]).facts
    v3 = exported["api"] == V3
    assert exported["product"] == "cmq" and exported["service"] == "cmq"
    assert exported["dialect"] == ("tencent_v3" if v3 else "cmq_legacy")
    assert exported["path"] == ("/" if v3 else "/v2/index.php")
    assert exported["methods"] == ["POST", "GET"]
    assert exported["regions"] == list(facts.region_ids)
    assert ("ap-guangzhou" if v3 else "gz") in exported["regions"]
    assert exported["signature_methods"] == [m.name for m in facts.signature_methods]
    assert ("TC3-HMAC-SHA256" in exported["signature_methods"]) is v3
    params = {p["name"]: p for p in exported["common_params"]}
    assert {"name", "type", "required", "location", "signers"} <= set(params["Action"])
    assert params["Action"]["required"] is True
    if v3:
        assert params["X-TC-Action"] == {"name": "X-TC-Action", "type": "string",
                                         "required": True, "location": "header",
                                         "signers": ["tc3"]}
    else:
        assert params["Action"]["signers"] == ["cmq_legacy"]
    # Conditions: the surface's own plus, for API 3.0, the shared ones (unknown_action).
    assert exported["conditions"]["queue_not_found"]
    assert all("code" in ref for refs in exported["conditions"].values() for ref in refs)
    assert "unknown_action" in exported["conditions"]


def test_a_reader_that_goes_away_gets_no_traceback() -> None:
    """`cmqconform spec export ... | head -1`: exit 0, nothing on stderr."""
    import subprocess
    import sys

    export = subprocess.Popen([sys.executable, "-m", "cmqconform", "spec", "export", "--api",
                               "trtc.v3"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert export.stdout is not None and export.stderr is not None
    export.stdout.readline()
    export.stdout.close()  # the reader goes away after one line
    with export.stderr:
        err = export.stderr.read().decode()
    assert export.wait(timeout=60) == 0 and "Traceback" not in err and "Broken" not in err, err
