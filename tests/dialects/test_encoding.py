"""Request encoding of the three dialects: names from specs, flattening, edge cases."""

from __future__ import annotations

import json

import httpx
import pytest

from cmqconform.dialects import Call, Credentials, cmq_legacy, get_dialect, tc3, tcv1
from cmqconform.dialects.call import decode_pairs, flatten, rfc3986
from cmqconform.dialects.signing import hmac_base64, tc3_canonical_request, v1_string_to_sign
from cmqconform.models import ActionSpec, Cite, ParamSpec
from tests.dialects.conftest import prepare
from tests.surfaces import LEGACY, V3

CREDS = Credentials.of("AKIDtest", "secret-key", "tok")
SRC = Cite("cmq-api.txt", 1)


def legacy_action(host: str = "queue", bases: tuple[int, ...] = (0, 1)) -> ActionSpec:
    params = (
        ParamSpec("queueName", "string", True, SRC, wire_name="queueName"),
        ParamSpec("msgBody", "array<string>", True, SRC, wire_name="msgBody",
                  array_bases=bases),
        ParamSpec("Renamed", "integer", False, SRC, wire_name="delaySeconds"),
    )
    return ActionSpec(LEGACY, "BatchSendMessage", SRC, "", params, (), (), (), (), (),
                      host=host)


def pairs_of(request: httpx.Request) -> list[tuple[str, str]]:
    text = request.url.query if request.method == "GET" else request.content
    return decode_pairs(text.decode("ascii"))


def test_rfc3986_upper_hex_and_unreserved() -> None:
    assert rfc3986("a b+c/~-._*ü") == "a%20b%2Bc%2F~-._%2A%C3%BC"


def test_flatten_nested_structs_and_arrays() -> None:
    value = [{"Name": "n", "Values": ["a", "b"], "Inner": {"Deep": [True]}}]
    assert flatten("Filters", value) == [
        ("Filters.0.Name", "n"), ("Filters.0.Values.0", "a"), ("Filters.0.Values.1", "b"),
        ("Filters.0.Inner.Deep.0", "true")]


def test_flatten_empty_and_none_send_nothing() -> None:
    assert flatten("Filters", []) == []
    assert flatten("Filters", {}) == []
    assert flatten("X", None) == []


def test_flatten_base_applies_to_the_outer_array_only() -> None:
    assert flatten("msgBody", ["a", ["b"]], base=1) == [("msgBody.1", "a"), ("msgBody.2.0", "b")]


def test_tc3_headers_and_body() -> None:
    request = tc3.encode(Call(V3, "CreateQueue", {"QueueName": "q", "Tags": []}),
                         "http://127.0.0.1:9000", region="ap-guangzhou", version="2019-03-04",
                         language="en-US")
    assert request.url.path == "/" and request.method == "POST"
    assert request.headers["X-TC-Action"] == "CreateQueue"
    assert request.headers["X-TC-Version"] == "2019-03-04"
    assert request.headers["X-TC-Region"] == "ap-guangzhou"
    assert request.headers["X-TC-Language"] == "en-US"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Host"] == "127.0.0.1:9000"
    assert json.loads(request.content) == {"QueueName": "q", "Tags": []}  # empty array kept


def test_tc3_auth_signs_host_with_port_and_token() -> None:
    request = tc3.encode(Call(V3, "CreateQueue", {"QueueName": "q"}), "http://127.0.0.1:9000",
                         region="ap-guangzhou", version="2019-03-04")
    signed = next(tc3.Tc3Auth(CREDS, service="cmq", clock=lambda: 1551139200)
                  .auth_flow(request))
    assert signed.headers["X-TC-Token"] == "tok"
    assert signed.headers["X-TC-Timestamp"] == "1551139200"
    assert "Credential=AKIDtest/2019-02-26/cmq/tc3_request" in signed.headers["Authorization"]
    canonical = tc3_canonical_request("POST", "/", "", dict(signed.headers),
                                      ["content-type", "host"], signed.content)
    assert "host:127.0.0.1:9000\n" in canonical


def test_tc3_keeps_a_timestamp_set_by_the_call() -> None:
    """Expired-signature tests set X-TC-Timestamp themselves; the signer must not replace it."""
    call = Call(V3, "ListQueue", {}, common={"Timestamp": "1000000000", "Region": None})
    request = tc3.encode(call, "http://h", region="ap-guangzhou", version="v")
    signed = next(tc3.Tc3Auth(CREDS, service="cmq", clock=lambda: 2e9).auth_flow(request))
    assert signed.headers["X-TC-Timestamp"] == "1000000000"
    assert "X-TC-Region" not in signed.headers
    assert "/2001-09-09/cmq/" in signed.headers["Authorization"]


def test_tcv1_get_query_and_signature_over_raw_values() -> None:
    call = Call(V3, "DescribeQueue", {"Filters": [{"Name": "QueueName", "Values": ["a b&c"]}]},
                http_method="GET")
    request = tcv1.encode(call, "http://127.0.0.1:9000", region="ap-guangzhou", version="v")
    signed = next(tcv1.HmacAuth(CREDS, "HmacSHA256", clock=lambda: 5, nonce=lambda: 7)
                  .auth_flow(request))
    query = signed.url.query.decode()
    assert "Filters.0.Values.0=a%20b%26c" in query and "+" not in query
    params = dict(pairs_of(signed))
    assert params | {"Signature": "x"} == {
        "Action": "DescribeQueue", "Version": "v", "Region": "ap-guangzhou",
        "Filters.0.Name": "QueueName", "Filters.0.Values.0": "a b&c", "Timestamp": "5",
        "Nonce": "7", "SecretId": "AKIDtest", "SignatureMethod": "HmacSHA256", "Token": "tok",
        "Signature": "x"}
    to_sign = v1_string_to_sign("GET", "127.0.0.1:9000", "/", params)
    assert "Filters.0.Values.0=a b&c" in to_sign


def test_tcv1_post_form() -> None:
    request = tcv1.encode(Call(V3, "CreateQueue", {"QueueName": "q", "Trace": False}),
                          "http://h", region="r", version="v")
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    signed = next(tcv1.HmacAuth(CREDS, "HmacSHA1").auth_flow(request))
    params = dict(pairs_of(signed))
    assert params["Trace"] == "false" and params["SignatureMethod"] == "HmacSHA1"
    assert int(signed.headers["Content-Length"]) == len(signed.content)


def test_unknown_signature_method_value_is_signed_with_sha1() -> None:
    """cmq-api.txt:315: any SignatureMethod other than HmacSHA256 is verified with HmacSHA1."""
    call = Call(V3, "ListQueue", {}, common={"SignatureMethod": "HmacMD5"})
    request = tcv1.encode(call, "http://h", region="r", version="v")
    signed = next(tcv1.HmacAuth(CREDS, "HmacSHA256", clock=lambda: 1, nonce=lambda: 2)
                  .auth_flow(request))
    params = dict(pairs_of(signed))
    expected = hmac_base64("secret-key", v1_string_to_sign("POST", "h", "/", params), "HmacSHA1")
    assert params["Signature"] == expected


@pytest.mark.parametrize("base", [0, 1])
def test_legacy_arrays_from_the_chosen_base(base: int) -> None:
    call = Call(LEGACY, "BatchSendMessage", {"queueName": "q", "msgBody": ["a", "b"]},
                array_base=base)
    request = cmq_legacy.encode(call, "http://127.0.0.1:9000", action=legacy_action())
    assert request.url.path == "/v2/index.php"
    keys = [k for k, _ in pairs_of(request)]
    assert keys == ["Action", "queueName", f"msgBody.{base}", f"msgBody.{base + 1}"]


def test_legacy_default_base_is_the_specs_first_and_wire_names_come_from_spec() -> None:
    call = Call(LEGACY, "BatchSendMessage", {"msgBody": ["a"], "Renamed": 3, "bogus": "x"})
    request = cmq_legacy.encode(call, "http://h", action=legacy_action(bases=(1,)))
    assert pairs_of(request)[1:] == [("msgBody.1", "a"), ("delaySeconds", "3"), ("bogus", "x")]


def test_legacy_raw_params_are_sent_as_given() -> None:
    call = Call(LEGACY, "BatchSendMessage", {"msgBody.0": "a", "msgBody.2": "gap"},
                http_method="GET")
    request = cmq_legacy.encode(call, "http://h")
    assert request.url.query == b"Action=BatchSendMessage&msgBody.0=a&msgBody.2=gap"


def test_legacy_host_from_spec() -> None:
    assert cmq_legacy.host_of(legacy_action("topic"), "X") == "topic"
    with pytest.raises(ValueError, match="which host"):
        cmq_legacy.host_of(None, "X")


def test_prepare_picks_the_signer() -> None:
    common = {"credentials": CREDS, "region": "r"}
    tc3_prepared = prepare(Call(V3, "A"), base_url="http://h", signature_method="TC3-HMAC-SHA256",
                           **common)  # type: ignore[arg-type]
    v1 = prepare(Call(V3, "A"), base_url="http://h", signature_method="HmacSHA1",
                 **common)  # type: ignore[arg-type]
    legacy = prepare(Call(LEGACY, "A"), base_url="http://h", signature_method="HmacSHA256",
                     **common)  # type: ignore[arg-type]
    assert (tc3_prepared.dialect, v1.dialect, legacy.dialect) == ("tc3", "tcv1", "cmq_legacy")
    assert isinstance(tc3_prepared.auth, tc3.Tc3Auth)
    assert isinstance(legacy.auth, cmq_legacy.LegacyAuth)
    with pytest.raises(ValueError, match="signature method must be one of"):
        prepare(Call(LEGACY, "A"), base_url="http://h", signature_method="TC3-HMAC-SHA256",
                **common)  # type: ignore[arg-type]


def test_dialect_registry_and_signers() -> None:
    v3, legacy = get_dialect("tencent_v3"), get_dialect("cmq_legacy")
    assert dict(v3.signers) == {"TC3-HMAC-SHA256": "tc3", "HmacSHA1": "tcv1",
                                "HmacSHA256": "tcv1"}
    assert dict(legacy.signers) == {"HmacSHA1": "cmq_legacy", "HmacSHA256": "cmq_legacy"}
    assert (v3.name, legacy.name) == ("tencent_v3", "cmq_legacy")
    with pytest.raises(ValueError, match="unknown dialect 'nope'"):
        get_dialect("nope")


def test_call_validates_method_and_base() -> None:
    with pytest.raises(ValueError, match="http_method"):
        Call(V3, "A", http_method="PUT")
    with pytest.raises(ValueError, match="array_base"):
        Call(LEGACY, "A", array_base=2)


def test_signing_through_a_mock_transport() -> None:
    """The auth works inside a real httpx client, and the body the transport sees is signed."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"code": 0, "message": "", "requestId": "r"})

    prepared = prepare(Call(LEGACY, "SendMessage", {"queueName": "q", "msgBody": "m"}),
                       base_url="http://queue.example:8080", credentials=CREDS,
                       signature_method="HmacSHA256", region="gz")
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        client.send(prepared.request, auth=prepared.auth)
    params = dict(pairs_of(seen[0]))
    assert {"Signature", "Nonce", "Timestamp", "SecretId", "Token"} <= params.keys()
    assert params["Region"] == "gz" and seen[0].headers["Host"] == "queue.example:8080"
