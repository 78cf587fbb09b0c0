"""Backend topics, subscriptions, publishing and quotas, on a fake clock."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest

from cmqconform.emulator import FakeClock, Fault
from cmqconform.products.cmq import Backend
from cmqconform.products.cmq.limits import Limits
from cmqconform.spec import load_specs

ACC = "AKIDtest"


@pytest.fixture
def backend() -> Backend:
    return Backend(clock=FakeClock())


def fault_of(call: Any, *args: Any, **kwargs: Any) -> Fault:
    with pytest.raises(Fault) as info:
        call(*args, **kwargs)
    return info.value


def bodies(backend: Backend, queue: str) -> list[str]:
    async def drain() -> list[str]:
        try:
            got = await backend.receive_messages(ACC, queue, 16, polling_wait_seconds=0)
        except Fault:
            return []
        return [m.body for m in got]
    return asyncio.run(drain())


def subscribe_queue(backend: Backend, topic: str, queue: str, **attrs: Any) -> str:
    backend.create_queue(ACC, queue)
    return backend.subscribe(ACC, topic, f"sub-{queue}", protocol="queue", endpoint=queue,
                             attributes={"notifyContentFormat": "SIMPLIFIED", **attrs})


def test_topic_lifecycle(backend: Backend) -> None:
    topic_id = backend.create_topic(ACC, "News", {"MaxMsgSize": 2048})
    assert topic_id.startswith("topic-")
    attrs = backend.get_topic(ACC, "news")
    assert attrs["maxMsgSize"] == 2048 and attrs["topicName"] == "News"
    assert attrs["msgRetentionSeconds"] == \
        load_specs().product("cmq").limit("topic_message_retention_seconds")
    assert fault_of(backend.create_topic, ACC, "NEWS").condition == "topic_exists"
    assert backend.set_topic_attributes(ACC, "News", {"maxMsgSize": 4096})["maxMsgSize"] == 4096
    assert backend.list_topics(ACC, search_word="ew").total == 1
    subscribe_queue(backend, "News", "q")
    assert fault_of(backend.delete_topic, ACC, "News").condition == "topic_has_subscriptions"
    backend.unsubscribe(ACC, "News", "sub-q")
    backend.delete_topic(ACC, "News")
    assert fault_of(backend.get_topic, ACC, "News").condition == "topic_not_found"
    assert fault_of(backend.create_topic, ACC, "news").condition == "name_in_release_window"


def test_publish_without_subscription_and_to_queue(backend: Backend) -> None:
    backend.create_topic(ACC, "t")
    assert fault_of(backend.publish_message, ACC, "t", "x").condition == "topic_no_subscription"
    subscribe_queue(backend, "t", "q1")
    subscribe_queue(backend, "t", "q2")
    backend.publish_messages(ACC, "t", ["a", "b"], msg_tags=["any"])
    assert bodies(backend, "q1") == ["a", "b"] and bodies(backend, "q2") == ["a", "b"]
    assert backend.get_topic(ACC, "t")["msgCount"] == 2


def test_filter_tags_rules(backend: Backend) -> None:
    backend.create_topic(ACC, "t")
    subscribe_queue(backend, "t", "all")
    subscribe_queue(backend, "t", "sport", filterTag=["football", "tennis"])
    backend.publish_message(ACC, "t", "untagged")
    backend.publish_message(ACC, "t", "ball", msg_tags=["football"])
    backend.publish_message(ACC, "t", "news", msg_tags=["politics"])
    assert bodies(backend, "all") == ["untagged", "ball", "news"]
    assert bodies(backend, "sport") == ["ball"]
    backend.clear_filter_tags(ACC, "t", "sub-sport")
    assert backend.get_subscription(ACC, "t", "sub-sport")["filterTag"] == []
    backend.publish_message(ACC, "t", "now-all")
    assert bodies(backend, "sport") == ["now-all"]


def test_no_matching_subscription(backend: Backend) -> None:
    backend.create_topic(ACC, "t")
    subscribe_queue(backend, "t", "q", filterTag=["a"])
    assert fault_of(backend.publish_message, ACC, "t", "x", msg_tags=["b"]).condition == \
        "no_matching_subscription"
    assert fault_of(backend.publish_message, ACC, "t", "x").condition == \
        "no_matching_subscription"


def test_routing_keys(backend: Backend) -> None:
    backend.create_topic(ACC, "t", {"filterType": 2})
    assert fault_of(subscribe_queue, backend, "t", "nokey").condition == "missing_binding_key"
    subscribe_queue(backend, "t", "orders", bindingKey=["order.*"])
    subscribe_queue(backend, "t", "everything", bindingKey=["#"])
    backend.publish_message(ACC, "t", "o1", routing_key="order.created")
    backend.publish_message(ACC, "t", "u1", routing_key="user.created")
    assert bodies(backend, "orders") == ["o1"]
    assert bodies(backend, "everything") == ["o1", "u1"]
    assert fault_of(backend.publish_message, ACC, "t", "x").condition == "missing_routing_key"


def test_routing_hash_reading_and_alternative() -> None:
    routing = Limits.from_specs(load_specs()).filter_type_routing
    for hash_min_words, expected in ((1, []), (0, ["bare"])):
        backend = Backend(clock=FakeClock(), hash_min_words=hash_min_words)
        backend.create_topic(ACC, "t", {"filterType": routing})
        subscribe_queue(backend, "t", "orders", bindingKey=["order.#"])
        subscribe_queue(backend, "t", "other", bindingKey=["zzz"])
        backend.publish_message(ACC, "t", "deep", routing_key="order.a.b")
        with contextlib.suppress(Fault):  # the reading matches nothing: no_matching_subscription
            backend.publish_message(ACC, "t", "bare", routing_key="order")
        assert bodies(backend, "orders") == ["deep", *expected]


def test_key_delimiter_limits(backend: Backend) -> None:
    limits = load_specs().product("cmq").limits
    routing = Limits.from_specs(load_specs()).filter_type_routing
    backend.create_topic(ACC, "t", {"filterType": routing})
    binding_max = limits["binding_key_max_dots"].value
    too_deep = ".".join(["w"] * (binding_max + 2))
    fault = fault_of(subscribe_queue, backend, "t", "deep", bindingKey=[too_deep])
    assert fault.condition == "too_many_delimiters" and fault.param == "bindingKey"
    subscribe_queue(backend, "t", "ok", bindingKey=[".".join(["w"] * (binding_max + 1))])
    fault = fault_of(backend.set_subscription_attributes, ACC, "t", "sub-ok",
                     {"bindingKey": [too_deep]})
    assert fault.condition == "too_many_delimiters"
    routing_max = limits["routing_key_max_dots"].value
    fault = fault_of(backend.publish_message, ACC, "t", "x",
                     routing_key=".".join(["w"] * (routing_max + 2)))
    assert fault.condition == "too_many_delimiters" and fault.param == "routingKey"
    backend.publish_message(ACC, "t", "x", routing_key=".".join(["w"] * (routing_max + 1)))


def test_subscription_attributes_and_listing(backend: Backend) -> None:
    backend.create_topic(ACC, "t")
    sub_id = backend.subscribe(ACC, "t", "web", protocol="http", endpoint="http://127.0.0.1:1/")
    assert sub_id.startswith("subsc-")
    attrs = backend.get_subscription(ACC, "t", "WEB")
    create = load_specs().api("cmq.legacy").action("Subscribe")
    assert attrs["notifyStrategy"] == create.param("notifyStrategy").default
    assert attrs["notifyContentFormat"] == create.param("notifyContentFormat").default
    assert fault_of(backend.subscribe, ACC, "t", "Web", protocol="http",
                    endpoint="http://x/").condition == "subscription_exists"
    changed = backend.set_subscription_attributes(ACC, "t", "web",
                                                  {"NotifyStrategy": "BACKOFF_RETRY",
                                                   "FilterTags": ["x"]})
    assert changed["notifyStrategy"] == "BACKOFF_RETRY" and changed["filterTag"] == ["x"]
    assert backend.list_subscriptions(ACC, "t").total == 1
    assert fault_of(backend.unsubscribe, ACC, "t", "nope").condition == "subscription_not_found"


def test_quotas(backend: Backend) -> None:
    limits: Limits = backend.limits
    assert limits.subscriptions_per_topic == \
        load_specs().product("cmq").limit("subscriptions_per_topic")
    small = backend.limits.replace(topics_per_account=2, subscriptions_per_topic=1)
    backend.limits = small
    backend.create_topic(ACC, "t1")
    backend.create_topic(ACC, "t2")
    assert fault_of(backend.create_topic, ACC, "t3").condition == "topic_quota"
    subscribe_queue(backend, "t1", "q1")
    assert fault_of(subscribe_queue, backend, "t1", "q2").condition == "subscription_quota"


def test_topic_message_size(backend: Backend) -> None:
    backend.create_topic(ACC, "t", {"maxMsgSize": 1024})
    subscribe_queue(backend, "t", "q")
    assert fault_of(backend.publish_message, ACC, "t", "x" * 1025).condition == \
        "message_too_large"


def test_topic_owner_is_a_numeric_appid(backend: Backend) -> None:
    backend.create_topic(ACC, "t")
    subscribe_queue(backend, "t", "q")
    owner = backend.get_subscription(ACC, "t", "sub-q")["topicOwner"]
    assert owner.isdigit() and ACC not in owner
    assert backend.get_subscription(ACC, "t", "sub-q")["topicOwner"] == owner
