"""HTTP push as push.yaml specifies it: headers, JSON vs SIMPLIFIED bodies, 2xx success, retries."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
from typing import Any

import httpx
import jsonschema
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cmqconform.emulator import FakeClock
from cmqconform.products.cmq import Backend
from cmqconform.products.cmq.push import Delivery, PushContract, PushDeliverer, PushResult
from cmqconform.spec import load_specs
from cmqconform.spec.schema import push_body_schema

SCALE = 0.0001  # 1 s of the schedule = 0.1 ms
PUSH = load_specs().api("cmq.legacy").push
STRATEGIES = sorted(PUSH["retry_strategies"])
FORMATS = sorted(PUSH["formats"])
JSON_FORMAT = next(name for name, spec in PUSH["formats"].items() if spec.get("fields"))
RAW_FORMAT = next(name for name, spec in PUSH["formats"].items() if not spec.get("fields"))


def contract() -> PushContract:
    return PushContract.from_specs(load_specs())


def delivery(fmt: str = JSON_FORMAT, strategy: str = STRATEGIES[0],
             tags: tuple[str, ...] = ("a", "b"), endpoint: str = "http://127.0.0.1:9/push",
             ) -> Delivery:
    return Delivery(endpoint=endpoint, content_format=fmt, strategy=strategy,
                    topic_owner="1250000000", topic_name="t", subscription_name="s",
                    msg_id="123456789012345", msg_body="héllo", msg_tag=tags,
                    publish_time=1700000000)


def _header(carries: str) -> str:
    return str(next(h["name"] for h in PUSH["headers"] if h.get("carries") == carries))


# -- the contract read from push.yaml ---------------------------------------------------------
@pytest.mark.parametrize("name", STRATEGIES)
def test_strategy_numbers_from_push_yaml(name: str) -> None:
    spec = PUSH["retry_strategies"][name]
    delays = list(contract().delays(name, random.Random(1)))
    assert len(delays) == spec["retries"]
    assert all(spec["interval_min_seconds"] <= d <= spec["interval_max_seconds"] for d in delays)
    if "base" in spec:
        assert delays[:3] == [spec["interval_min_seconds"] * spec["base"] ** n for n in range(3)]
        assert max(delays) == spec["cap_seconds"]
        assert sum(delays) <= spec["total_seconds"]


def test_default_strategy_and_timeout() -> None:
    plan = contract()
    marked = [n for n, s in PUSH["retry_strategies"].items() if s.get("default")]
    assert [plan.default_strategy.name] == marked
    assert plan.strategy("no-such-strategy") == plan.default_strategy
    assert plan.timeout == PUSH["success"]["timeout_seconds"]


@pytest.mark.parametrize(("status", "ok"), [(200, True), (204, True), (299, True),
                                            (199, False), (300, False), (404, False),
                                            (500, False), (None, False)])
def test_success_status_pattern(status: int | None, ok: bool) -> None:
    assert PUSH["success"]["status"] == "2xx"  # the table below assumes the reading in force
    assert contract().succeeded(status) is ok


def test_unknown_push_attribute_is_refused() -> None:
    specs = load_specs()
    legacy = specs.api("cmq.legacy")
    broken = dict(legacy.push)
    broken["headers"] = [*legacy.push["headers"], {"name": "x-new", "carries": "nothing"}]
    apis = {**specs.apis, legacy.id: dataclasses.replace(legacy, push=broken)}
    with pytest.raises(ValueError, match="nothing"):
        PushContract.from_specs(dataclasses.replace(specs, apis=apis))


# -- requests ---------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_headers_are_the_ones_push_yaml_lists(fmt: str) -> None:
    headers, _ = contract().request(delivery(fmt))
    assert sorted(headers) == sorted(h["name"] for h in PUSH["headers"])
    for spec in PUSH["headers"]:
        if "value" in spec:
            assert headers[spec["name"]] == spec["value"]
    assert headers[_header("contentType")] == PUSH["formats"][fmt]["content_type"]
    assert headers[_header("msgId")] == "123456789012345"
    tag = next(h for h in PUSH["headers"] if h.get("carries") == "msgTag")
    assert headers[tag["name"]] == tag["separator"].join(("a", "b"))
    assert headers[_header("requestId")].isdigit()


def test_tag_header_absent_without_tags() -> None:
    headers, _ = contract().request(delivery(tags=()))
    assert _header("msgTag") not in headers
    assert {_header("msgId"), _header("requestId")} <= set(headers)


def test_json_body_validates_against_push_schema() -> None:
    specs = load_specs()
    schema = push_body_schema(specs.api("cmq.legacy"), specs.api("cmq.legacy").push)
    _, body = contract().request(delivery(JSON_FORMAT))
    payload = json.loads(body)
    jsonschema.validate(payload, schema)
    assert set(payload) == {f["name"] for f in PUSH["formats"][JSON_FORMAT]["fields"]}
    assert "héllo" in payload.values() and 1700000000 in payload.values()


def test_simplified_sends_the_raw_body() -> None:
    _, raw = contract().request(delivery(RAW_FORMAT))
    assert raw == "héllo".encode()


# -- delivery against a local receiver --------------------------------------------------------
class Receiver:
    """A starlette app answering pushes with a scripted list of statuses (the last repeats)."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.seen: list[tuple[str, dict[str, str], bytes]] = []
        self.app = Starlette(routes=[Route("/push", self.handle, methods=["POST"])])

    async def handle(self, request: Request) -> Response:
        self.seen.append((request.method, dict(request.headers), await request.body()))
        return Response(status_code=self.statuses[min(len(self.seen), len(self.statuses)) - 1])


def _run(receiver: Receiver, item: Delivery, scale: float = SCALE) -> list[PushResult]:
    results: list[PushResult] = []

    async def scenario() -> None:
        pusher = PushDeliverer(contract(), time_scale=scale, on_result=results.append,
                               transport=httpx.ASGITransport(app=receiver.app))
        await pusher.start()
        pusher.submit(item)
        await asyncio.wait_for(pusher.drain(), timeout=30)
        await pusher.aclose()

    asyncio.run(scenario())
    return results


@pytest.mark.parametrize("fmt", FORMATS)
def test_receiver_sees_the_spec_request(fmt: str) -> None:
    receiver = Receiver([200])
    results = _run(receiver, delivery(fmt, endpoint="http://receiver.test/push"))
    method, headers, body = receiver.seen[0]
    assert method == PUSH["method"] and results[0].delivered and results[0].attempts == 1
    listed = {h["name"].lower() for h in PUSH["headers"]}
    assert listed <= set(headers)
    if fmt == RAW_FORMAT:
        assert body == "héllo".encode()
    else:
        specs = load_specs()
        jsonschema.validate(json.loads(body), push_body_schema(specs.api("cmq.legacy"), PUSH))


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_non_2xx_retries_until_a_2xx(strategy: str) -> None:
    receiver = Receiver([503, 500, 404, 201])
    results = _run(receiver, delivery(strategy=strategy, endpoint="http://r.test/push"))
    assert len(receiver.seen) == 4
    assert results[0].delivered and results[0].attempts == 4 and results[0].last_status == 201


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_retry_count_matches_push_yaml(strategy: str) -> None:
    receiver = Receiver([500])
    # Scale 0: the count is what matters, and EXPONENTIAL_DECAY_RETRY spans a day of waits.
    results = _run(receiver, delivery(strategy=strategy, endpoint="http://r.test/push"), 0)
    retries = PUSH["retry_strategies"][strategy]["retries"]
    assert len(receiver.seen) == retries + 1
    assert not results[0].delivered and results[0].attempts == retries + 1
    request_ids = {headers[_header("requestId")] for _, headers, _ in receiver.seen}
    assert len(request_ids) == len(receiver.seen)


def test_unknown_format_is_reported_not_sent() -> None:
    receiver = Receiver([200])
    results = _run(receiver, delivery("NO-SUCH-FORMAT", endpoint="http://r.test/push"))
    assert receiver.seen == [] and not results[0].delivered and results[0].attempts == 0


def test_backend_publishes_to_http_subscription() -> None:
    receiver = Receiver([200])

    async def scenario() -> dict[str, Any]:
        pusher = PushDeliverer(contract(), time_scale=SCALE,
                               transport=httpx.ASGITransport(app=receiver.app))
        backend = Backend(clock=FakeClock(), push=pusher)
        await backend.start()
        backend.create_topic("AKIDexample", "t")
        backend.subscribe("AKIDexample", "t", "web", protocol="http",
                          endpoint="http://hook.test/push",
                          attributes={"notifyContentFormat": RAW_FORMAT})
        backend.subscribe("AKIDexample", "t", "json", protocol="http",
                          endpoint="http://hook.test/push")
        msg_id = backend.publish_message("AKIDexample", "t", "payload", msg_tags=["x"])
        await asyncio.wait_for(pusher.drain(), timeout=10)
        attrs = backend.get_subscription("AKIDexample", "t", "web")
        await backend.aclose()
        return {"msg_id": msg_id, "msgCount": attrs["msgCount"]}

    out = asyncio.run(scenario())
    bodies = sorted(body for _, _, body in receiver.seen)  # b"p..." sorts before b"{..."
    assert len(bodies) == 2 and bodies[0] == b"payload"
    pushed = json.loads(bodies[1])
    specs = load_specs()
    jsonschema.validate(pushed, push_body_schema(specs.api("cmq.legacy"), PUSH))
    # The account key (a SecretId) never travels in a push; TopicOwner is a number.
    assert "AKIDexample" not in bodies[1].decode()
    assert all(h[_header("msgId")] == out["msg_id"] for _, h, _ in receiver.seen)
    assert out["msgCount"] == 0


def test_push_to_local_receiver() -> None:
    """A real loopback HTTP receiver that fails once, then accepts."""
    received: list[bytes] = []

    async def scenario() -> list[PushResult]:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length"))
            received.append(await reader.readexactly(length))
            status = b"500 Oops" if len(received) == 1 else b"200 OK"
            writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\n"
                         b"Connection: close\r\n\r\n")
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        results: list[PushResult] = []
        pusher = PushDeliverer(contract(), time_scale=SCALE, on_result=results.append)
        await pusher.start()
        pusher.submit(delivery(JSON_FORMAT, endpoint=f"http://127.0.0.1:{port}/", tags=()))
        await asyncio.wait_for(pusher.drain(), timeout=10)
        await pusher.aclose()
        server.close()
        await server.wait_closed()
        return results

    results = asyncio.run(scenario())
    assert results[0].delivered and results[0].attempts == 2
    assert len(received) == 2 and "héllo" in json.loads(received[1]).values()
