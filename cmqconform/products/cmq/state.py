"""The emulator's state: accounts, queues, messages, topics and subscriptions.

One :class:`Backend` serves both API surfaces. Attributes are stored under the legacy lowerCamel
wire names (``maxMsgHeapNum``, ``visibilityTimeout``...); the API 3.0 layer maps its UpperCamel
names onto them case-insensitively. Every refusal is a :class:`~cmqconform.emulator.faults.Fault`
naming an errors.yaml condition. Limits and defaults come from ``specs/``.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from cmqconform.emulator.clock import RealClock, ServerClock
from cmqconform.emulator.faults import Fault, ItemError
from cmqconform.emulator.product import NO_MUTANTS, Mutants
from cmqconform.models import SpecSet
from cmqconform.products.cmq.ids import app_id, numeric_id, resource_id
from cmqconform.products.cmq.limits import Limits, lower_camel
from cmqconform.products.cmq.matching import HASH_MIN_WORDS
from cmqconform.products.cmq.namespace import Account, listed, page_of
from cmqconform.products.cmq.pubsub import TopicOps
from cmqconform.products.cmq.push import PushContract, PushDeliverer, PushResult
from cmqconform.products.cmq.queues import Message, Queue
from cmqconform.products.cmq.records import Page, ReceivedMessage
from cmqconform.spec import load_specs

#: Sweep period of the background expiry task, in seconds of the backend's clock.
SWEEP_SECONDS = 1.0


class Backend(TopicOps):
    """Thread-safe CMQ state for any number of isolated accounts.

    Synchronous methods may be called from any thread; the receive methods are coroutines because
    long polling waits on the event loop (a send wakes a waiting receiver at once).
    ``hash_min_words`` picks the reading of erratum routing-key-hash (0: AMQP's zero or more).
    ``account`` is the key of an isolated namespace (the SecretId or app id); namespaces are
    created on first use. ``mutants`` are the deviations it runs with (none: the reference).
    """

    def __init__(self, specs: SpecSet | None = None, *, clock: ServerClock | None = None,
                 name_release_seconds: float | None = None,
                 push_time_scale: float = 1.0,
                 push: PushDeliverer | None = None,
                 hash_min_words: int = HASH_MIN_WORDS,
                 mutants: Mutants = NO_MUTANTS) -> None:
        self.specs = specs or load_specs()
        self.mutants = mutants
        self.clock: ServerClock = clock or RealClock()
        self.limits = Limits.from_specs(self.specs)
        self.hash_min_words = hash_min_words
        if name_release_seconds is not None:
            self.limits = self.limits.replace(name_release_seconds=name_release_seconds)
        self.push = push or PushDeliverer(PushContract.from_specs(self.specs),
                                          time_scale=push_time_scale, mutants=mutants)
        self.push_results: list[PushResult] = []
        self.push.add_listener(self._on_push_result)
        self._lock = threading.RLock()
        self._accounts: dict[str, Account] = {}
        self._waiters: dict[str, set[asyncio.Future[None]]] = {}
        self._sweeper: asyncio.Task[None] | None = None
        #: Set when the server shuts down: every waiting receive answers empty at once.
        self._draining = False

    # -- plumbing -----------------------------------------------------------------------------
    def _account(self, account: str) -> Account:
        return self._accounts.setdefault(account, Account())

    def _queue(self, account: str, name: str) -> Queue:
        queue = self._account(account).queues.get(name.lower())
        if queue is None:
            raise Fault("queue_not_found", f"queue {name} does not exist", "queueName")
        return queue

    def _reserve_name(self, account: Account, kind: str, name: str, now: float) -> None:
        until = account.released.get((kind, name.lower()))
        if self.mutants.active("release-window-ignored" if kind == "queue"
                          else "topic-release-window-ignored"):
            until = None
        if until is not None and now < until:
            raise Fault("name_in_release_window",
                        f"{kind} name {name} was deleted recently; retry after "
                        f"{until - now:.0f} seconds", f"{kind}Name")
        account.released.pop((kind, name.lower()), None)

    def _refresh(self, account: str, queue: Queue, now: float) -> None:
        """Apply due expiries and visibility changes; move dead letters to their queue."""
        dead = queue.refresh(now)
        if not dead or self.mutants.active("dead-letter-dropped"):
            return
        target = self._account(account).queues.get(str(queue.attr("deadLetterQueueName")).lower())
        if target is None:
            return
        for message in dead:
            if len(target.messages) >= int(target.attr("maxMsgHeapNum") or 0):
                break
            target.add(Message(msg_id=message.msg_id, body=message.body, enqueue_time=now,
                               visible_at=now), now)
        self._wake(target)

    def _wake(self, queue: Queue) -> None:
        if self.mutants.active("long-poll-ignores-arrival"):
            return
        for future in self._waiters.get(queue.queue_id, ()):
            future.get_loop().call_soon_threadsafe(_settle, future)

    def _now(self) -> float:
        return self.clock.now()

    # -- queues -------------------------------------------------------------------------------
    def create_queue(self, account: str, name: str,
                     attributes: Mapping[str, Any] | None = None) -> str:
        """Create a queue and return its id; attribute names are matched case-insensitively."""
        with self._lock:
            space = self._account(account)
            now = self._now()
            taken = {n for n in space.queues} if not self.mutants.active("names-case-sensitive") \
                else {q.name for q in space.queues.values()}
            if self.mutants.active("queue-names-global"):
                # One namespace for every account instead of one per account.
                taken |= {n for other in self._accounts.values() for n in other.queues}
            if (name if self.mutants.active("names-case-sensitive") else name.lower()) in taken:
                raise Fault("queue_exists", f"queue {name} already exists", "queueName")
            self._reserve_name(space, "queue", name, now)
            attrs = dict(self.limits.queue_defaults)
            attrs.update(self._attributes(attributes, self.limits.queue_attributes))
            self._check_dead_letter(space, name, attrs)
            attrs["createTime"] = attrs["lastModifyTime"] = int(now)
            queue = Queue(resource_id("queue"), name, attrs, self.mutants)
            space.queues[name.lower()] = queue
            return queue.queue_id

    def _attributes(self, given: Mapping[str, Any] | None,
                    known: Mapping[str, str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in (given or {}).items():
            if value is not None:
                out[known.get(key.lower(), lower_camel(key))] = value
        return out

    def _check_dead_letter(self, space: Account, name: str, attrs: Mapping[str, Any]) -> None:
        target = attrs.get("deadLetterQueueName")
        if target and str(target).lower() not in space.queues:
            raise Fault("dead_letter_queue_not_found",
                        f"dead-letter queue {target} does not exist", "deadLetterQueueName")
        if target and str(target).lower() == name.lower():
            raise Fault("rule_violation", "a queue cannot be its own dead-letter queue",
                        "deadLetterQueueName")

    def delete_queue(self, account: str, name: str) -> None:
        """Delete a queue; its name is held for the release window."""
        with self._lock:
            space = self._account(account)
            queue = self._queue(account, name)
            del space.queues[name.lower()]
            space.released[("queue", name.lower())] = (
                self._now() + self.limits.name_release_seconds)
            self._wake(queue)

    def get_queue(self, account: str, name: str) -> dict[str, Any]:
        """Attributes plus queueId, queueName and statistics, all under lowerCamel names."""
        with self._lock:
            return self._describe_queue(account, self._queue(account, name))

    def _describe_queue(self, account: str, queue: Queue) -> dict[str, Any]:
        now = self._now()
        self._refresh(account, queue, now)
        out: dict[str, Any] = {"queueId": queue.queue_id, "queueName": queue.name,
                               "createUin": int(app_id(account))}
        out.update(queue.attributes)
        out.update(queue.stats(now))
        space = self._account(account)
        dlq_name = queue.attr("deadLetterQueueName")
        if dlq_name:
            target = space.queues.get(str(dlq_name).lower())
            out["deadLetterPolicy"] = {
                "deadLetterQueueName": dlq_name,
                "deadLetterQueue": target.queue_id if target else None,
                "policy": queue.attr("policy") or 0,
                "maxTimeToLive": queue.attr("maxTimeToLive"),
                "maxReceiveCount": queue.attr("maxReceiveCount"),
            }
        else:
            out["deadLetterPolicy"] = {} if self.mutants.active("dead-letter-policy-empty-object") \
                else None
        out["deadLetterSource"] = [
            {"queueId": q.queue_id, "queueName": q.name} for q in space.queues.values()
            if str(q.attr("deadLetterQueueName") or "").lower() == queue.name.lower()]
        if queue.attr("transaction") == 1:
            out["transactionPolicy"] = {"firstQueryInterval": queue.attr("firstQueryInterval"),
                                        "maxQueryCount": queue.attr("maxQueryCount")}
        else:
            out["transactionPolicy"] = None
        out["tags"] = []
        return out

    def set_queue_attributes(self, account: str, name: str,
                             attributes: Mapping[str, Any]) -> dict[str, Any]:
        """Change attributes (only those given) and return the full attribute set."""
        with self._lock:
            queue = self._queue(account, name)
            changes = self._attributes(attributes, self.limits.queue_attributes)
            merged = {**queue.attributes, **changes}
            self._check_dead_letter(self._account(account), queue.name, merged)
            queue.attributes.update(changes)
            queue.attributes["lastModifyTime"] = int(self._now())
            return self._describe_queue(account, queue)

    def list_queues(self, account: str, *, offset: int = 0, limit: int | None = None,
                    search_word: str | None = None, names: Sequence[str] | None = None,
                    tag_key: str | None = None) -> Page:
        """Queues in creation order; ``search_word`` is a case-insensitive substring match,
        ``names`` exact names (case-insensitive); queues carry no tags, so ``tag_key`` matches
        none."""
        with self._lock:
            space = self._account(account)
            if tag_key is not None:
                return Page(0, ())
            if names and self.mutants.active("exact-filter-substring"):
                # The exact-name filter matched as a fuzzy search word.
                search_word, names = names[0], None
            chosen = listed((q.name for q in space.queues.values()), search_word, names)
            items = [self._describe_queue(account, space.queues[n.lower()]) for n in chosen]
            return page_of(items, offset, limit, self.mutants)

    def clear_queue(self, account: str, name: str) -> None:
        """Drop every message of the queue."""
        with self._lock:
            self._queue(account, name).clear()

    def rewind_queue(self, account: str, name: str, start_consume_time: int) -> None:
        """Make messages enqueued at or after ``start_consume_time`` consumable again."""
        with self._lock:
            queue = self._queue(account, name)
            now = self._now()
            self._refresh(account, queue, now)
            window = int(queue.attr("rewindSeconds") or 0)
            if window <= 0 and not self.mutants.active("rewind-without-rewind-seconds"):
                raise Fault("rewind_not_enabled", f"queue {name} has rewind disabled",
                            "queueName")
            if not now - window <= start_consume_time <= now \
                    and not self.mutants.active("rewind-window-unchecked"):
                raise Fault("rewind_time_invalid",
                            f"parameter startConsumeTime must be within the last {window} "
                            f"seconds: {start_consume_time}", "startConsumeTime")
            queue.rewind(float(start_consume_time), now)
            self._wake(queue)

    def unbind_dead_letter(self, account: str, name: str) -> None:
        """Remove the dead-letter policy of a source queue."""
        with self._lock:
            queue = self._queue(account, name)
            for key in () if self.mutants.active("unbind-keeps-policy") else (
                    "deadLetterQueueName", "policy", "maxReceiveCount", "maxTimeToLive"):
                queue.attributes.pop(key, None)
            queue.attributes["lastModifyTime"] = int(self._now())

    def dead_letter_sources(self, account: str, dead_letter_queue: str, *, offset: int = 0,
                            limit: int | None = None,
                            source_name: str | None = None) -> Page:
        """Source queues whose dead-letter policy names ``dead_letter_queue``."""
        with self._lock:
            target = self._queue(account, dead_letter_queue)
            sources = [q for q in self._account(account).queues.values()
                       if str(q.attr("deadLetterQueueName") or "").lower() == target.name.lower()
                       and (source_name is None or q.name.lower() == source_name.lower())]
            items = [{"queueId": q.queue_id, "queueName": q.name} for q in sources]
            return page_of(items, offset, limit, self.mutants)

    # -- messages -----------------------------------------------------------------------------
    def send_message(self, account: str, queue: str, body: str,
                     delay_seconds: int = 0) -> str:
        """Enqueue one message and return its msgId."""
        return self.send_messages(account, queue, [body], delay_seconds)[0]

    def send_messages(self, account: str, queue: str, bodies: Sequence[str],
                      delay_seconds: int = 0) -> list[str]:
        """Enqueue a batch atomically (all or none) and return the msgIds."""
        with self._lock:
            found = self._queue(account, queue)
            now = self._now()
            self._refresh(account, found, now)
            ids = self._enqueue(found, bodies, delay_seconds, now)
            self._wake(found)
            return ids

    def _enqueue(self, queue: Queue, bodies: Sequence[str], delay_seconds: int,
                 now: float) -> list[str]:
        limit = int(queue.attr("maxMsgSize") or 0)
        for body in bodies:
            size = len(body.encode())
            if limit and size > limit:
                raise Fault("message_too_large",
                            f"message body of {size} bytes exceeds maxMsgSize {limit}", "msgBody")
        heap = int(queue.attr("maxMsgHeapNum") or 0)
        if heap and len(queue.messages) + len(bodies) > heap:
            raise Fault("heap_full", f"queue {queue.name} holds maxMsgHeapNum={heap} messages")
        ids = []
        for body in bodies:
            if self.mutants.active("delay-ignored"):
                delay_seconds = 0
            delay: float = delay_seconds / 2 if self.mutants.active("delay-fires-early") \
                else delay_seconds
            message = Message(msg_id=numeric_id(), body=body, enqueue_time=now,
                              visible_at=now + delay, delayed=delay_seconds > 0)
            queue.add(message, now)
            ids.append(message.msg_id)
        return ids

    async def receive_message(self, account: str, queue: str,
                              polling_wait_seconds: int | None = None) -> ReceivedMessage:
        """Receive one message, long-polling up to the wait; Fault ``no_message`` when empty."""
        return (await self.receive_messages(account, queue, 1, polling_wait_seconds))[0]

    async def receive_messages(self, account: str, queue: str, count: int,
                               polling_wait_seconds: int | None = None) -> list[ReceivedMessage]:
        """Receive up to ``count`` messages; Fault ``no_message`` when none arrived in time.

        The wait is ``polling_wait_seconds`` when given, else the queue's pollingWaitSeconds. A
        send, a rewind or a message becoming visible again ends the wait at once.
        """
        loop = asyncio.get_running_loop()
        with self._lock:
            found = self._queue(account, queue)
            wait = (polling_wait_seconds if polling_wait_seconds is not None
                    else int(found.attr("pollingWaitSeconds") or 0))
            if self.mutants.active("long-poll-returns-immediately") or (
                    self.mutants.active("long-poll-queue-default-ignored")
                    and polling_wait_seconds is None):
                wait = 0
            deadline = self._now() + wait
        while True:
            with self._lock:
                found = self._queue(account, queue)
                now = self._now()
                self._refresh(account, found, now)
                timeout = int(found.attr("visibilityTimeout") or 0)
                got: list[ReceivedMessage] = []
                while len(got) < count:
                    taken = found.take(now, timeout)
                    if taken is None:
                        break
                    got.append(taken)
                if got:
                    return got
                remaining = deadline - now
                if remaining <= 0 or self._draining:
                    raise Fault("no_message", f"no message in queue {found.name}")
                due = found.next_visible_at()
                if due is not None:
                    remaining = min(remaining, max(due - now, 0.0))
                future: asyncio.Future[None] = loop.create_future()
                waiters = self._waiters.setdefault(found.queue_id, set())
                waiters.add(future)
            try:
                await self._wait(future, remaining)
            finally:
                with self._lock:
                    waiters.discard(future)
                    if not waiters:
                        self._waiters.pop(found.queue_id, None)

    async def _wait(self, future: asyncio.Future[None], seconds: float) -> None:
        sleeper = asyncio.ensure_future(self.clock.sleep(seconds))
        try:
            await asyncio.wait({future, sleeper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sleeper

    def delete_message(self, account: str, queue: str, receipt_handle: str) -> None:
        """Delete by the latest receipt handle; stale, expired or unknown handles are refused."""
        with self._lock:
            found = self._queue(account, queue)
            now = self._now()
            self._refresh(account, found, now)
            if not found.delete(receipt_handle, now):
                raise Fault("receipt_handle_invalid",
                            f"receipt handle {receipt_handle} is invalid or expired",
                            "receiptHandle")

    def delete_messages(self, account: str, queue: str, receipt_handles: Sequence[str]) -> None:
        """Delete a batch; when some fail, Fault ``batch_delete_partial`` lists them."""
        with self._lock:
            found = self._queue(account, queue)
            now = self._now()
            self._refresh(account, found, now)
            errors = tuple(
                ItemError(handle, "receipt_handle_invalid",
                          f"receipt handle {handle} is invalid or expired")
                for handle in receipt_handles if not found.delete(handle, now))
            if errors:
                raise Fault("batch_delete_partial",
                            f"{len(errors)} of {len(receipt_handles)} messages were not deleted",
                            "receiptHandle", errors)

    # -- lifecycle ----------------------------------------------------------------------------
    def sweep(self) -> None:
        """Apply expiries, visibility changes and dead-letter moves to every queue now."""
        with self._lock:
            now = self._now()
            for account, space in self._accounts.items():
                for queue in list(space.queues.values()):
                    self._refresh(account, queue, now)
                    if queue.has_visible():
                        self._wake(queue)

    async def _sweep_forever(self) -> None:
        while True:
            await self.clock.sleep(SWEEP_SECONDS)
            self.sweep()

    async def start(self) -> None:
        """Start background work (expiry sweep, push delivery) on the running loop."""
        await self.push.start()
        if self._sweeper is None:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())

    def drain(self) -> None:
        """The server is shutting down: end every long poll with the empty receive (the
        ``no_message`` answer), never a cancelled request; later receives do not wait."""
        with self._lock:
            self._draining = True
            for waiters in self._waiters.values():
                for future in waiters:
                    future.get_loop().call_soon_threadsafe(_settle, future)

    async def aclose(self) -> None:
        """Stop background work and cancel pending push retries."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        await self.push.aclose()


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
