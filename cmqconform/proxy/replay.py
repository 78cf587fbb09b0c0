"""A cassette, offline: re-judged against the current specs, or served as a stub upstream.

``cmqconform replay FILE`` reads every recorded exchange and judges it again — after a spec
change, CI sees which recorded traffic now breaks (or keeps) the contract, with no network.
``cmqconform replay FILE --serve`` answers each request with the recorded answer of the same
method, path, action and parameters (signatures, timestamps and nonces left out of the match,
since they change on every call), in recording order for repeated requests; a request with no
recording is answered 404 in the dialect's error shape.
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cmqconform.errors import ConfigError
from cmqconform.proxy.exchange import Recorded
from cmqconform.proxy.judge import Judge, Judgement
from cmqconform.proxy.recorder import CASSETTE_HEADER
from cmqconform.proxy.server import error_answer

#: Parameters and headers that differ on every call of the same request (left out of the match).
VOLATILE = frozenset({"signature", "timestamp", "nonce", "authorization", "x-tc-timestamp",
                      "x-sdk-date", "x-tc-token", "token", "requestclient", "clientrequestid",
                      "host", "user-agent", "content-length", "x-auth-token"})


def read_cassette(path: Path) -> list[Recorded]:
    """Every exchange of a cassette; ConfigError naming the file and line when it is not one."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the cassette: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a cassette (not UTF-8 text)") from None
    out: list[Recorded] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except ValueError:
            if number == len(lines):
                break  # a torn last line: the proxy was killed while writing it
            raise ConfigError(f"{path}:{number}: not a JSON line") from None
        if number == 1:
            if not isinstance(doc, dict) or doc.get("cassette") != CASSETTE_HEADER["cassette"]:
                raise ConfigError(f"{path}:1: not a cmqconform proxy cassette (no "
                                  f"'cassette' header line)")
            continue
        try:
            out.append(Recorded.from_json(doc))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{path}:{number}: malformed exchange: {type(exc).__name__}: "
                              f"{exc}") from None
    if not lines:
        raise ConfigError(f"{path}: empty file, not a cassette")
    return out


def match_key(method: str, path: str, query: str, body: bytes) -> tuple[str, ...]:
    """What identifies a request across calls: method, path and its non-volatile parameters."""
    params = parse_qsl(query, keep_blank_values=True)
    text = body.decode("utf-8", errors="replace")
    try:
        doc = json.loads(text) if text.strip() else None
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        params.append(("<json>", json.dumps(doc, sort_keys=True)))
    elif "=" in text:
        params.extend(parse_qsl(text, keep_blank_values=True))
    elif text:
        params.append(("<body>", text))
    kept = sorted((k, v) for k, v in params if k.lower() not in VOLATILE)
    return (method, path, *(f"{k}={v}" for k, v in kept))


def _action_header(headers: dict[str, str]) -> str:
    return headers.get("x-tc-action", "")


class Stub:
    """Recorded answers keyed by request, handed out in recording order."""

    def __init__(self, exchanges: list[Recorded], judge: Judge) -> None:
        self.judge = judge
        self.answers: dict[tuple[str, ...], deque[Recorded]] = defaultdict(deque)
        self.last: dict[tuple[str, ...], Recorded] = {}
        for rec in exchanges:
            if rec.fault is None and rec.status is not None:
                key = (*match_key(rec.method, rec.path, rec.query, rec.body),
                       _action_header(rec.lower_headers))
                self.answers[key].append(rec)

    async def handle(self, request: Request) -> Response:
        """The recorded answer to this request (the last one again once all were used)."""
        body = await request.body()
        raw = (request.scope.get("raw_path") or request.url.path.encode()).decode("latin-1")
        query = request.scope.get("query_string", b"").decode("latin-1")
        headers = {k.lower(): v for k, v in request.headers.items()}
        key = (*match_key(request.method, raw, query, body), _action_header(headers))
        queue = self.answers.get(key)
        rec = queue.popleft() if queue else self.last.get(key)
        if rec is None:
            probe = Recorded(0, request.method, raw, query, tuple(headers.items()), body)
            answer, status = error_answer(self.judge, self.judge.surface_for(probe), 404,
                                          "the cassette holds no answer to this request")
            return Response(json.dumps(answer).encode(), status, media_type="application/json")
        self.last[key] = rec
        response = Response(rec.response_body, rec.status or 200)
        response.raw_headers = [
            *[(k.encode("latin-1"), v.encode("latin-1")) for k, v in rec.response_headers
              if k.lower() not in ("content-length", "content-encoding", "transfer-encoding")],
            (b"content-length", str(len(rec.response_body)).encode()),
        ]
        return response


def create_stub_app(stub: Stub) -> Starlette:
    """The ASGI app answering from a cassette."""
    every = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
    return Starlette(routes=[Route("/", stub.handle, methods=every),
                             Route("/{path:path}", stub.handle, methods=every)])


def rejudge(exchanges: list[Recorded], judge: Judge) -> Iterator[Judgement]:
    """Each exchange judged against the judge's (current) specs."""
    for rec in exchanges:
        yield judge.judge(rec)
