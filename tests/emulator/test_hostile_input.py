"""Hostile requests get the documented client error, never an InternalError (issue 18)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from cmqconform.dialects import Credentials
from cmqconform.dialects.call import Call
from cmqconform.emulator.auth import _timestamp
from cmqconform.emulator.faults import Fault
from cmqconform.emulator.product import NO_MUTANTS
from cmqconform.emulator.server import EmulatorServer
from cmqconform.emulator.wire import MAX_JSON_DEPTH
from cmqconform.session import Session, url_target
from cmqconform.spec import load_specs

SECRET_ID, SECRET_KEY = "AKIDcmqchostile00001", "hostile-input-key-0001"


@pytest.fixture(scope="module")
def signed() -> Iterator[tuple[Session, Call]]:
    specs = load_specs()
    with EmulatorServer({SECRET_ID: SECRET_KEY}) as url:
        target = url_target(url, Credentials.of(SECRET_ID, SECRET_KEY), specs)
        with Session(specs, target) as session:
            yield session, Call("cmq.v3", "CreateQueue", {"QueueName": "hostile"})


@pytest.mark.parametrize("body", [
    '{"QueueName": "q", "MaxMsgSize": ' + "9" * 100_000 + "}",   # past the int digit limit
    '{"QueueName": "q", "D": ' + '{"x": ' * 5000 + "1" + "}" * 5000 + "}",  # 5000 deep
], ids=["100000-digit integer", "JSON nested 5000 deep"])
def test_an_unreadable_body_is_invalid_parameter(signed: tuple[Session, Call],
                                                 body: str) -> None:
    session, call = signed
    prepared = session.target.prepare(call, session.specs)
    headers = {k: v for k, v in prepared.request.headers.items()
               if k.lower() != "content-length"}
    request = httpx.Request("POST", prepared.request.url, headers=headers, content=body.encode())
    got = session.send_request("cmq.v3", request, prepared.auth, action=call.action)
    assert got.fault is None and got.code == "InvalidParameter", got.message
    assert got.evidence.status == 200


def _raw(session: Session, call: Call, body: str, creds: Credentials | None = None) -> Any:
    """``body`` sent as ``call``'s TC3 request, signed with ``creds`` (the target's by default)."""
    target = session.target if creds is None else replace(session.target, credentials=creds)
    prepared = target.prepare(call, session.specs)
    headers = {k: v for k, v in prepared.request.headers.items()
               if k.lower() != "content-length"}
    request = httpx.Request("POST", prepared.request.url, headers=headers, content=body.encode())
    return session.send_request("cmq.v3", request, prepared.auth, action=call.action)


DEEP_1000 = '{"QueueName": "q", "D": ' + "[" * 1000 + "]" * 1000 + "}"
BIG_INT = '{"QueueName": "q", "MaxMsgSize": ' + "9" * 100_000 + "}"


@pytest.mark.parametrize("body", [DEEP_1000, BIG_INT], ids=["depth 1000", "100000 digits"])
def test_the_signature_is_checked_before_the_body_is_parsed(signed: tuple[Session, Call],
                                                            body: str) -> None:
    """An unauthenticated body never reaches the JSON parser: the answer is the signature's."""
    session, call = signed
    got = _raw(session, call, body, Credentials.of(SECRET_ID, "not-" + SECRET_KEY))
    accepted = session.specs.api("cmq.v3").conditions["signature_failure"].accept
    assert got.fault is None and got.code in {ref.code for ref in accepted}, got.message


def test_a_signed_body_past_the_depth_bound_is_invalid_parameter(
        signed: tuple[Session, Call]) -> None:
    session, call = signed
    body = '{"QueueName": "q", "D": ' + '{"x": ' * (MAX_JSON_DEPTH + 1) + "1" \
        + "}" * (MAX_JSON_DEPTH + 1) + "}"
    got = _raw(session, call, body)
    assert got.fault is None and got.code == "InvalidParameter", got.message
    assert f"deeper than {MAX_JSON_DEPTH}" in got.message
    # Brackets inside a string are text, not nesting.
    text = json.dumps({"QueueName": "q" * 3, "Note": "[" * 500})
    assert "deeper" not in _raw(session, call, text).message


@pytest.mark.parametrize(("offset", "accepted"), [
    (-300, True), (300, True), (-301, False), (301, False)])
def test_the_timestamp_window_is_the_same_both_ways(offset: int, accepted: bool) -> None:
    """cmq-api.txt:257: at most 300 s either side of the server's clock, at any fraction."""
    now = 1_700_000_000.7
    stamp = str(int(now) + offset)
    if accepted:
        assert _timestamp(stamp, "X-TC-Timestamp", now, 300, NO_MUTANTS) == int(stamp)
    else:
        with pytest.raises(Fault):
            _timestamp(stamp, "X-TC-Timestamp", now, 300, NO_MUTANTS)
