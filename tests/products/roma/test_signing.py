"""Known-answer tests: our SDK-HMAC-SHA256 signer against huaweicloudsdkcore's own."""

from __future__ import annotations

import httpx
import pytest

from cmqconform.dialects import Call, Credentials
from cmqconform.dialects import huawei_signing as hs
from cmqconform.dialects.huawei_rest import encode
from cmqconform.spec import load_specs

sdk_signer = pytest.importorskip("huaweicloudsdkcore.signer.signer")
sdk_request = pytest.importorskip("huaweicloudsdkcore.sdk_request")
sdk_credentials = pytest.importorskip("huaweicloudsdkcore.auth.credentials")

AK, SK = "HPUAKNOWNANSWER0000", "known-answer-secret-key-0123456789"
DATE = "20251022T080910Z"
NOW = 1761120550.0  # the UNIX time of DATE
PATH = "/v2/proj-1/mqs/instances/inst 1/messages"
QUERY = [("topic", "orders"), ("asc", "false"), ("limit", "10"), ("end_time", "1608609032042"),
         ("start_time", "1608608432042"), ("key", "a b~c/é")]


def sdk_authorization(headers: dict[str, str]) -> str:
    """What huaweicloudsdkcore signs for the same request."""
    creds = sdk_credentials.BasicCredentials(AK, SK)
    request = sdk_request.SdkRequest(method="GET", schema="http", host="127.0.0.1:9000",
                                     resource_path=PATH, query_params=list(QUERY),
                                     header_params=dict(headers), body="")
    signed = sdk_signer.Signer(creds).sign(request)
    return str(signed.header_params["Authorization"])


def test_sdk_date_format() -> None:
    assert hs.sdk_date(NOW) == DATE


def test_pure_helpers_match_the_sdk() -> None:
    headers = {"Content-Type": "application/json", "X-Project-Id": "proj-1",
               "X-Sdk-Date": DATE, "Host": "127.0.0.1:9000"}
    signed = hs.signed_header_names(headers)
    canonical = hs.canonical_request("GET", PATH, QUERY, headers, signed, b"")
    ours = hs.authorization(AK, signed, hs.signature(SK, hs.string_to_sign(DATE, canonical)))
    assert ours == sdk_authorization(headers)


def test_httpx_auth_matches_the_sdk() -> None:
    request = httpx.Request("GET", httpx.URL("http://127.0.0.1:9000" + PATH,
                                             params=QUERY))
    auth = hs.AkSkAuth(Credentials.of(AK, SK), project_id="proj-1", clock=lambda: NOW)
    signed = next(auth.auth_flow(request))
    headers = {"X-Project-Id": "proj-1", "X-Sdk-Date": DATE, "Host": "127.0.0.1:9000"}
    assert signed.headers["Authorization"] == sdk_authorization(headers)


def test_verify_accepts_the_sdk_signature_and_refuses_a_tampered_one() -> None:
    headers = {"X-Sdk-Date": DATE, "Host": "127.0.0.1:9000"}
    header = sdk_authorization(headers)
    parsed = hs.parse_authorization(header)
    assert parsed is not None and parsed.access_key == AK
    full = {**headers, "Authorization": header}
    assert hs.verify("GET", PATH, QUERY, full, b"", SK, parsed)
    assert not hs.verify("GET", PATH, QUERY, full, b"", SK + "x", parsed)
    assert not hs.verify("GET", PATH, [*QUERY, ("tag", "x")], full, b"", SK, parsed)


def test_parse_authorization_refuses_other_schemes() -> None:
    assert hs.parse_authorization("TC3-HMAC-SHA256 Credential=x") is None
    assert hs.parse_authorization("") is None


def test_encode_fills_the_path_and_the_query() -> None:
    specs = load_specs()
    action = specs.api("roma.v2").action("ShowMqsInstanceMessages")
    call = Call("roma.v2", action.name, {"project_id": "p/1", "instance_id": "i-1",
                                         "topic": "t", "asc": True, "limit": 5})
    request = encode(call, "http://127.0.0.1:1", action)
    assert request.method == "GET"
    assert request.url.raw_path == b"/v2/p%2F1/mqs/instances/i-1/messages?topic=t&asc=true&limit=5"
