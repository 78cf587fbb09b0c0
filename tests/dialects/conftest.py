"""A loopback HTTP server that records what clients send, for the SDK cross-verification."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from cmqconform.dialects import (
    BOOL_TEXT_DOC,
    Call,
    Clock,
    Credentials,
    NonceSource,
    Prepared,
    get_dialect,
    random_nonce,
    system_clock,
)
from cmqconform.models import ActionSpec
from cmqconform.spec import load_specs


def prepare(call: Call, *, base_url: str, credentials: Credentials, signature_method: str,
            region: str | None, action: ActionSpec | None = None, language: str | None = None,
            clock: Clock = system_clock, nonce: NonceSource = random_nonce,
            bool_text: tuple[str, str] = BOOL_TEXT_DOC) -> Prepared:
    """``call`` prepared by its surface's dialect, with the surface's facts from the specs."""
    facts = load_specs().api(call.api).facts
    return get_dialect(facts.dialect).prepare(
        call, facts, base_url=base_url, credentials=credentials,
        signature_method=signature_method, region=region, action=action, language=language,
        clock=clock, nonce=nonce, bool_text=bool_text)


@dataclass
class Captured:
    """One request as it arrived on the wire."""

    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> str:
        return urlsplit(self.target).query

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def params(self) -> dict[str, str]:
        """Query (GET) or form body (POST) parameters, decoded."""
        text = self.query if self.method == "GET" else self.body.decode("ascii")
        return dict(parse_qsl(text, keep_blank_values=True))


@dataclass
class Recorder:
    """The server's address, its replies and what it captured."""

    port: int
    reply: dict[str, Any] = field(default_factory=dict)
    captured: list[Captured] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def last(self) -> Captured:
        assert self.captured, "the server received nothing"
        return self.captured[-1]


#: Enough members for every SDK call the tests make to read its answer without a KeyError.
V3_REPLY = {"Response": {"RequestId": "req-1"}}
LEGACY_REPLY = {
    "code": 0, "message": "", "requestId": "req-1", "queueId": "q-1", "topicId": "t-1",
    "msgId": "m-1", "msgList": [{"msgId": "m-1"}], "msgBody": "b", "receiptHandle": "h",
    "enqueueTime": 1, "nextVisibleTime": 1, "firstDequeueTime": 1, "dequeueCount": 1,
    "msgInfoList": [], "totalCount": 0, "queueList": [], "topicList": [],
}


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    """A started loopback server on a free port answering ``recorder.reply`` as JSON."""
    state = Recorder(port=0, reply=dict(V3_REPLY))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            state.captured.append(Captured(self.command, self.path, list(self.headers.items()),
                                           body))
            out = json.dumps(state.reply).encode()
            self.send_response(200)
            # Exactly this value: the API 3.0 SDK ignores errors under any other Content-Type.
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        do_GET = do_POST = _handle

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback only: an inherited proxy setting must not reroute the SDKs' requests."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                 "all_proxy"):
        monkeypatch.delenv(name, raising=False)
