"""API 3.0 (2019-03-04) handlers: the 17 management actions onto :class:`Backend` calls.

Parameters arrive validated and keyed by their spec names (UpperCamel); the Backend matches
attribute names case-insensitively, so most attributes pass straight through. Results are
returned under any spelling: the app projects them onto the spec's response members.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cmqconform.emulator.handlers import Context as BaseContext
from cmqconform.emulator.handlers import (
    Handler,
    attributes,
    current_of,
    filter_values,
    registry,
)
from cmqconform.products.cmq.state import Backend

#: What every handler here receives: the request's view of CMQ's Backend.
Context = BaseContext[Backend]

HANDLERS: dict[str, Handler]
HANDLERS, action = registry()

#: Where an API 3.0 name and the state's lowerCamel (legacy) name differ beyond case.
TO_STATE = {"FilterTags": "filterTag", "FilterTag": "filterTag"}
FROM_STATE = {"filterTag": "FilterTags", "filterTags": "FilterTags"}


def _state(params: Mapping[str, Any]) -> dict[str, Any]:
    return {TO_STATE.get(k, k): v for k, v in params.items()}


def _v3(record: Mapping[str, Any]) -> dict[str, Any]:
    return {FROM_STATE.get(k, k): v for k, v in record.items()}


def _app_id(value: Any) -> Any:
    """An APPID as the integer API 3.0 documents (left as it is when it is not a number)."""
    return int(value) if isinstance(value, str) and value.isdigit() else value


def _page(ctx: Context, params: Mapping[str, Any]) -> tuple[int, int | None]:
    offset = params.get("Offset", ctx.default("Offset")) or 0
    return int(offset), params.get("Limit", ctx.default("Limit"))


# -- queues --------------------------------------------------------------------------------------
@action("CreateQueue")
async def create_queue(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """CreateQueue -> QueueId."""
    queue_id = ctx.backend.create_queue(ctx.account, params["QueueName"],
                                        _state(attributes(params, "QueueName")))
    return {"QueueId": queue_id}


@action("DeleteQueue")
async def delete_queue(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """DeleteQueue."""
    ctx.backend.delete_queue(ctx.account, params["QueueName"])
    return {}


@action("ModifyQueueAttribute", current=current_of(Backend.get_queue, "QueueName"))
async def modify_queue(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """ModifyQueueAttribute."""
    if ctx.mutants.active("v3-modify-not-shared"):  # stored under the API 3.0 spelling only
        ctx.backend._queue(ctx.account, params["QueueName"]).attributes.update(
            attributes(params, "QueueName"))
        return {}
    ctx.backend.set_queue_attributes(ctx.account, params["QueueName"],
                                     _state(attributes(params, "QueueName")))
    return {}


@action("DescribeQueueDetail")
async def describe_queues(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """DescribeQueueDetail -> TotalCount, QueueSet."""
    offset, limit = _page(ctx, params)
    words = filter_values(params.get("Filters"), "QueueName")
    names = [params["QueueName"]] if params.get("QueueName") else None
    page = ctx.backend.list_queues(ctx.account, offset=offset, limit=limit,
                                   search_word=words[0] if words else None, names=names,
                                   tag_key=params.get("TagKey"))
    items = [_v3(item) for item in page.items]
    if ctx.mutants.active("v3-polling-wait-from-default"):
        items = [{**item, "pollingWaitSeconds": ctx.backend.limits.queue_defaults.get(
            "pollingWaitSeconds")} for item in items]
    return {"TotalCount": page.total, "QueueSet": items}


@action("ClearQueue")
async def clear_queue(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """ClearQueue."""
    ctx.backend.clear_queue(ctx.account, params["QueueName"])
    return {}


@action("RewindQueue")
async def rewind_queue(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """RewindQueue."""
    ctx.backend.rewind_queue(ctx.account, params["QueueName"], params["StartConsumeTime"])
    return {}


@action("UnbindDeadLetter")
async def unbind_dead_letter(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """UnbindDeadLetter."""
    ctx.backend.unbind_dead_letter(ctx.account, params["QueueName"])
    return {}


@action("DescribeDeadLetterSourceQueues")
async def dead_letter_sources(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """DescribeDeadLetterSourceQueues -> TotalCount, QueueSet."""
    offset, limit = _page(ctx, params)
    words = filter_values(params.get("Filters"), "SourceQueueName")
    page = ctx.backend.dead_letter_sources(ctx.account, params["DeadLetterQueueName"],
                                           offset=offset, limit=limit,
                                           source_name=words[0] if words else None)
    return {"TotalCount": page.total, "QueueSet": [_v3(item) for item in page.items]}


# -- topics --------------------------------------------------------------------------------------
@action("CreateTopic")
async def create_topic(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """CreateTopic -> TopicId."""
    topic_id = ctx.backend.create_topic(ctx.account, params["TopicName"],
                                        _state(attributes(params, "TopicName")))
    return {"TopicId": topic_id}


@action("DeleteTopic")
async def delete_topic(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """DeleteTopic."""
    ctx.backend.delete_topic(ctx.account, params["TopicName"])
    return {}


@action("ModifyTopicAttribute", current=current_of(Backend.get_topic, "TopicName"))
async def modify_topic(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """ModifyTopicAttribute."""
    ctx.backend.set_topic_attributes(ctx.account, params["TopicName"],
                                     _state(attributes(params, "TopicName")))
    return {}


@action("DescribeTopicDetail")
async def describe_topics(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """DescribeTopicDetail -> TotalCount, TopicSet."""
    offset, limit = _page(ctx, params)
    words = filter_values(params.get("Filters"), "TopicName")
    names = [params["TopicName"]] if params.get("TopicName") else None
    page = ctx.backend.list_topics(ctx.account, offset=offset, limit=limit,
                                   search_word=words[0] if words else None, names=names,
                                   tag_key=params.get("TagKey"))
    return {"TotalCount": page.total, "TopicSet": [_v3(item) for item in page.items]}


# -- subscriptions -------------------------------------------------------------------------------
@action("CreateSubscribe")
async def create_subscribe(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """CreateSubscribe -> SubscriptionId."""
    rest = attributes(params, "TopicName", "SubscriptionName", "Protocol", "Endpoint")
    if params["Protocol"] == "queue":
        # Errata v3-queue-format-default: an omitted format means SIMPLIFIED for a queue.
        rest.setdefault("NotifyContentFormat", "SIMPLIFIED")
    subscription_id = ctx.backend.subscribe(
        ctx.account, params["TopicName"], params["SubscriptionName"],
        protocol=params["Protocol"], endpoint=params["Endpoint"], attributes=_state(rest))
    return {"SubscriptionId": subscription_id}


@action("DeleteSubscribe")
async def delete_subscribe(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """DeleteSubscribe."""
    ctx.backend.unsubscribe(ctx.account, params["TopicName"], params["SubscriptionName"])
    return {}


@action("ModifySubscriptionAttribute",
        current=current_of(Backend.get_subscription, "TopicName", "SubscriptionName", view=_v3))
async def modify_subscription(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """ModifySubscriptionAttribute."""
    ctx.backend.set_subscription_attributes(
        ctx.account, params["TopicName"], params["SubscriptionName"],
        _state(attributes(params, "TopicName", "SubscriptionName")))
    return {}


@action("DescribeSubscriptionDetail")
async def describe_subscriptions(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """DescribeSubscriptionDetail -> TotalCount, SubscriptionSet."""
    offset, limit = _page(ctx, params)
    words = filter_values(params.get("Filters"), "SubscriptionName")
    page = ctx.backend.list_subscriptions(ctx.account, params["TopicName"], offset=offset,
                                          limit=limit, search_word=words[0] if words else None)
    # API 3.0's Subscription.TopicOwner is an Integer (cmq-api.txt:3822); the state keeps the
    # legacy reading, a string (erratum legacy-topic-owner-type), found by `cmqconform proxy`.
    items = [{**_v3(item), "TopicOwner": _app_id(item.get("topicOwner"))} for item in page.items]
    if ctx.mutants.active("v3-filter-tags-hidden"):
        items = [{**item, "FilterTags": []} for item in items]
    return {"TotalCount": page.total, "SubscriptionSet": items}


@action("ClearSubscriptionFilterTags")
async def clear_filter_tags(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """ClearSubscriptionFilterTags."""
    ctx.backend.clear_filter_tags(ctx.account, params["TopicName"], params["SubscriptionName"])
    return {}
