"""Hostile requests get the documented client error, never an InternalError (issue 18)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from cmqconform.dialects import Credentials
from cmqconform.dialects.call import Call
from cmqconform.emulator.auth import _timestamp
from cmqconform.emulator.faults import Fault
from cmqconform.emulator.product import NO_MUTANTS
from cmqconform.emulator.server import EmulatorServer
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
    got = session.send_request("cmq.v3", request, prepared.auth)
    assert got.fault is None and got.code == "InvalidParameter", got.message
    assert got.evidence.status == 200


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
