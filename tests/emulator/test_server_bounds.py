"""The emulator's server holds under hostile clients and stops cleanly (issue 18, item 6).

Silent clients are disconnected after the head timeout, connections past the cap get 503 at
once (never a failing ``accept``), a repeated log line cannot flood the log, and a shutdown
answers every long poll in flight with the documented empty receive, never HTTP 500. Every
wait is bounded; the bounds are lowered here so a few sockets show them.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any

import pytest

from cmqconform.dialects import Credentials
from cmqconform.emulator import asgi
from cmqconform.emulator.product import build_product
from cmqconform.emulator.server import EmulatorServer
from cmqconform.session import Session, url_target
from cmqconform.spec import load_specs
from tests.surfaces import LEGACY, V3

SECRET_ID, SECRET_KEY = "AKIDcmqcbounds00001", "server-bounds-key-0001"
#: Bounds on every wait of these tests (a loaded two-core machine).
WAIT_SECONDS = 30.0


def _session(url: str, timeout: float = 30.0) -> Session:
    specs = load_specs()
    return Session(specs, url_target(url, Credentials.of(SECRET_ID, SECRET_KEY), specs),
                   timeout=timeout)


def _closed_by_server(sock: socket.socket) -> bytes:
    """What the server sent before closing ``sock`` (bounded wait)."""
    sock.settimeout(WAIT_SECONDS)
    data = b""
    try:
        while chunk := sock.recv(4096):
            data += chunk
    except ConnectionResetError:
        pass  # closed with its unread head pending: a reset, still closed by the server
    return data


@pytest.fixture
def low_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(asgi, "MAX_CONNECTIONS", 12)
    monkeypatch.setattr(asgi, "HEAD_TIMEOUT", 0.5)


def test_silent_clients_are_dropped_and_the_excess_refused_at_once(low_bounds: None) -> None:
    with EmulatorServer({SECRET_ID: SECRET_KEY}) as url:
        port = int(url.rsplit(":", 1)[1])
        silent = [socket.create_connection(("127.0.0.1", port)) for _ in range(20)]
        slow = socket.create_connection(("127.0.0.1", port))
        slow.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")  # a head that never ends
        try:
            answers = [_closed_by_server(s) for s in (*silent, slow)]
        finally:
            for sock in (*silent, slow):
                sock.close()
        refused = [a for a in answers if a.startswith(b"HTTP/1.1 503")]
        # Past the cap: 503 at once; the rest held a descriptor until the head timeout.
        assert len(refused) >= 20 + 1 - asgi.MAX_CONNECTIONS
        assert all(a == b"" or a.startswith(b"HTTP/1.1 503") for a in answers)
        # Once they are gone a real request is served.
        with _session(url) as session:
            assert session.call(V3, "DescribeQueueDetail", {"Offset": 0, "Limit": 1}).ok


def test_a_repeated_log_line_is_held_back(caplog: pytest.LogCaptureFixture) -> None:
    asgi.limit_repeated_logs()
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        for _ in range(1000):
            logging.getLogger("asyncio").error("socket.accept() out of system resource")
    kept = [r for r in caplog.records if "out of system resource" in r.getMessage()]
    assert 1 <= len(kept) <= asgi.RepeatFilter().most


def test_distinct_lines_of_one_template_all_pass(caplog: pytest.LogCaptureFixture) -> None:
    """One request line per request: lines sharing a format but not their text are not held."""
    asgi.limit_repeated_logs()
    logger = logging.getLogger("cmqconform.emulator")
    with caplog.at_level(logging.INFO, logger="cmqconform.emulator"):
        for number in range(50):
            logger.info("%s POST / %s -> ok", f"request-{number}", "SendMessage")
    assert len([r for r in caplog.records if "SendMessage" in r.getMessage()]) == 50


def test_shutdown_answers_long_polls_in_flight_with_the_empty_receive() -> None:
    specs = load_specs()
    product = build_product("cmq", specs)
    polls = 20
    server = EmulatorServer({SECRET_ID: SECRET_KEY}, specs=specs, emulator=product)
    url = server.start()
    answers: list[Any] = []
    try:
        with _session(url) as session:
            assert session.call(V3, "CreateQueue", {"QueueName": "drained"}).ok

        def poll() -> None:
            with _session(url, timeout=60) as own:
                answers.append(own.call(LEGACY, "ReceiveMessage",
                                        {"queueName": "drained", "pollingWaitSeconds": 30}))

        threads = [threading.Thread(target=poll) for _ in range(polls)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + WAIT_SECONDS
        backend: Any = product.backend
        while sum(len(w) for w in backend._waiters.values()) < polls:
            assert time.monotonic() < deadline, "the long polls did not start waiting"
            time.sleep(0.02)
    finally:
        server.stop()
    for thread in threads:
        thread.join(WAIT_SECONDS)
    no_message = specs.api(LEGACY).conditions["no_message"].accept
    statuses = [a.evidence.status for a in answers]
    assert len(answers) == polls and statuses == [200] * polls, [a.describe() for a in answers]
    assert all(str(a.code) in {str(r.code) for r in no_message} for a in answers)
