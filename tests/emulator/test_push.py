"""HTTP push: formats, x-cmq-* headers, 2xx success and the retry schedules (time-scaled)."""

from __future__ import annotations

import asyncio
import json
import random

import httpx

from cmqconform.emulator import Backend, FakeClock
from cmqconform.emulator.push import (
    BACKOFF_RETRY,
    EXPONENTIAL_DECAY_RETRY,
    Delivery,
    PushDeliverer,
    PushResult,
    RetrySchedule,
)
from cmqconform.spec import load_specs

SCALE = 0.0001  # 1 s of the schedule = 0.1 ms


def schedule() -> RetrySchedule:
    return RetrySchedule.from_specs(load_specs())


def delivery(fmt: str = "JSON", strategy: str = BACKOFF_RETRY) -> Delivery:
    return Delivery(endpoint="http://127.0.0.1:9/push", content_format=fmt, strategy=strategy,
                    topic_owner="1250000000", topic_name="t", subscription_name="s",
                    msg_id="123456789012345", body="héllo", tags=("a", "b"),
                    publish_time=1700000000)


def test_schedules_from_specs() -> None:
    limits = load_specs().service["limits"]
    plan = schedule()
    backoff = list(plan.delays(BACKOFF_RETRY, random.Random(1)))
    assert len(backoff) == limits["push_backoff_retries"]["value"]
    low = limits["push_backoff_interval_min_seconds"]["value"]
    high = limits["push_backoff_interval_max_seconds"]["value"]
    assert all(low <= d <= high for d in backoff)
    decay = list(plan.delays(EXPONENTIAL_DECAY_RETRY))
    assert len(decay) == limits["push_exponential_retries"]["value"]
    assert decay[:3] == [1.0, 2.0, 4.0]
    assert max(decay) == limits["push_exponential_max_interval_seconds"]["value"]


def test_json_and_simplified_requests() -> None:
    headers, body = delivery("JSON").request()
    assert headers["x-cmq-message-id"] == "123456789012345"
    assert headers["x-cmq-message-tag"] == "a, b" and headers["x-cmq-request-id"]
    assert headers["Content-Type"] == "text/plain"
    payload = json.loads(body)
    assert payload["msgBody"] == "héllo" and payload["topicName"] == "t"
    assert payload["subscriptionName"] == "s" and payload["publishTime"] == 1700000000
    _, raw = delivery("SIMPLIFIED").request()
    assert raw == "héllo".encode()


def _run_push(statuses: list[int], strategy: str) -> tuple[list[PushResult], int]:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        status = statuses[min(calls, len(statuses) - 1)]
        calls += 1
        return httpx.Response(status)

    results: list[PushResult] = []

    async def scenario() -> None:
        pusher = PushDeliverer(schedule(), time_scale=SCALE,
                               transport=httpx.MockTransport(handler), on_result=results.append)
        await pusher.start()
        pusher.submit(delivery(strategy=strategy))
        await asyncio.wait_for(pusher.drain(), timeout=10)
        await pusher.aclose()

    asyncio.run(scenario())
    return results, calls


def test_any_2xx_is_success() -> None:
    results, calls = _run_push([204], BACKOFF_RETRY)
    assert calls == 1 and results[0].delivered and results[0].last_status == 204


def test_backoff_retries_then_drops() -> None:
    results, calls = _run_push([500], BACKOFF_RETRY)
    retries = schedule().backoff_retries
    assert calls == retries + 1
    assert not results[0].delivered and results[0].attempts == retries + 1


def test_exponential_retry_until_success() -> None:
    results, calls = _run_push([503, 500, 404, 200], EXPONENTIAL_DECAY_RETRY)
    assert calls == 4 and results[0].delivered and results[0].attempts == 4


def test_backend_publishes_to_http_subscription() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    async def scenario() -> dict[str, object]:
        pusher = PushDeliverer(schedule(), time_scale=SCALE,
                               transport=httpx.MockTransport(handler))
        backend = Backend(clock=FakeClock(), push=pusher)
        await backend.start()
        backend.create_topic("acc", "t")
        backend.subscribe("acc", "t", "web", protocol="http",
                          endpoint="http://127.0.0.1:9/hook",
                          attributes={"notifyContentFormat": "SIMPLIFIED"})
        msg_id = backend.publish_message("acc", "t", "payload", msg_tags=["x"])
        await asyncio.wait_for(pusher.drain(), timeout=10)
        attrs = backend.get_subscription("acc", "t", "web")
        await backend.aclose()
        return {"msg_id": msg_id, "msgCount": attrs["msgCount"]}

    out = asyncio.run(scenario())
    assert len(seen) == 1 and seen[0].content == b"payload"
    assert seen[0].headers["x-cmq-message-id"] == out["msg_id"]
    assert str(seen[0].url) == "http://127.0.0.1:9/hook" and out["msgCount"] == 0


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
        pusher = PushDeliverer(schedule(), time_scale=SCALE, on_result=results.append)
        await pusher.start()
        pusher.submit(Delivery(endpoint=f"http://127.0.0.1:{port}/", content_format="JSON",
                               strategy=EXPONENTIAL_DECAY_RETRY, topic_owner="o",
                               topic_name="t", subscription_name="s", msg_id="1", body="b",
                               tags=(), publish_time=1))
        await asyncio.wait_for(pusher.drain(), timeout=10)
        await pusher.aclose()
        server.close()
        await server.wait_closed()
        return results

    results = asyncio.run(scenario())
    assert results[0].delivered and results[0].attempts == 2
    assert len(received) == 2 and json.loads(received[1])["msgBody"] == "b"
