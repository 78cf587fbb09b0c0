"""HTTP push delivery of topic messages (cmq-api.txt:6062-6171).

A POST of the message in JSON or SIMPLIFIED format with the ``x-cmq-*`` headers; any 2xx is
success; a failure is retried under the subscription's BACKOFF_RETRY or EXPONENTIAL_DECAY_RETRY
schedule. The schedule's numbers come from ``specs/cmq/legacy/push.yaml`` (or the push limits of
service.yaml); ``time_scale`` shrinks every wait so tests run in milliseconds.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from cmqconform.emulator.ids import numeric_id
from cmqconform.models import SpecSet

log = logging.getLogger(__name__)

BACKOFF_RETRY = "BACKOFF_RETRY"
EXPONENTIAL_DECAY_RETRY = "EXPONENTIAL_DECAY_RETRY"

# Header names and agent as the doc's samples print them (cmq-api.txt:6079-6081, 6113-6119);
# push.yaml's ``headers`` list overrides the x-cmq-* names when it is present.
_REQUEST_ID = "x-cmq-request-id"
_MESSAGE_ID = "x-cmq-message-id"
_MESSAGE_TAG = "x-cmq-message-tag"
_USER_AGENT = "Qcloud Notification Service Agent"


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message to push to one http subscription."""

    endpoint: str
    content_format: str
    strategy: str
    topic_owner: str
    topic_name: str
    subscription_name: str
    msg_id: str
    body: str
    tags: tuple[str, ...]
    publish_time: int
    subscription_id: str = ""

    def request(self) -> tuple[dict[str, str], bytes]:
        """Headers and body of the POST, in this delivery's format."""
        headers = {
            "Content-Type": "text/plain",
            "User-Agent": _USER_AGENT,
            _REQUEST_ID: numeric_id(),
            _MESSAGE_ID: self.msg_id,
        }
        if self.tags:
            headers[_MESSAGE_TAG] = ", ".join(self.tags)
        if self.content_format == "SIMPLIFIED":
            return headers, self.body.encode()
        payload = {
            "TopicOwner": self.topic_owner, "topicName": self.topic_name,
            "subscriptionName": self.subscription_name, "msgId": self.msg_id,
            "msgBody": self.body, "publishTime": self.publish_time,
        }
        return headers, json.dumps(payload, ensure_ascii=False).encode()


@dataclass(frozen=True, slots=True)
class RetrySchedule:
    """Retry counts and intervals of both strategies, in unscaled seconds."""

    backoff_retries: int
    backoff_min: float
    backoff_max: float
    exponential_retries: int
    exponential_cap: float
    timeout: float

    @classmethod
    def from_specs(cls, specs: SpecSet) -> RetrySchedule:
        """Read push.yaml's retry_strategies, else the push_* limits of service.yaml."""
        limits: Mapping[str, Any] = specs.service.get("limits", {})

        def limit(key: str) -> float:
            return float(limits[key]["value"])

        strategies = specs.push.get("retry_strategies") if specs.push else None
        if strategies:
            backoff = strategies[BACKOFF_RETRY]
            exponential = strategies[EXPONENTIAL_DECAY_RETRY]
            return cls(
                backoff_retries=int(backoff["retries"]),
                backoff_min=float(backoff.get("interval_min_seconds", 0)),
                backoff_max=float(backoff.get("interval_max_seconds", 0)),
                exponential_retries=int(exponential["retries"]),
                exponential_cap=float(exponential.get("cap_seconds", 0)),
                timeout=float(specs.push["success"]["timeout_seconds"]),
            )
        return cls(
            backoff_retries=int(limit("push_backoff_retries")),
            backoff_min=limit("push_backoff_interval_min_seconds"),
            backoff_max=limit("push_backoff_interval_max_seconds"),
            exponential_retries=int(limit("push_exponential_retries")),
            exponential_cap=limit("push_exponential_max_interval_seconds"),
            timeout=limit("push_timeout_seconds"),
        )

    def delays(self, strategy: str, rng: random.Random | None = None) -> Iterator[float]:
        """The waits before each retry: random in [min, max] for backoff; 2^0, 2^1... capped."""
        if strategy == BACKOFF_RETRY:
            pick = rng or random.Random()
            for _ in range(self.backoff_retries):
                yield pick.uniform(self.backoff_min, self.backoff_max)
            return
        for attempt in range(self.exponential_retries):
            yield min(2.0 ** attempt, self.exponential_cap)


@dataclass(frozen=True, slots=True)
class PushResult:
    """How a delivery ended: delivered or dropped, after how many attempts."""

    delivery: Delivery
    delivered: bool
    attempts: int
    last_status: int | None


class PushDeliverer:
    """Runs deliveries as tasks on the event loop it was started on.

    ``submit`` may be called from any thread. ``on_result`` (optional) is called with every
    :class:`PushResult`. ``transport`` lets tests use ``httpx.MockTransport``.
    """

    def __init__(self, schedule: RetrySchedule, *, time_scale: float = 1.0,
                 transport: httpx.AsyncBaseTransport | None = None,
                 on_result: Callable[[PushResult], None] | None = None,
                 rng: random.Random | None = None) -> None:
        self.schedule = schedule
        self.time_scale = time_scale
        self._transport = transport
        self._listeners: list[Callable[[PushResult], None]] = [on_result] if on_result else []
        self._rng = rng or random.Random()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._backlog: list[Delivery] = []

    async def start(self) -> None:
        """Bind to the running loop and send whatever was submitted before."""
        self._loop = asyncio.get_running_loop()
        # A scaled timeout keeps at least a second: loopback receivers still need time to answer.
        timeout = max(self.schedule.timeout * self.time_scale, min(1.0, self.schedule.timeout))
        self._client = httpx.AsyncClient(transport=self._transport, timeout=timeout)
        backlog, self._backlog = self._backlog, []
        for delivery in backlog:
            self._spawn(delivery)

    def submit(self, delivery: Delivery) -> None:
        """Queue a delivery; safe from any thread (held until :meth:`start` if not started)."""
        loop = self._loop
        if loop is None:
            self._backlog.append(delivery)
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._spawn(delivery)
        else:
            loop.call_soon_threadsafe(self._spawn, delivery)

    def _spawn(self, delivery: Delivery) -> None:
        task = asyncio.get_running_loop().create_task(self._deliver(delivery))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def in_flight(self) -> int:
        """Deliveries not yet finished."""
        return len(self._tasks) + len(self._backlog)

    async def drain(self) -> None:
        """Wait until every submitted delivery has finished (tests use it)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        """Cancel pending retries and close the HTTP client."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _attempt(self, delivery: Delivery) -> int | None:
        assert self._client is not None
        headers, body = delivery.request()
        try:
            response = await self._client.post(delivery.endpoint, headers=headers, content=body)
        except httpx.HTTPError as exc:
            log.info("push %s to subscription %s failed: %s", delivery.msg_id,
                     delivery.subscription_name, type(exc).__name__)
            return None
        return response.status_code

    async def _deliver(self, delivery: Delivery) -> None:
        attempts = 0
        status = await self._attempt(delivery)
        attempts += 1
        delays = self.schedule.delays(delivery.strategy, self._rng)
        while status is None or not 200 <= status < 300:
            wait = next(delays, None)
            if wait is None:
                self._report(PushResult(delivery, False, attempts, status))
                return
            await asyncio.sleep(wait * self.time_scale)
            status = await self._attempt(delivery)
            attempts += 1
        self._report(PushResult(delivery, True, attempts, status))

    def add_listener(self, listener: Callable[[PushResult], None]) -> None:
        """Also call ``listener`` with every finished delivery."""
        self._listeners.append(listener)

    def _report(self, result: PushResult) -> None:
        for listener in self._listeners:
            listener(result)
