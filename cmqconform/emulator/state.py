"""The emulator's state: accounts, queues, messages, topics and subscriptions.

One :class:`Backend` serves both API surfaces. Attributes are stored under the legacy lowerCamel
wire names (``maxMsgHeapNum``, ``visibilityTimeout``...); the API 3.0 layer maps its UpperCamel
names onto them case-insensitively. Every refusal is a :class:`~cmqconform.emulator.faults.Fault`
naming an errors.yaml condition. Limits and defaults come from ``specs/``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cmqconform.emulator.clock import Clock
from cmqconform.emulator.records import Page, ReceivedMessage
from cmqconform.models import SpecSet


class Backend:
    """Thread-safe CMQ state for any number of isolated accounts.

    Synchronous methods may be called from any thread; the receive methods are coroutines because
    long polling waits on the event loop (a send wakes a waiting receiver at once).
    ``account`` is the key of an isolated namespace (the SecretId or app id); namespaces are
    created on first use.
    """

    def __init__(self, specs: SpecSet | None = None, *, clock: Clock | None = None,
                 name_release_seconds: float | None = None,
                 push_time_scale: float = 1.0) -> None:
        raise NotImplementedError

    # -- queues -------------------------------------------------------------------------------
    def create_queue(self, account: str, name: str,
                     attributes: Mapping[str, Any] | None = None) -> str:
        """Create a queue and return its id; attribute names are matched case-insensitively."""
        raise NotImplementedError

    def delete_queue(self, account: str, name: str) -> None:
        """Delete a queue; its name is held for the release window."""
        raise NotImplementedError

    def get_queue(self, account: str, name: str) -> dict[str, Any]:
        """Attributes plus queueId, queueName and statistics, all under lowerCamel names."""
        raise NotImplementedError

    def set_queue_attributes(self, account: str, name: str,
                             attributes: Mapping[str, Any]) -> dict[str, Any]:
        """Change attributes (only those given) and return the full attribute set."""
        raise NotImplementedError

    def list_queues(self, account: str, *, offset: int = 0, limit: int | None = None,
                    search_word: str | None = None, names: Sequence[str] | None = None,
                    tag_key: str | None = None) -> Page:
        """Queues in creation order; ``search_word`` is a fuzzy (substring) match, ``names``
        exact (case-insensitive) names."""
        raise NotImplementedError

    def clear_queue(self, account: str, name: str) -> None:
        """Drop every message of the queue."""
        raise NotImplementedError

    def rewind_queue(self, account: str, name: str, start_consume_time: int) -> None:
        """Make messages enqueued at or after ``start_consume_time`` consumable again."""
        raise NotImplementedError

    def unbind_dead_letter(self, account: str, name: str) -> None:
        """Remove the dead-letter policy of a source queue."""
        raise NotImplementedError

    def dead_letter_sources(self, account: str, dead_letter_queue: str, *, offset: int = 0,
                            limit: int | None = None,
                            source_name: str | None = None) -> Page:
        """Source queues whose dead-letter policy names ``dead_letter_queue``."""
        raise NotImplementedError

    # -- messages -----------------------------------------------------------------------------
    def send_message(self, account: str, queue: str, body: str,
                     delay_seconds: int = 0) -> str:
        """Enqueue one message and return its msgId."""
        raise NotImplementedError

    def send_messages(self, account: str, queue: str, bodies: Sequence[str],
                      delay_seconds: int = 0) -> list[str]:
        """Enqueue a batch atomically (all or none) and return the msgIds."""
        raise NotImplementedError

    async def receive_message(self, account: str, queue: str,
                              polling_wait_seconds: int | None = None) -> ReceivedMessage:
        """Receive one message, long-polling up to the wait; Fault ``no_message`` when empty."""
        raise NotImplementedError

    async def receive_messages(self, account: str, queue: str, count: int,
                               polling_wait_seconds: int | None = None) -> list[ReceivedMessage]:
        """Receive up to ``count`` messages; Fault ``no_message`` when none arrived in time."""
        raise NotImplementedError

    def delete_message(self, account: str, queue: str, receipt_handle: str) -> None:
        """Delete by the latest receipt handle; stale, expired or unknown handles are refused."""
        raise NotImplementedError

    def delete_messages(self, account: str, queue: str, receipt_handles: Sequence[str]) -> None:
        """Delete a batch; when some fail, Fault ``batch_delete_partial`` lists them."""
        raise NotImplementedError

    # -- topics -------------------------------------------------------------------------------
    def create_topic(self, account: str, name: str,
                     attributes: Mapping[str, Any] | None = None) -> str:
        """Create a topic and return its id."""
        raise NotImplementedError

    def delete_topic(self, account: str, name: str) -> None:
        """Delete a topic without subscriptions."""
        raise NotImplementedError

    def get_topic(self, account: str, name: str) -> dict[str, Any]:
        """Attributes plus topicId, topicName and msgCount under lowerCamel names."""
        raise NotImplementedError

    def set_topic_attributes(self, account: str, name: str,
                             attributes: Mapping[str, Any]) -> dict[str, Any]:
        """Change topic attributes and return the full set."""
        raise NotImplementedError

    def list_topics(self, account: str, *, offset: int = 0, limit: int | None = None,
                    search_word: str | None = None, names: Sequence[str] | None = None,
                    tag_key: str | None = None) -> Page:
        """Topics in creation order, filtered like :meth:`list_queues`."""
        raise NotImplementedError

    def publish_message(self, account: str, topic: str, body: str,
                        msg_tags: Sequence[str] = (), routing_key: str | None = None) -> str:
        """Deliver one message to every matching subscription and return its msgId."""
        raise NotImplementedError

    def publish_messages(self, account: str, topic: str, bodies: Sequence[str],
                         msg_tags: Sequence[str] = (),
                         routing_key: str | None = None) -> list[str]:
        """Publish a batch; returns the msgIds."""
        raise NotImplementedError

    # -- subscriptions ------------------------------------------------------------------------
    def subscribe(self, account: str, topic: str, name: str, *, protocol: str, endpoint: str,
                  attributes: Mapping[str, Any] | None = None) -> str:
        """Create a subscription and return its id."""
        raise NotImplementedError

    def unsubscribe(self, account: str, topic: str, name: str) -> None:
        """Delete a subscription."""
        raise NotImplementedError

    def get_subscription(self, account: str, topic: str, name: str) -> dict[str, Any]:
        """Subscription attributes under lowerCamel names."""
        raise NotImplementedError

    def set_subscription_attributes(self, account: str, topic: str, name: str,
                                    attributes: Mapping[str, Any]) -> dict[str, Any]:
        """Change subscription attributes and return the full set."""
        raise NotImplementedError

    def clear_filter_tags(self, account: str, topic: str, name: str) -> None:
        """Remove every filter tag of a subscription."""
        raise NotImplementedError

    def list_subscriptions(self, account: str, topic: str, *, offset: int = 0,
                           limit: int | None = None, search_word: str | None = None,
                           names: Sequence[str] | None = None) -> Page:
        """Subscriptions of a topic in creation order."""
        raise NotImplementedError

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        """Start background work (expiry sweep, push delivery) on the running loop."""
        raise NotImplementedError

    async def aclose(self) -> None:
        """Stop background work and wait for in-flight pushes."""
        raise NotImplementedError
