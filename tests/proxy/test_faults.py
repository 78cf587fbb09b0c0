"""Bad upstreams and bad requests: the client gets an answer, the proxy records, never crashes.

Down, reset or hanging upstreams are errors (502/504 in the dialect's error shape), never
violations; a complete answer that is not the dialect's envelope is a violation; a request the
proxy cannot decode is still forwarded, and recorded as undecodable.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from cmqconform.netutil import free_port
from tests.proxy.conftest import proxied_to

TC3_HEADERS = {"X-TC-Action": "DescribeQueueDetail", "X-TC-Version": "2019-03-04",
               "X-TC-Region": "ap-guangzhou", "X-TC-Timestamp": "1700000000",
               "Content-Type": "application/json",
               "Authorization": "TC3-HMAC-SHA256 Credential=AKIDx/2023-11-14/cmq/tc3_request, "
                                "SignedHeaders=content-type;host, Signature=abc"}


def _read_request(conn: socket.socket) -> bytes:
    """One HTTP request's bytes: the head, then Content-Length bytes of body (bounded reads)."""
    data = b""
    for _ in range(64):
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            if len(body) >= length:
                return data
        try:
            chunk = conn.recv(65536)
        except TimeoutError:
            return data
        if not chunk:
            return data
        data += chunk
    return data


@contextmanager
def raw_upstream(mode: str, payload: bytes = b"") -> Iterator[tuple[str, list[bytes]]]:
    """A loopback socket server: ``reset`` closes after reading, ``hang`` never answers,
    ``answer`` sends ``payload`` as a complete HTTP/1.1 answer. Yields its URL and what it got."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    received: list[bytes] = []
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        for _ in range(1000):  # bounded: at most ~200 s, stopped far sooner by the test
            if stop.is_set():
                return
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            conn.settimeout(2)
            received.append(_read_request(conn))
            if mode == "reset":
                # SO_LINGER 0: close() sends an RST, as a crashing upstream does.
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
            elif mode == "hang":
                held.append(conn)
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(payload)
                             + payload)
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}", received
    finally:
        stop.set()
        thread.join(5)
        for conn in held:
            conn.close()
        server.close()


def _post(url: str, body: bytes = b'{"QueueName": "q1"}') -> httpx.Response:
    return httpx.post(url + "/", content=body, headers=TC3_HEADERS, timeout=20)


@pytest.mark.parametrize("mode", ["down", "reset", "hang"])
def test_an_upstream_fault_is_an_error_in_the_dialects_shape(tmp_path: Path, mode: str) -> None:
    if mode == "down":
        context = contextmanager(lambda: iter([(f"http://127.0.0.1:{free_port()}", [])]))()
    else:
        context = raw_upstream(mode)
    with context as (upstream, _), \
            proxied_to(upstream, tmp_path / "r", product="cmq", timeout=1.0) as run:
        answer = _post(run.url)
    assert answer.status_code == (504 if mode == "hang" else 502)
    error = answer.json()["Response"]["Error"]
    assert error["Code"] and "upstream" in error["Message"]
    assert answer.json()["Response"]["RequestId"]
    (judged,) = run.judgements
    assert judged.state == "error" and judged.violations == ()
    assert judged.action == "DescribeQueueDetail"
    assert run.violations() == []
    doc = json.loads((tmp_path / "r" / "results.json").read_text())
    assert doc["summary"]["error"] == 1 and doc["summary"]["fail"] == 0
    assert "no answer (upstream" in doc["cases"][0]["received"]


def test_a_legacy_request_to_a_dead_upstream_gets_a_legacy_error(tmp_path: Path) -> None:
    with proxied_to(f"http://127.0.0.1:{free_port()}", tmp_path / "r", product="cmq") as run:
        answer = httpx.post(run.url + "/v2/index.php",
                            content=b"Action=ListQueue&Nonce=1&Timestamp=1&SecretId=AKIDx"
                                    b"&Signature=abc&limit=5", timeout=20)
    assert answer.status_code == 502
    body = answer.json()
    assert body["code"] and body["message"] and body["requestId"]
    assert run.judgements[0].api == "cmq.legacy"


@pytest.mark.parametrize(("payload", "why"), [
    (b"<html>gateway</html>", "not JSON"),
    (b'{"Response": []}', "'Response' is list"),
    (b'{"Response": {"Error": {"Code": 7}}}', "Code"),
])
def test_a_malformed_answer_is_a_violation_never_a_crash(tmp_path: Path, payload: bytes,
                                                        why: str) -> None:
    with raw_upstream("answer", payload) as (upstream, _), \
            proxied_to(upstream, tmp_path / "r", product="cmq") as run:
        answer = _post(run.url)
    assert answer.status_code == 200 and answer.content == payload  # forwarded untouched
    (judged,) = run.judgements
    assert judged.state == "fail"
    assert [v.clause_id for v in judged.violations] == ["cmq.v3.protocol.content_type_json"]
    assert why in judged.violations[0].received


def test_an_undecodable_request_is_forwarded_and_recorded(tmp_path: Path) -> None:
    payload = b'{"Response": {"RequestId": "r1", "Error": {"Code": "InvalidParameter", ' \
              b'"Message": "bad body"}}}'
    with raw_upstream("answer", payload) as (upstream, received), \
            proxied_to(upstream, tmp_path / "r", product="cmq") as run:
        answer = _post(run.url, b'{"QueueName": ')
    assert answer.status_code == 200 and answer.content == payload
    assert received and received[0].endswith(b'{"QueueName": ')  # forwarded byte for byte
    (judged,) = run.judgements
    assert judged.state == "error" and judged.error is not None
    assert judged.error.startswith("undecodable request")
    assert run.lines[0].startswith("ERROR ")


def test_the_request_goes_upstream_untouched(tmp_path: Path) -> None:
    payload = b'{"Response": {"RequestId": "r1", "TotalCount": 0, "QueueSet": []}}'
    with raw_upstream("answer", payload) as (upstream, received), \
            proxied_to(upstream, tmp_path / "r", product="cmq") as run:
        _post(run.url)
    head = received[0].decode()
    host = run.url.removeprefix("http://")
    # The Host the client signed (the proxy's) is the one the upstream receives.
    assert f"host: {host}\r\n" in head.lower()
    assert "Signature=abc" in head and "x-tc-action: describequeuedetail" in head.lower()
    assert head.endswith('\r\n\r\n{"QueueName": "q1"}')
    assert "user-agent" in head.lower()  # the client's own, not one the proxy added
