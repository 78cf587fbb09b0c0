"""Response decoding into one envelope; every garbled body is a DecodeFailure, never a raise."""

from __future__ import annotations

import json

import httpx
import pytest

from cmqconform.dialects import Call, Credentials, get_dialect
from cmqconform.dialects.envelope import (
    ApiError,
    Decoded,
    DecodeFailure,
    Envelope,
    WireEvidence,
    decode_legacy,
    decode_tencent_v3,
    module_code,
    redact_header,
    redact_request,
)
from cmqconform.spec import load_specs
from tests.dialects.conftest import prepare
from tests.surfaces import LEGACY, V3


def decode(api: str, response: httpx.Response | WireEvidence) -> Decoded:
    """The answer decoded by the dialect the surface ``api`` names in the specs."""
    return get_dialect(load_specs().api(api).facts.dialect).decode(response)


def ev(body: bytes | str, status: int = 200, ctype: str = "application/json") -> WireEvidence:
    raw = body.encode() if isinstance(body, str) else body
    return WireEvidence(status, (("Content-Type", ctype),), raw)


def test_v3_success() -> None:
    result = decode(V3, ev('{"Response": {"RequestId": "r1", "QueueId": "q"}}'))
    assert isinstance(result, Envelope) and result.ok
    assert (result.request_id, result.data, result.error) == ("r1", {"QueueId": "q"}, None)


def test_v3_error() -> None:
    body = {"Response": {"RequestId": "r2", "Error": {"Code": "InvalidParameterValue.X",
                                                      "Message": "bad"}}}
    result = decode(V3, ev(json.dumps(body)))
    assert isinstance(result, Envelope) and not result.ok
    assert result.error == ApiError("InvalidParameterValue.X", "bad")
    assert result.data is None


def test_legacy_success_and_error_with_module_code() -> None:
    ok = decode(LEGACY, ev('{"code": 0, "message": "", "requestId": "r", "queueId": "q"}'))
    assert isinstance(ok, Envelope) and ok.data == {"queueId": "q"}
    bad = decode(LEGACY, ev('{"code": 4000, "message": "(10430) action name is not existed",'
                            ' "requestId": "r"}'))
    assert isinstance(bad, Envelope)
    assert bad.error == ApiError(4000, "(10430) action name is not existed", 10430)


@pytest.mark.parametrize(("message", "module"), [
    ("(10430) action name is not existed", 10430), ("  (100004)incorrect", 100004),
    ("no module here", None), ("action (10430) later", None), ("", None)])
def test_module_code(message: str, module: int | None) -> None:
    assert module_code(message) == module


def test_legacy_missing_request_id_is_decoded_as_none() -> None:
    result = decode(LEGACY, ev('{"code": 0, "message": ""}'))
    assert isinstance(result, Envelope) and result.request_id is None


def test_evidence_is_kept() -> None:
    response = httpx.Response(503, headers={"X-A": "1", "Content-Type": "text/html"},
                              content=b"<html>busy</html>")
    result = decode(V3, response)
    assert isinstance(result, DecodeFailure)
    assert result.evidence.status == 503 and result.evidence.body == b"<html>busy</html>"
    assert ("x-a", "1") in result.evidence.headers
    assert "HTTP 503" in str(result) and "text/html" in str(result)


GARBLED_V3 = {
    "empty": b"",
    "whitespace": b"  \n",
    "html": b"<html><body>502 Bad Gateway</body></html>",
    "truncated": b'{"Response": {"RequestId": "r"',
    "not_utf8": b'\xff\xfe{"Response": 1}',
    "array": b"[1, 2]",
    "string": b'"Response"',
    "null": b"null",
    "no_response": b'{"RequestId": "r"}',
    "response_list": b'{"Response": []}',
    "request_id_int": b'{"Response": {"RequestId": 5}}',
    "error_string": b'{"Response": {"Error": "boom"}}',
    "code_int": b'{"Response": {"Error": {"Code": 4000, "Message": "x"}}}',
    "code_empty": b'{"Response": {"Error": {"Code": "", "Message": "x"}}}',
    "message_object": b'{"Response": {"Error": {"Code": "X", "Message": {}}}}',
    "deep_nesting": b"[" * 100_000 + b"]" * 100_000,
    "nan_garbage": b"NaN trailing",
}
GARBLED_LEGACY = {
    "empty": b"",
    "html": b"<!DOCTYPE html><title>404</title>",
    "truncated": b'{"code": 0, "message": ',
    "array": b'[{"code": 0}]',
    "no_code": b'{"message": "", "requestId": "r"}',
    "code_string": b'{"code": "0", "message": "", "requestId": "r"}',
    "code_float": b'{"code": 0.0, "message": ""}',
    "code_bool": b'{"code": false, "message": ""}',
    "code_null": b'{"code": null, "message": ""}',
    "message_int": b'{"code": 4000, "message": 10430}',
    "request_id_list": b'{"code": 0, "message": "", "requestId": ["r"]}',
    "v3_shape": b'{"Response": {"RequestId": "r"}}',
}


@pytest.mark.parametrize("body", GARBLED_V3.values(), ids=GARBLED_V3.keys())
def test_garbled_v3_bodies_are_decode_failures(body: bytes) -> None:
    result = decode(V3, ev(body))
    assert isinstance(result, DecodeFailure) and not result.ok
    assert result.evidence.body == body and result.reason


@pytest.mark.parametrize("body", GARBLED_LEGACY.values(), ids=GARBLED_LEGACY.keys())
def test_garbled_legacy_bodies_are_decode_failures(body: bytes) -> None:
    result = decode(LEGACY, ev(body))
    assert isinstance(result, DecodeFailure) and not result.ok
    assert result.evidence.body == body and result.reason


def test_failure_reason_names_the_member() -> None:
    result = decode(LEGACY, ev(GARBLED_LEGACY["code_string"]))
    assert isinstance(result, DecodeFailure) and "'code' is '0'" in result.reason


def test_each_dialect_decodes_with_its_own_envelope() -> None:
    v3_body, legacy_body = ev(GARBLED_LEGACY["v3_shape"]), ev('{"code": 0, "message": ""}')
    v3 = decode(V3, v3_body)
    legacy = decode(LEGACY, legacy_body)
    assert isinstance(v3, Envelope) and isinstance(legacy, Envelope)
    assert (v3.dialect, legacy.dialect) == ("tencent_v3", "cmq_legacy")
    assert v3 == decode_tencent_v3(v3_body) and legacy == decode_legacy(legacy_body)
    # Each envelope is garbage to the other dialect.
    crossed = decode(LEGACY, v3_body)
    assert isinstance(crossed, DecodeFailure) and crossed.dialect == "cmq_legacy"
    assert isinstance(decode_tencent_v3(legacy_body), DecodeFailure)


def test_unknown_dialect_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match=r"unknown dialect 'cmq\.v9'"):
        get_dialect("cmq.v9")


SECRET_KEY = "super-secret-key-value"
TOKEN = "tmp-token-value"


@pytest.mark.parametrize(("api", "method", "http"), [
    (V3, "TC3-HMAC-SHA256", "POST"), (V3, "TC3-HMAC-SHA256", "GET"), (V3, "HmacSHA1", "GET"),
    (V3, "HmacSHA256", "POST"), (LEGACY, "HmacSHA1", "POST"), (LEGACY, "HmacSHA256", "GET")])
def test_redacted_request_shows_no_secret(api: str, method: str, http: str) -> None:
    creds = Credentials.of("AKIDredact", SECRET_KEY, TOKEN)
    # A careless caller might even send the key as a parameter; it must still be masked.
    call = Call(api, "SendMessage", {"queueName": "q", "SecretKey": SECRET_KEY}, http_method=http)
    prepared = prepare(call, base_url="http://127.0.0.1:1", credentials=creds,
                       signature_method=method, region="r")
    signed = next(prepared.auth.auth_flow(prepared.request))
    shown = redact_request(signed, creds.secrets())
    text = repr(shown)
    signature = (dict(httpx.QueryParams(signed.url.query.decode() or signed.content.decode()))
                 .get("Signature") or signed.headers["Authorization"].rsplit("=", 1)[1])
    for secret in (SECRET_KEY, TOKEN, signature):
        assert secret not in text
    assert "***" in text and "queueName" in text


def test_redact_header_keeps_the_credential_scope() -> None:
    value = ("TC3-HMAC-SHA256 Credential=AKID/2019-02-25/cmq/tc3_request, "
             "SignedHeaders=content-type;host, Signature=abcdef")
    assert redact_header("Authorization", value).endswith("Signature=***")
    assert "2019-02-25" in redact_header("Authorization", value)
    assert redact_header("Authorization", "Basic Zm9v") == "***"
    assert redact_header("X-TC-Token", "t") == "***"
    assert redact_header("X-TC-Action", "A") == "A"


def test_redact_json_body_recursively() -> None:
    request = httpx.Request("POST", "http://h/", headers={"Content-Type": "application/json"},
                            json={"a": [{"Token": "t1"}], "Signature": "s"})
    body = redact_request(request).body
    assert "t1" not in body and json.loads(body) == {"a": [{"Token": "***"}], "Signature": "***"}
