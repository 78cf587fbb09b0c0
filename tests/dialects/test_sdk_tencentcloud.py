"""Cross-verification against tencentcloud-sdk-python-common==3.0.1299 (API 3.0).

The SDK and this package each send the same call to a loopback recorder with the same fixed
timestamp and nonce (the SDK's ``time`` and ``random`` are patched in
``tencentcloud.common.abstract_client``, the module that builds and signs requests). Every signed
part must be byte-identical and the signatures equal.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from cmqconform.dialects import BOOL_TEXT_PYTHON, Call, Credentials
from cmqconform.spec import load_specs
from tests.dialects.conftest import Captured, Recorder, prepare
from tests.surfaces import V3

pytestmark = pytest.mark.sdk

ac = pytest.importorskip("tencentcloud.common.abstract_client")
from tencentcloud.common import credential  # noqa: E402
from tencentcloud.common.common_client import CommonClient  # noqa: E402
from tencentcloud.common.profile.client_profile import ClientProfile  # noqa: E402
from tencentcloud.common.profile.http_profile import HttpProfile  # noqa: E402

TIMESTAMP = 1551113065
NONCE = 2889712707386595659
SECRET_ID = "AKIDcrossverify0000000000000000000"
SECRET_KEY = "cross-verify-secret-key-0000000000"
TOKEN = "session-token-with+plus/slash=="
REGION = "ap-guangzhou"
VERSION = "2019-03-04"
SDK_CLIENT = ac.AbstractClient._sdkVersion

#: Parameter sets, by id. Spaces are kept out of the GET-capable sets: see
#: test_tc3_get_space_encoding_differs for the one place the encodings legitimately differ.
CASES: dict[str, dict[str, Any]] = {
    "basic": {"QueueName": "queue-1", "MaxMsgHeapNum": 1000000},
    "nested": {"Offset": 0, "Limit": 20,
               "Filters": [{"Name": "QueueName", "Values": ["a", "b"]},
                           {"Name": "Tag", "Values": ["x"]}]},
    "reserved": {"QueueName": "a&b=c?d/e+f%g#h~i*j'k(l)!;:@$,[]{}|\\^`\"<>"},
    "non_ascii": {"QueueName": "队列-ünï-😀", "Note": "tab\there\nnewline"},
    "boolean": {"QueueName": "q", "Trace": True, "Transaction": False},
    "empty_array": {"Filters": [], "Limit": 1},
    "long_query": {"QueueName": "q", "Note": "y" * 20_000},
    "long_body": {"QueueName": "q", "Note": "x" * 200_000},
}
#: A GET request is limited to 32 KB (cmq-api.txt:236): the long body goes by POST only.
POST_ONLY = {"long_body"}
MATRIX = [
    pytest.param(case, sign, http, id=f"{case}-{sign}-{http}")
    for case in CASES for sign in ("TC3-HMAC-SHA256", "HmacSHA1", "HmacSHA256")
    for http in ("POST", "GET") if not (http == "GET" and case in POST_ONLY)
]


@pytest.fixture
def fixed_sdk_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Freeze the SDK's timestamp and nonce."""
    monkeypatch.setattr(ac, "time", SimpleNamespace(time=lambda: TIMESTAMP))
    monkeypatch.setattr(ac, "random", SimpleNamespace(randint=lambda a, b: NONCE))


def sdk_send(recorder: Recorder, sign_method: str, http_method: str, action: str,
             params: dict[str, Any], token: str | None) -> Captured:
    profile = ClientProfile(signMethod=sign_method, httpProfile=HttpProfile(
        protocol="http", endpoint=f"127.0.0.1:{recorder.port}", reqMethod=http_method,
        reqTimeout=10))
    profile.disable_region_breaker = True
    cred = credential.Credential(SECRET_ID, SECRET_KEY, token)
    CommonClient("cmq", VERSION, cred, REGION, profile).call_json(action, params)
    return recorder.last()


def our_send(recorder: Recorder, sign_method: str, http_method: str, action: str,
             params: dict[str, Any], token: str | None) -> Captured:
    tcv1 = sign_method != "TC3-HMAC-SHA256"
    if tcv1:
        # RequestClient is a signed parameter in v1: send the SDK's so the strings agree.
        params = {**params, "RequestClient": SDK_CLIENT}
    prepared = prepare(
        Call(V3, action, params, http_method=http_method), base_url=recorder.url,
        credentials=Credentials.of(SECRET_ID, SECRET_KEY, token), signature_method=sign_method,
        region=REGION, language="zh-CN",
        clock=lambda: TIMESTAMP, nonce=lambda: NONCE, bool_text=BOOL_TEXT_PYTHON)
    with httpx.Client(trust_env=False, timeout=10) as client:
        response = client.send(prepared.request, auth=prepared.auth)
    assert response.status_code == 200
    return recorder.last()


def test_the_spec_facts_are_what_the_sdk_is_given() -> None:
    """Our requests take version, service and path from the specs; the SDK's are fixed here."""
    facts = load_specs().api(V3).facts
    assert (facts.version, facts.service, facts.path, facts.dialect) == (
        VERSION, "cmq", "/", "tencent_v3")


TC3_SIGNED_HEADERS = ("Authorization", "Content-Type", "Host", "X-TC-Action", "X-TC-Version",
                      "X-TC-Region", "X-TC-Timestamp", "X-TC-Language", "X-TC-Token")


def assert_same_tc3(sdk: Captured, ours: Captured) -> None:
    assert (ours.method, ours.path) == (sdk.method, sdk.path)
    for name in TC3_SIGNED_HEADERS:
        assert ours.header(name) == sdk.header(name), name
    assert ours.query == sdk.query
    assert ours.body == sdk.body


def assert_same_v1(sdk: Captured, ours: Captured) -> None:
    assert (ours.method, ours.path, ours.header("Host")) == (sdk.method, sdk.path,
                                                              sdk.header("Host"))
    # Every parameter is signed, so the decoded parameter sets must be equal, Signature too.
    assert ours.params() == sdk.params()
    assert ours.params()["Signature"] == sdk.params()["Signature"]


@pytest.mark.usefixtures("fixed_sdk_clock")
@pytest.mark.parametrize("token", [None, TOKEN], ids=["no_token", "token"])
@pytest.mark.parametrize(("case", "sign_method", "http_method"), MATRIX)
def test_same_request_as_the_sdk(recorder: Recorder, case: str, sign_method: str,
                                 http_method: str, token: str | None) -> None:
    params = CASES[case]
    sdk = sdk_send(recorder, sign_method, http_method, "DescribeQueue", params, token)
    ours = our_send(recorder, sign_method, http_method, "DescribeQueue", params, token)
    if sign_method == "TC3-HMAC-SHA256":
        assert_same_tc3(sdk, ours)
    else:
        assert_same_v1(sdk, ours)


@pytest.mark.usefixtures("fixed_sdk_clock")
def test_tc3_get_space_encoding_differs(recorder: Recorder) -> None:
    """The SDK form-encodes a space as '+', we follow RFC 3986 ('%20', cmq-api.txt:399).

    Both requests are self-consistent (each signs the query it sends); only the bytes differ.
    """
    params = {"QueueName": "a b"}
    sdk = sdk_send(recorder, "TC3-HMAC-SHA256", "GET", "DescribeQueue", params, None)
    ours = our_send(recorder, "TC3-HMAC-SHA256", "GET", "DescribeQueue", params, None)
    assert (sdk.query, ours.query) == ("QueueName=a+b", "QueueName=a%20b")


@pytest.mark.usefixtures("fixed_sdk_clock")
@pytest.mark.parametrize("sign_method", ["HmacSHA1", "HmacSHA256"])
def test_v1_signs_raw_values_so_spaces_agree(recorder: Recorder, sign_method: str) -> None:
    params = {"QueueName": "a b", "Note": "c  d"}
    sdk = sdk_send(recorder, sign_method, "GET", "DescribeQueue", params, None)
    ours = our_send(recorder, sign_method, "GET", "DescribeQueue", params, None)
    assert_same_v1(sdk, ours)
