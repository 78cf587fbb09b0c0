"""HTTP push delivery of topic messages (cmq-api.txt:6062-6171), as push.yaml specifies it.

Everything the wire shows comes from ``specs/cmq/legacy/push.yaml`` through
:class:`PushContract`: the method, the headers (fixed ``value`` or the attribute they
``carry``), each format's content type and JSON fields, the success status pattern, the timeout
and every retry strategy's numbers. ``time_scale`` shrinks every wait so tests run in
milliseconds.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from cmqconform.emulator.product import NO_MUTANTS, Mutants
from cmqconform.models import SpecSet
from cmqconform.products.cmq.ids import numeric_id

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message to push to one http subscription.

    Its fields are the push attributes: a JSON body field or a header's ``carries`` names one of
    them, compared without case or underscores (``msgId`` is ``msg_id``). ``request_id`` and
    ``content_type`` are filled in for each attempt.
    """

    endpoint: str
    content_format: str
    strategy: str
    topic_owner: str
    topic_name: str
    subscription_name: str
    msg_id: str
    msg_body: str
    msg_tag: tuple[str, ...]
    publish_time: int
    subscription_id: str = ""
    request_id: str = ""
    content_type: str = ""


def _key(name: str) -> str:
    return name.replace("_", "").lower()


_ATTRIBUTES = frozenset(_key(f.name) for f in dataclasses.fields(Delivery))
#: Attributes holding a list, which a header can only carry with a ``separator``.
_LISTS = frozenset(_key(f.name) for f in dataclasses.fields(Delivery)
                   if str(f.type).startswith("tuple"))


def _attribute(delivery: Delivery, name: str) -> Any:
    for item in dataclasses.fields(delivery):
        if _key(item.name) == _key(name):
            return getattr(delivery, item.name)
    raise KeyError(name)


@dataclass(frozen=True, slots=True)
class PushHeader:
    """A header every push carries: a fixed ``value`` or the attribute it ``carries``."""

    name: str
    value: str | None = None
    carries: str | None = None
    separator: str | None = None

    def render(self, delivery: Delivery) -> str | None:
        """The header's value for ``delivery``; None when the attribute is empty (omitted)."""
        if self.value is not None:
            return self.value
        if self.carries is None:
            return None
        found = _attribute(delivery, self.carries)
        if isinstance(found, tuple):
            return (self.separator or "").join(found) if found else None
        return str(found) if found not in (None, "") else None


@dataclass(frozen=True, slots=True)
class PushFormat:
    """One notifyContentFormat: its content type and, for a JSON body, its typed fields."""

    name: str
    content_type: str
    #: (field name, spec type); empty for a raw body.
    fields: tuple[tuple[str, str], ...]

    def body(self, delivery: Delivery) -> bytes:
        """The JSON object of the fields, or the raw message body when there are none."""
        if not self.fields:
            return delivery.msg_body.encode()
        payload = {name: _typed(kind, _attribute(delivery, name)) for name, kind in self.fields}
        return json.dumps(payload, ensure_ascii=False).encode()


def _typed(kind: str, value: Any) -> Any:
    if kind == "integer":
        return int(value)
    if kind == "string":
        return str(value)
    return value


@dataclass(frozen=True, slots=True)
class RetryStrategy:
    """A notifyStrategy's retry count and waits, in unscaled seconds."""

    name: str
    retries: int
    interval_min: float
    interval_max: float
    #: Set for exponential strategies: the wait before retry n is min * base**n, capped.
    base: float | None = None
    cap: float | None = None
    total: float | None = None
    default: bool = False

    def delays(self, rng: random.Random | None = None) -> Iterator[float]:
        """The waits before each retry: exponential when ``base`` is set, else uniform."""
        pick = rng or random.Random()
        spent = 0.0
        for attempt in range(self.retries):
            if self.base is not None:
                wait = self.interval_min * self.base ** attempt
                if self.cap is not None:
                    wait = min(wait, self.cap)
            else:
                wait = pick.uniform(self.interval_min, self.interval_max)
            spent += wait
            if self.total is not None and spent > self.total:
                return
            yield wait


@dataclass(frozen=True, slots=True)
class PushContract:
    """push.yaml read once: how a push request looks and how failures are retried."""

    method: str
    headers: tuple[PushHeader, ...]
    formats: Mapping[str, PushFormat]
    success_status: str
    timeout: float
    strategies: Mapping[str, RetryStrategy]

    @classmethod
    def from_specs(cls, specs: SpecSet) -> PushContract:
        """Read push.yaml; a field or header the emulator cannot fill is a ValueError."""
        push = next((api.push for api in specs.apis.values() if api.push), {})
        if not push:
            raise ValueError("specs/cmq/legacy/push.yaml is missing: the push contract is unknown")
        headers = tuple(PushHeader(h["name"], h.get("value"), h.get("carries"),
                                   h.get("separator")) for h in push["headers"])
        formats = {
            name: PushFormat(name, str(spec.get("content_type", "")),
                             tuple((f["name"], f["type"]) for f in spec.get("fields", ())))
            for name, spec in push["formats"].items()
        }
        strategies = {
            name: RetryStrategy(
                name, int(spec["retries"]), float(spec.get("interval_min_seconds", 0)),
                float(spec.get("interval_max_seconds", spec.get("interval_min_seconds", 0))),
                spec.get("base"), spec.get("cap_seconds"), spec.get("total_seconds"),
                bool(spec.get("default", False)))
            for name, spec in push["retry_strategies"].items()
        }
        wanted = [h.carries for h in headers if h.carries] + [
            name for fmt in formats.values() for name, _ in fmt.fields]
        unknown = [name for name in wanted if _key(name) not in _ATTRIBUTES]
        if unknown:
            raise ValueError(f"push.yaml names push attributes the emulator does not know: "
                             f"{', '.join(unknown)}")
        unjoined = [h.name for h in headers
                    if h.carries and _key(h.carries) in _LISTS and h.separator is None]
        if unjoined:
            raise ValueError(f"push.yaml headers carry a list without a separator: "
                             f"{', '.join(unjoined)}")
        success = push["success"]
        return cls(str(push["method"]), headers, formats, str(success["status"]),
                   float(success["timeout_seconds"]), strategies)

    @property
    def default_strategy(self) -> RetryStrategy:
        """The strategy marked ``default`` (else the first listed)."""
        marked = [s for s in self.strategies.values() if s.default]
        return marked[0] if marked else next(iter(self.strategies.values()))

    def strategy(self, name: str) -> RetryStrategy:
        """The named strategy; an unknown or empty name falls back to the default."""
        return self.strategies.get(name) or self.default_strategy

    def delays(self, strategy: str, rng: random.Random | None = None) -> Iterator[float]:
        """The waits before each retry of ``strategy``."""
        return self.strategy(strategy).delays(rng)

    def succeeded(self, status: int | None) -> bool:
        """Whether ``status`` matches the success pattern (``2xx``: x is any digit)."""
        if status is None:
            return False
        text = str(status)
        pattern = self.success_status.lower()
        return len(text) == len(pattern) and all(
            want in ("x", got) for want, got in zip(pattern, text, strict=True))

    def request(self, delivery: Delivery,
                mutants: Mutants = NO_MUTANTS) -> tuple[dict[str, str], bytes]:
        """Headers and body of one attempt, in the delivery's format (a fresh request id)."""
        fmt = self.formats.get(delivery.content_format)
        if fmt is None:
            raise ValueError(f"notifyContentFormat {delivery.content_format!r} is not one of "
                             f"{', '.join(self.formats)}")
        attempt = dataclasses.replace(delivery, request_id=numeric_id(),
                                      content_type=fmt.content_type)
        headers = {}
        for header in self.headers:
            if mutants.active("push-message-id-header-missing") and header.carries == "msgId":
                continue
            value = header.render(attempt)
            if value is not None:
                headers[header.name] = value
        return headers, fmt.body(attempt)


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
    :class:`PushResult`. ``transport`` lets tests use ``httpx.MockTransport``. ``mutants`` are
    the deviations it delivers with.
    """

    def __init__(self, contract: PushContract, *, time_scale: float = 1.0,
                 transport: httpx.AsyncBaseTransport | None = None,
                 on_result: Callable[[PushResult], None] | None = None,
                 rng: random.Random | None = None, mutants: Mutants = NO_MUTANTS) -> None:
        self.contract = contract
        self.mutants = mutants
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
        spec_timeout = self.contract.timeout
        # A scaled timeout keeps at least a second: loopback receivers still need time to answer.
        timeout = max(spec_timeout * self.time_scale, min(1.0, spec_timeout))
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
        headers, body = self.contract.request(delivery, self.mutants)
        try:
            response = await self._client.request(self.contract.method, delivery.endpoint,
                                                  headers=headers, content=body)
        except httpx.HTTPError as exc:
            log.info("push %s to subscription %s failed: %s", delivery.msg_id,
                     delivery.subscription_name, type(exc).__name__)
            return None
        return response.status_code

    async def _deliver(self, delivery: Delivery) -> None:
        try:
            status = await self._attempt(delivery)
        except ValueError as exc:  # a format push.yaml does not define: nothing can be sent
            log.warning("push %s not sent: %s", delivery.msg_id, exc)
            self._report(PushResult(delivery, False, 0, None))
            return
        attempts = 1
        delays = self.contract.delays(delivery.strategy, self._rng)
        if self.mutants.active("push-no-retries"):
            delays = iter(())
        while not self.contract.succeeded(status):
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
