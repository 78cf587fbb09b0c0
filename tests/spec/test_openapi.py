"""The OpenAPI export: a valid OpenAPI 3.1 document whose schemas say what the specs say."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
import schemathesis
from jsonschema import Draft202012Validator
from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

from cmqconform.cli import main
from cmqconform.models import SpecSet
from cmqconform.spec import load_specs
from cmqconform.spec.openapi import (
    envelope_schema,
    error_envelope_schema,
    openapi_document,
    operation_path,
    parse_operation_path,
    request_schema,
)
from tests.surfaces import APIS, LEGACY, V3


@pytest.fixture(scope="module")
def specs() -> SpecSet:
    return load_specs()


@pytest.fixture(scope="module")
def document(specs: SpecSet) -> dict[str, Any]:
    # The RPC surfaces (REST surfaces have real routes: tests/products/roma/test_specs.py).
    return openapi_document(specs, rpc_surfaces(specs))


def rpc_surfaces(specs: SpecSet) -> list[str]:
    """Surfaces whose actions have no REST route."""
    return [s for s in specs.apis if all(a.http is None for a in specs.api(s).actions.values())]


def test_document_is_valid_openapi_31(document: dict[str, Any]) -> None:
    # The official OAS 3.1 meta-schema, as schemathesis bundles it.
    OPENAPI_31_VALIDATOR.validate(document)
    assert document["openapi"].startswith("3.1")


def test_every_schema_is_valid_json_schema(document: dict[str, Any]) -> None:
    for path, item in document["paths"].items():
        op = item["post"]
        Draft202012Validator.check_schema(
            op["requestBody"]["content"]["application/json"]["schema"])
        Draft202012Validator.check_schema(
            op["responses"]["200"]["content"]["application/json"]["schema"])
        assert path == operation_path(op["x-cmq-api"], op["x-cmq-action"])


def test_one_synthetic_path_per_action(specs: SpecSet, document: dict[str, Any]) -> None:
    expected = {operation_path(api, action) for api in rpc_surfaces(specs) for action in
                specs.api(api).actions}
    assert set(document["paths"]) == expected
    assert parse_operation_path("/cmq.legacy/SendMessage") == (LEGACY, "SendMessage")
    with pytest.raises(ValueError, match="not a synthetic CMQ operation path"):
        parse_operation_path("/v2/index.php/x")


def test_schemathesis_loads_every_operation(document: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_dict(document)
    for path in document["paths"]:
        assert schema[path]["POST"].label == f"POST {path}"


def test_request_schema_carries_every_constraint(specs: SpecSet) -> None:
    keywords = {"min": "minimum", "max": "maximum", "min_length": "minLength",
                "max_length": "maxLength", "pattern": "pattern", "max_items": "maxItems"}
    checked = 0
    for api_name in APIS:
        api = specs.api(api_name)
        for action in api.actions.values():
            schema = request_schema(api, action)
            assert schema["additionalProperties"] is False
            assert set(schema["required"]) == {p.wire_name for p in action.request
                                               if p.required}
            for param in action.request:
                prop = schema["properties"][param.wire_name]
                assert str(param.source) in prop["description"]
                for attr, keyword in keywords.items():
                    if getattr(param, attr) is not None:
                        assert prop[keyword] == getattr(param, attr)
                        checked += 1
                if param.enum is not None:
                    assert prop["enum"] == list(param.enum)
                if param.item_max_length is not None:
                    assert prop["items"]["maxLength"] == param.item_max_length
    assert checked > 50


def test_envelope_schema_tells_success_from_error(specs: SpecSet) -> None:
    v3 = specs.api(V3)
    queue = Draft202012Validator(envelope_schema(v3, v3.action("CreateQueue")))
    assert queue.is_valid({"Response": {"QueueId": "q-1", "RequestId": "r"}})
    assert queue.is_valid({"Response": {"Error": {"Code": "InvalidParameter", "Message": "m"},
                                        "RequestId": "r"}})
    assert not queue.is_valid({"Response": {"QueueId": 7, "RequestId": "r"}})
    assert not queue.is_valid({"Response": {"Error": {"Code": "", "Message": "m"},
                                            "RequestId": "r"}})
    legacy = specs.api(LEGACY)
    send = Draft202012Validator(envelope_schema(legacy, legacy.action("SendMessage")))
    assert send.is_valid({"code": 0, "message": "", "requestId": "r", "msgId": "m"})
    assert send.is_valid({"code": 4000, "message": "(10110) bad", "requestId": "r"})
    # A zero code is a success, so it must carry the success members.
    assert not send.is_valid({"code": 0, "message": "", "requestId": "r"})


def test_envelope_schema_is_built_from_the_envelope_fact(specs: SpecSet) -> None:
    """Member names come from ``facts.envelope``, not from a per-surface constant."""
    v3 = specs.api(V3)
    renamed = replace(v3, facts=replace(v3.facts, envelope={
        "wrapper": "Result", "request_id": "ReqId", "error": "Fault", "code": "Kind",
        "message": "Text"}))
    action = renamed.action("CreateQueue")
    schema = Draft202012Validator(envelope_schema(renamed, action))
    assert schema.is_valid({"Result": {"Fault": {"Kind": "InvalidParameter", "Text": "m"},
                                       "ReqId": "r"}})
    assert not schema.is_valid({"Response": {"Error": {"Code": "InvalidParameter",
                                                       "Message": "m"}, "RequestId": "r"}})
    legacy = specs.api(LEGACY)
    flat = replace(legacy, facts=replace(legacy.facts, envelope={
        "code": "retcode", "message": "msg", "request_id": "reqid", "success_code": 0}))
    error = Draft202012Validator(error_envelope_schema(flat))
    assert error.is_valid({"retcode": 4000, "msg": "(10110) bad", "reqid": "r"})
    assert not error.is_valid({"retcode": 0, "msg": "", "reqid": "r"})
    assert not error.is_valid({"code": 4000, "message": "(10110) bad", "requestId": "r"})


def test_cli_exports_openapi(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spec", "export", "--api", LEGACY, "--format", "openapi"]) == 0
    doc = json.loads(capsys.readouterr().out)
    OPENAPI_31_VALIDATOR.validate(doc)
    assert all(path.startswith(f"/{LEGACY}/") for path in doc["paths"])
    assert doc["paths"]["/cmq.legacy/SendMessage"]["post"]["x-cmq-host"] == "queue"
