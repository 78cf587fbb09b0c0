"""Known answers from cmq-api.txt: the TC3 worked example and the legacy string to sign."""

from __future__ import annotations

import base64
import hashlib
import hmac

import httpx
import pytest

from cmqconform.dialects import tc3
from cmqconform.dialects.call import Call
from cmqconform.dialects.cmq_legacy import LegacyAuth
from cmqconform.dialects.credentials import Credentials
from cmqconform.dialects.signing import (
    hmac_base64,
    sha256_hex,
    tc3_authorization,
    tc3_canonical_request,
    tc3_credential_scope,
    tc3_date,
    tc3_signature,
    tc3_string_to_sign,
    v1_string_to_sign,
)
from tests.surfaces import V3

# cmq-api.txt:407 and 649: the doc's payload, written as the doc's Python demo writes it.
DOC_PAYLOAD = b'{"Limit": 1, "Filters": [{"Values": ["unnamed"], "Name": "instance-name"}]}'
DOC_PAYLOAD_HASH = "99d58dfbc6745f6747f36bfca17dee5e6881dc0428a0a36f96199342bc5b4907"  # :418
DOC_TIMESTAMP = 1551113065  # cmq-api.txt:435
DOC_CONTENT_TYPE = "application/json; charset=utf-8"
DOC_HOST = "cvm.tencentcloudapi.com"
# cmq-api.txt:411-419
DOC_CANONICAL_REQUEST = (
    "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\n"
    "content-type;host\n99d58dfbc6745f6747f36bfca17dee5e6881dc0428a0a36f96199342bc5b4907"
)
DOC_CANONICAL_HASH = "2815843035062fffda5fd6f2a44ea8a34818b0dc46f024b8b3786976a3adda7a"  # :454
# cmq-api.txt:450-455
DOC_STRING_TO_SIGN = (
    "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"
    "2815843035062fffda5fd6f2a44ea8a34818b0dc46f024b8b3786976a3adda7a"
)
# The doc masks its SecretKey (cmq-api.txt:463), so its final signature (ca282b0a..., :491)
# cannot be reproduced; the signature is checked against the SDK instead (test_sdk_*.py).
KEY = "test-secret-key"


def test_payload_hash_is_the_docs() -> None:
    assert sha256_hex(DOC_PAYLOAD) == DOC_PAYLOAD_HASH


def test_json_writer_reproduces_the_docs_payload() -> None:
    params = {"Limit": 1, "Filters": [{"Values": ["unnamed"], "Name": "instance-name"}]}
    assert tc3.payload_json(params) == DOC_PAYLOAD


def test_canonical_request_is_the_docs() -> None:
    canonical = tc3_canonical_request("POST", "/", "", {"content-type": DOC_CONTENT_TYPE,
                                                        "host": DOC_HOST},
                                      ["content-type", "host"], DOC_PAYLOAD)
    assert canonical == DOC_CANONICAL_REQUEST
    assert sha256_hex(canonical.encode()) == DOC_CANONICAL_HASH


def test_string_to_sign_is_the_docs() -> None:
    assert tc3_string_to_sign(DOC_TIMESTAMP, "cvm", DOC_CANONICAL_REQUEST) == DOC_STRING_TO_SIGN


@pytest.mark.parametrize(("timestamp", "date"), [
    (1551113065, "2019-02-25"),  # the doc's midnight note: 2019-02-26 00:44:25 in UTC+8
    (1551139199, "2019-02-25"),  # 23:59:59 UTC
    (1551139200, "2019-02-26"),  # 00:00:00 UTC
])
def test_credential_date_is_utc(timestamp: int, date: str) -> None:
    assert tc3_date(timestamp) == date
    assert tc3_credential_scope(timestamp, "cmq") == f"{date}/cmq/tc3_request"


def test_signature_follows_the_docs_key_derivation() -> None:
    # cmq-api.txt:459-469, written out independently of signing.py.
    def step(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    signing_key = step(step(step(("TC3" + KEY).encode(), "2019-02-25"), "cvm"), "tc3_request")
    expected = hmac.new(signing_key, DOC_STRING_TO_SIGN.encode(), hashlib.sha256).hexdigest()
    assert tc3_signature(KEY, DOC_TIMESTAMP, "cvm", DOC_STRING_TO_SIGN) == expected


def test_authorization_has_the_docs_shape() -> None:
    value = tc3_authorization("AKIDEXAMPLE", DOC_TIMESTAMP, "cvm", ["host", "content-type"],
                              "ab" * 32)
    assert value == ("TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2019-02-25/cvm/tc3_request, "
                     "SignedHeaders=content-type;host, Signature=" + "ab" * 32)


def test_tc3_auth_signs_the_docs_request() -> None:
    """The encoder + signer reproduce the doc's canonical request end to end."""
    call = Call(V3, "DescribeInstances",
                {"Limit": 1, "Filters": [{"Values": ["unnamed"], "Name": "instance-name"}]},
                headers={"Content-Type": DOC_CONTENT_TYPE})
    request = tc3.encode(call, f"https://{DOC_HOST}", region="ap-guangzhou",
                         version="2017-03-12")
    auth = tc3.Tc3Auth(Credentials.of("AKIDEXAMPLE", KEY), service="cvm",
                       clock=lambda: DOC_TIMESTAMP)
    signed = next(auth.auth_flow(request))
    assert signed.content == DOC_PAYLOAD
    assert signed.headers["X-TC-Timestamp"] == "1551113065"
    expected = tc3_signature(KEY, DOC_TIMESTAMP, "cvm", DOC_STRING_TO_SIGN)
    assert signed.headers["Authorization"] == (
        "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2019-02-25/cvm/tc3_request, "
        f"SignedHeaders=content-type;host, Signature={expected}")


# cmq-api.txt:4668-4678 (parameters) and 4736-4741 (the original signature string).
LEGACY_DOC_PARAMS = {
    "Action": "SendMessage", "SecretId": "AKIDPcY****CVYLn3zT", "Timestamp": "1534154812",
    "SignatureMethod": "HmacSHA1", "Nonce": "2889712707386595659", "queueName": "test1",
    "RequestClient": "SDK_Python_1.3", "clientRequestId": "123***1231", "delaySeconds": "0",
    "msgBody": "msg",
}
LEGACY_DOC_STRING_TO_SIGN = (
    "POSTcmq-queue-gz.api.tencentyun.com/v2/index.php?Action=SendMessage"
    "&Nonce=2889712707386595659&RequestClient=SDK_Python_1.3&SecretId=AKIDPcY****CVYLn3zT"
    "&SignatureMethod=HmacSHA1&Timestamp=1534154812&clientRequestId=123***1231&delaySeconds=0"
    "&msgBody=msg&queueName=test1"
)


def test_legacy_string_to_sign_is_the_docs() -> None:
    to_sign = v1_string_to_sign("POST", "cmq-queue-gz.api.tencentyun.com", "/v2/index.php",
                                LEGACY_DOC_PARAMS)
    assert to_sign == LEGACY_DOC_STRING_TO_SIGN


def test_legacy_auth_signs_the_docs_string() -> None:
    # The doc's example signature (C16WEtEXsD5v5tnaUMLAbZewXhI=, :4756) was made from unmasked
    # values it no longer prints, so the check is that our signer signs the doc's exact string.
    body = "&".join(f"{k}={v}" for k, v in LEGACY_DOC_PARAMS.items() if k != "SecretId")
    request = httpx.Request("POST", "http://cmq-queue-gz.api.tencentyun.com/v2/index.php",
                            content=body.encode())
    auth = LegacyAuth(Credentials.of("AKIDPcY****CVYLn3zT", KEY))
    signed = next(auth.auth_flow(request))
    params = dict(httpx.QueryParams(signed.content.decode()))
    assert params["Signature"] == hmac_base64(KEY, LEGACY_DOC_STRING_TO_SIGN, "HmacSHA1")


def test_underscores_in_keys_sign_as_dots() -> None:
    # cmq-api.txt:4732: "If an input parameter contains an underscore, ... replaced with a '.'"
    assert v1_string_to_sign("GET", "h", "/", {"msgBody_0": "x"}) == "GETh/?msgBody.0=x"


@pytest.mark.parametrize(("method", "digest"), [("HmacSHA1", hashlib.sha1),
                                                ("HmacSHA256", hashlib.sha256)])
def test_hmac_base64_matches_the_standard_library(method: str, digest: object) -> None:
    # RFC 2104 example message; the value is the base64 of the raw HMAC, as the doc requires.
    msg = "The quick brown fox jumps over the lazy dog"
    raw = hmac.new(b"key", msg.encode(), digest).digest()  # type: ignore[arg-type]
    assert hmac_base64("key", msg, method) == base64.b64encode(raw).decode()


def test_hmac_sha1_known_vector() -> None:
    # Wikipedia/RFC 2104 vector: HMAC_SHA1("key", fox) = de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9
    expected = base64.b64encode(bytes.fromhex("de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9"))
    assert hmac_base64("key", "The quick brown fox jumps over the lazy dog",
                       "HmacSHA1") == expected.decode()


def test_unknown_hmac_method_is_refused() -> None:
    with pytest.raises(ValueError, match="HmacMD5"):
        hmac_base64("key", "msg", "HmacMD5")
