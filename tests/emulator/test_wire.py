"""Request decoding: dialect detection, flat parameters to spec types, response shaping."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cmqconform.emulator.faults import Fault
from cmqconform.emulator.wire import (
    CMQ_LEGACY,
    TC3,
    TCV1,
    WireRequest,
    decode_params,
    detect_dialect,
    read_request,
    scalar,
    shape,
)
from cmqconform.models import ActionSpec, Cite, FieldSpec, ParamSpec, TypeSpec
from tests.surfaces import V3

SRC = Cite("cmq-api.txt", 1)
LEGACY_PATH = "/v2/index.php"
LEGACY_PATHS = frozenset({LEGACY_PATH})
FILTER = TypeSpec("Filter", (FieldSpec("Name", "string", False, SRC),
                             FieldSpec("Values", "array<string>", False, SRC)), SRC)
TYPES = {"Filter": FILTER}


def _param(name: str, type_: str = "string", **kw: Any) -> ParamSpec:
    return ParamSpec(name=name, type=type_, required=False, source=SRC, wire_name=name, **kw)


def _action(*params: ParamSpec) -> ActionSpec:
    return ActionSpec(api=V3, name="Demo", source=SRC, summary="", request=params, response=(),
                      rules=(), errors=(), error_tables=(), clauses=())


def _flat(dialect: str, flat: dict[str, str], method: str = "POST") -> WireRequest:
    return WireRequest(dialect, method, "/", "h", {}, "", b"", flat=flat)


@pytest.mark.parametrize(("path", "headers", "flat", "expected"), [
    ("/", {"x-tc-action": "CreateQueue"}, {}, TC3),
    ("/", {"authorization": "TC3-HMAC-SHA256 Credential=x"}, {}, TC3),
    ("/", {}, {"Version": "2019-03-04"}, TCV1),
    ("/", {}, {"Action": "SendMessage"}, CMQ_LEGACY),
    (LEGACY_PATH, {}, {"Version": "2019-03-04"}, CMQ_LEGACY),
])
def test_detect_dialect(path: str, headers: dict[str, str], flat: dict[str, str],
                        expected: str) -> None:
    assert detect_dialect(path, headers, flat, LEGACY_PATHS) == expected


def test_read_request_tc3_json() -> None:
    body = json.dumps({"QueueName": "q1"}).encode()
    wire = read_request("POST", "/", "", {"host": "127.0.0.1:9", "x-tc-action": "CreateQueue",
                                          "x-tc-version": "2019-03-04"}, body, LEGACY_PATHS)
    assert (wire.dialect, wire.action, wire.host) == (TC3, "CreateQueue", "127.0.0.1:9")
    assert wire.payload == {"QueueName": "q1"}
    assert wire.common("Version") == "2019-03-04"


def test_read_request_legacy_form_without_content_type() -> None:
    wire = read_request("POST", LEGACY_PATH, "", {"host": "h"}, b"Action=SendMessage&msgBody=a%20b",
                        LEGACY_PATHS)
    assert wire.dialect == CMQ_LEGACY and wire.flat["msgBody"] == "a b"


def test_read_request_v1_get_query() -> None:
    wire = read_request("GET", "/", "Action=ClearQueue&Version=2019-03-04&QueueName=q",
                        {"host": "h"}, b"", LEGACY_PATHS)
    assert wire.dialect == TCV1 and wire.flat["QueueName"] == "q"


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]"])
def test_tc3_body_must_be_a_json_object(body: bytes) -> None:
    with pytest.raises(Fault) as info:
        read_request("POST", "/", "", {"x-tc-action": "A"}, body, LEGACY_PATHS)
    assert info.value.condition == "invalid_type"


@pytest.mark.parametrize(("text", "type_", "expected"), [
    ("12", "integer", 12), ("-3", "integer", -3), ("1.5", "integer", "1.5"),
    ("True", "boolean", True), ("false", "boolean", False), ("yes", "boolean", "yes"),
    ("12", "string", "12"),
])
def test_scalar_conversion(text: str, type_: str, expected: Any) -> None:
    assert scalar(text, type_) == expected


def test_v1_filters_unflatten_to_structs() -> None:
    action = _action(_param("Filters", "array<Filter>"), _param("Limit", "integer"),
                     _param("Trace", "boolean"))
    flat = {"Filters.0.Name": "QueueName", "Filters.0.Values.0": "a", "Filters.0.Values.1": "b",
            "Limit": "5", "Trace": "True", "Action": "X", "Version": "v", "RequestClient": "SDK"}
    decoded = decode_params(_flat(TCV1, flat), action, TYPES, frozenset({"Action", "Version"}))
    assert decoded.params == {"Filters": [{"Name": "QueueName", "Values": ["a", "b"]}],
                              "Limit": 5, "Trace": True}
    assert decoded.unknown == ()


def test_v1_unknown_parameter_is_reported() -> None:
    decoded = decode_params(_flat(TCV1, {"Bogus": "1"}), _action(), TYPES)
    assert decoded.unknown == ("Bogus",)


def test_v1_unknown_struct_member_is_reported() -> None:
    action = _action(_param("Filters", "array<Filter>"))
    decoded = decode_params(_flat(TCV1, {"Filters.0.Nope": "x"}), action, TYPES)
    assert decoded.unknown == ("Filters.0.Nope",)


@pytest.mark.parametrize("base", [0, 1])
def test_legacy_arrays_accept_base_0_and_1(base: int) -> None:
    action = _action(_param("msgBody", "array<string>", array_bases=(0, 1)))
    flat = {f"msgBody.{base + i}": f"m{i}" for i in range(3)}
    decoded = decode_params(_flat(CMQ_LEGACY, flat), action, TYPES)
    assert decoded.params == {"msgBody": ["m0", "m1", "m2"]}


@pytest.mark.parametrize("indices", [(1, 3), (2, 3), (0, 2)])
def test_legacy_arrays_must_be_contiguous(indices: tuple[int, ...]) -> None:
    action = _action(_param("msgBody", "array<string>", array_bases=(0, 1)))
    flat = {f"msgBody.{i}": "m" for i in indices}
    with pytest.raises(Fault) as info:
        decode_params(_flat(CMQ_LEGACY, flat), action, TYPES)
    assert info.value.condition == "array_not_contiguous"
    assert info.value.param == "msgBody"


def test_legacy_sdk_extras_are_not_unknown() -> None:
    flat = {"UserpollingWaitSeconds": "30", "clientRequestId": "1", "other": "x"}
    decoded = decode_params(_flat(CMQ_LEGACY, flat), _action(), TYPES)
    assert decoded.unknown == ("other",)


def test_tc3_values_pass_through_typed() -> None:
    wire = WireRequest(TC3, "POST", "/", "h", {}, "", b"",
                       payload={"Limit": 5, "Trace": True, "Extra": 1})
    decoded = decode_params(wire, _action(_param("Limit", "integer"), _param("Trace", "boolean")),
                            TYPES)
    assert decoded.params == {"Limit": 5, "Trace": True} and decoded.unknown == ("Extra",)


def test_shape_projects_case_insensitively_and_nests() -> None:
    item = TypeSpec("Item", (FieldSpec("QueueId", "string", False, SRC),
                             FieldSpec("Trace", "boolean", True, SRC, required=False),
                             FieldSpec("Tags", "array<Filter>", True, SRC)), SRC)
    fields = (FieldSpec("TotalCount", "integer", False, SRC),
              FieldSpec("QueueSet", "array<Item>", False, SRC))
    data = {"totalCount": 1, "queueSet": [{"queueId": "q-1", "extra": 1,
                                           "tags": [{"name": "k", "values": ["v"]}]}]}
    assert shape(data, fields, {**TYPES, "Item": item}) == {
        "TotalCount": 1,
        "QueueSet": [{"QueueId": "q-1", "Tags": [{"Name": "k", "Values": ["v"]}]}],
    }


@pytest.mark.parametrize("text", ["\u0663", "1\u0660", "\uff15"])
def test_non_ascii_digits_are_not_integers(text: str) -> None:
    """Arabic-Indic or full-width digits in a form value stay text (the type check refuses them)."""
    assert scalar(text, "integer") == text
