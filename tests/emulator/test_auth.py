"""Signature verification of TC3, v1 and legacy requests against the Host header as received."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from cmqconform.emulator.auth import AccountKeys, verify
from cmqconform.emulator.faults import Fault
from cmqconform.emulator.wire import read_request

from .signed import LEGACY_PATH, LEGACY_PATHS, SID, SKEY, hmac_params, tc3

HOST = "127.0.0.1:9000"
NOW = 1_700_000_000
SKEW = 300
CREDS = AccountKeys({SID: SKEY})


def _tc3(host: str = HOST, **kw: object):  # type: ignore[no-untyped-def]
    kw.setdefault("timestamp", NOW)
    headers, body = tc3("CreateQueue", {"QueueName": "q1"}, HOST, **kw)  # type: ignore[arg-type]
    lowered = {k.lower(): v for k, v in headers.items()}
    lowered["host"] = host
    return read_request("POST", "/", "", lowered, body, LEGACY_PATHS)


def _hmac(method: str = "POST", path: str = "/", host: str = HOST, signed_host: str = HOST,
          v1: bool = True, tamper: dict[str, str] | None = None, **kw: object):  # type: ignore[no-untyped-def]
    kw.setdefault("timestamp", NOW)
    flat = hmac_params("ClearQueue", {"QueueName": "q1"}, signed_host, method=method, path=path,
                       v1=v1, **kw)  # type: ignore[arg-type]
    flat.update(tamper or {})
    text = urlencode(flat)
    query, body = (text, b"") if method == "GET" else ("", text.encode())
    return read_request(method, path, query, {"host": host}, body, LEGACY_PATHS)


def _condition(request) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(Fault) as info:
        verify(request, CREDS, NOW, SKEW)
    assert SKEY not in str(info.value)
    return info.value.condition


def test_tc3_valid() -> None:
    assert verify(_tc3(), CREDS, NOW, SKEW) == SID


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("signature_method", ["HmacSHA1", "HmacSHA256"])
def test_v1_valid(method: str, signature_method: str) -> None:
    assert verify(_hmac(method, signature_method=signature_method), CREDS, NOW, SKEW) == SID


@pytest.mark.parametrize("path", [LEGACY_PATH, "/"])
def test_legacy_valid_on_both_paths(path: str) -> None:
    assert verify(_hmac(path=path, v1=False, signature_method="HmacSHA1"), CREDS, NOW,
                  SKEW) == SID


def test_tccli_signs_the_literal_scheme_and_host() -> None:
    literal = f"http://{HOST}"
    assert verify(_hmac(host=literal, signed_host=literal), CREDS, NOW, SKEW) == SID


def test_host_must_match_exactly_including_port() -> None:
    assert _condition(_hmac(host="127.0.0.1:9001")) == "signature_failure"
    assert _condition(_tc3(host="127.0.0.1")) == "signature_failure"


def test_wrong_key() -> None:
    assert _condition(_tc3(key="other")) == "signature_failure"
    assert _condition(_hmac(key="other")) == "signature_failure"


def test_tampered_parameter() -> None:
    assert _condition(_hmac(tamper={"QueueName": "q2"})) == "signature_failure"


def test_unknown_secret_id() -> None:
    assert _condition(_tc3(sid="AKIDnobody")) == "secret_id_not_found"
    assert _condition(_hmac(sid="AKIDnobody")) == "secret_id_not_found"


@pytest.mark.parametrize("offset", [-SKEW - 1, SKEW + 1])
def test_timestamp_skew(offset: int) -> None:
    assert _condition(_tc3(timestamp=NOW + offset)) == "signature_expired"
    assert _condition(_hmac(timestamp=NOW + offset)) == "signature_expired"


def test_skew_boundary_is_accepted() -> None:
    assert verify(_hmac(timestamp=NOW + SKEW), CREDS, NOW, SKEW) == SID


def test_missing_signature_or_secret_id() -> None:
    for name in ("Signature", "SecretId"):
        request = _hmac()
        flat = dict(request.flat)
        del flat[name]
        bare = read_request("POST", "/", "", {"host": HOST}, urlencode(flat).encode(),
                            LEGACY_PATHS)
        assert _condition(bare) == "missing_auth"
    headers, body = tc3("CreateQueue", {}, HOST, timestamp=NOW)
    lowered = {k.lower(): v for k, v in headers.items() if k != "Authorization"}
    assert _condition(read_request("POST", "/", "", lowered, body, LEGACY_PATHS)) == "missing_auth"


def test_credentials_repr_hides_keys() -> None:
    assert SKEY not in repr(CREDS) and SID in repr(CREDS)


TOKEN = "session-token-1"
TEMPORARY = AccountKeys({SID: SKEY}, {SID: TOKEN})


def _tc3_with_token(token: str | None):  # type: ignore[no-untyped-def]
    request = _tc3()
    if token is not None:
        request.headers["x-tc-token"] = token  # not a signed header
    return request


def _v1_with_token(token: str | None, v1: bool = True):  # type: ignore[no-untyped-def]
    params = {"QueueName": "q1", **({"Token": token} if token is not None else {})}
    flat = hmac_params("ClearQueue", params, HOST, timestamp=NOW, v1=v1)
    return read_request("POST", "/", "", {"host": HOST}, urlencode(flat).encode(), LEGACY_PATHS)


@pytest.mark.parametrize("build", [_tc3_with_token, _v1_with_token])
def test_temporary_credentials_need_their_own_token(build) -> None:  # type: ignore[no-untyped-def]
    assert verify(build(TOKEN), TEMPORARY, NOW, SKEW) == SID
    for wrong in ("session-token-2", None):
        with pytest.raises(Fault) as info:
            verify(build(wrong), TEMPORARY, NOW, SKEW)
        assert info.value.condition == "invalid_token" and TOKEN not in str(info.value)
    # A permanent key needs no token.
    assert verify(build(None), CREDS, NOW, SKEW) == SID


def test_legacy_requests_are_not_token_checked() -> None:
    # The legacy doc names a Token parameter but no code for a wrong one (cmq-api.txt:4507).
    assert verify(_v1_with_token("wrong", v1=False), TEMPORARY, NOW, SKEW) == SID
