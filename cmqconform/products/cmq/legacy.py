"""Legacy (2017) handlers: every queue, message, topic and subscription action.

Parameters arrive validated, keyed by spec name (the lowerCamel wire names); they are read
case-insensitively because the doc prints some as ``QueueName``. The state keeps attributes under
the same lowerCamel names, so results need no renaming; the app projects them onto the spec's
response members and adds ``code``, ``message`` and ``requestId``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cmqconform.emulator.handlers import Context as BaseContext
from cmqconform.emulator.handlers import (
    Handler,
    arg,
    attributes,
    current_of,
    registry,
)
from cmqconform.products.cmq.records import ReceivedMessage
from cmqconform.products.cmq.state import Backend

#: What every handler here receives: the request's view of CMQ's Backend.
Context = BaseContext[Backend]

HANDLERS: dict[str, Handler]
HANDLERS, action = registry()


def _page(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    offset = arg(params, "offset", ctx.default("offset")) or 0
    return {"offset": int(offset), "limit": arg(params, "limit", ctx.default("limit")),
            "search_word": arg(params, "searchWord") or None}


#: Where a response member's name differs from the state's attribute name beyond case.
FROM_STATE = {"filterTag": "filterTags"}


def _renamed(record: Mapping[str, Any]) -> dict[str, Any]:
    return {FROM_STATE.get(k, k): v for k, v in record.items()}


def _list(items: Any) -> list[Any]:
    """An array parameter's items; a lone value (``msgTag=x``) counts as one item."""
    if items is None:
        return []
    return list(items) if isinstance(items, list | tuple) else [items]


# -- queues --------------------------------------------------------------------------------------
@action("CreateQueue")
async def create_queue(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """CreateQueue -> queueId."""
    queue_id = ctx.backend.create_queue(ctx.account, arg(params, "queueName"),
                                        attributes(params, "queueName"))
    return {"queueId": queue_id}


@action("DeleteQueue")
async def delete_queue(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """DeleteQueue."""
    ctx.backend.delete_queue(ctx.account, arg(params, "queueName"))
    return {}


@action("ListQueue")
async def list_queue(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """ListQueue -> totalCount, queueList."""
    page = ctx.backend.list_queues(ctx.account, **_page(ctx, params))
    total = page.total + 1 if ctx.mutants.active("list-total-off-by-one") else page.total
    return {"totalCount": total, "queueList": list(page.items)}


@action("GetQueueAttributes")
async def get_queue(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """GetQueueAttributes -> every attribute and statistic."""
    found = ctx.backend.get_queue(ctx.account, arg(params, "queueName"))
    if ctx.mutants.active("rewind-seconds-missing"):
        return {k: v for k, v in found.items() if k != "rewindSeconds"}
    return found


@action("SetQueueAttributes", current=current_of(Backend.get_queue, "queueName"))
async def set_queue(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """SetQueueAttributes -> the attributes after the change."""
    return ctx.backend.set_queue_attributes(ctx.account, arg(params, "queueName"),
                                            attributes(params, "queueName"))


@action("RewindQueue")
async def rewind_queue(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """RewindQueue."""
    ctx.backend.rewind_queue(ctx.account, arg(params, "queueName"),
                             arg(params, "startConsumeTime"))
    return {}


# -- messages ------------------------------------------------------------------------------------
@action("SendMessage")
async def send_message(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """SendMessage -> msgId."""
    msg_id = ctx.backend.send_message(ctx.account, arg(params, "queueName"),
                                      arg(params, "msgBody"), arg(params, "delaySeconds") or 0)
    return {"msgId": msg_id}


@action("BatchSendMessage")
async def batch_send(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """BatchSendMessage -> msgList."""
    delay = 0 if ctx.mutants.active("batch-delay-ignored") else arg(params, "delaySeconds") or 0
    ids = ctx.backend.send_messages(ctx.account, arg(params, "queueName"),
                                    _list(arg(params, "msgBody")), delay)
    return {"msgList": [{"msgId": msg_id} for msg_id in ids]}


@action("ReceiveMessage")
async def receive_message(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """ReceiveMessage -> the message's fields at the top level."""
    message = await ctx.backend.receive_message(ctx.account, arg(params, "queueName"),
                                                arg(params, "pollingWaitSeconds"))
    return message_record(message, ctx)


@action("BatchReceiveMessage")
async def batch_receive(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """BatchReceiveMessage -> msgInfoList."""
    messages = await ctx.backend.receive_messages(ctx.account, arg(params, "queueName"),
                                                  arg(params, "numOfMsg"),
                                                  arg(params, "pollingWaitSeconds"))
    return {"msgInfoList": [message_record(m, ctx) for m in messages]}


@action("DeleteMessage")
async def delete_message(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """DeleteMessage."""
    ctx.backend.delete_message(ctx.account, arg(params, "queueName"),
                               arg(params, "receiptHandle"))
    return {}


@action("BatchDeleteMessage")
async def batch_delete(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """BatchDeleteMessage; a partial failure is a Fault carrying the errorList."""
    ctx.backend.delete_messages(ctx.account, arg(params, "queueName"),
                                _list(arg(params, "receiptHandle")))
    return {}


# -- topics --------------------------------------------------------------------------------------
@action("CreateTopic")
async def create_topic(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """CreateTopic -> topicId."""
    topic_id = ctx.backend.create_topic(ctx.account, arg(params, "topicName"),
                                        attributes(params, "topicName"))
    return {"topicId": topic_id}


@action("DeleteTopic")
async def delete_topic(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """DeleteTopic."""
    ctx.backend.delete_topic(ctx.account, arg(params, "topicName"))
    return {}


@action("ListTopic")
async def list_topic(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """ListTopic -> totalCount, topicList."""
    page = ctx.backend.list_topics(ctx.account, **_page(ctx, params))
    return {"totalCount": page.total, "topicList": list(page.items)}


@action("GetTopicAttributes")
async def get_topic(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """GetTopicAttributes."""
    return ctx.backend.get_topic(ctx.account, arg(params, "topicName"))


@action("SetTopicAttributes", current=current_of(Backend.get_topic, "topicName"))
async def set_topic(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """SetTopicAttributes."""
    return ctx.backend.set_topic_attributes(ctx.account, arg(params, "topicName"),
                                            attributes(params, "topicName"))


@action("PublishMessage")
async def publish(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """PublishMessage -> msgId."""
    msg_id = ctx.backend.publish_message(ctx.account, arg(params, "topicName"),
                                         arg(params, "msgBody"), _list(arg(params, "msgTag")),
                                         arg(params, "routingKey"))
    return {"msgId": msg_id}


@action("BatchPublishMessage")
async def batch_publish(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """BatchPublishMessage -> msgList."""
    ids = ctx.backend.publish_messages(ctx.account, arg(params, "topicName"),
                                       _list(arg(params, "msgBody")),
                                       _list(arg(params, "msgTag")), arg(params, "routingKey"))
    return {"msgList": [{"msgId": msg_id} for msg_id in ids]}


# -- subscriptions -------------------------------------------------------------------------------
@action("Subscribe")
async def subscribe(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """Subscribe -> subscriptionId."""
    rest = attributes(params, "topicName", "subscriptionName", "protocol", "endpoint")
    subscription_id = ctx.backend.subscribe(
        ctx.account, arg(params, "topicName"), arg(params, "subscriptionName"),
        protocol=arg(params, "protocol"), endpoint=arg(params, "endpoint"), attributes=rest)
    return {"subscriptionId": subscription_id}


@action("Unsubscribe")
async def unsubscribe(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """Unsubscribe."""
    ctx.backend.unsubscribe(ctx.account, arg(params, "topicName"),
                            arg(params, "subscriptionName"))
    return {}


@action("ListSubscriptionByTopic")
async def list_subscriptions(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """ListSubscriptionByTopic -> totalCount, subscriptionList."""
    page = ctx.backend.list_subscriptions(ctx.account, arg(params, "topicName"),
                                          **_page(ctx, params))
    return {"totalCount": page.total, "subscriptionList": list(page.items)}


@action("GetSubscriptionAttributes")
async def get_subscription(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """GetSubscriptionAttributes."""
    return _renamed(ctx.backend.get_subscription(ctx.account, arg(params, "topicName"),
                                                 arg(params, "subscriptionName")))


@action("SetSubscriptionAttributes",
        current=current_of(Backend.get_subscription, "topicName", "subscriptionName"))
async def set_subscription(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """SetSubscriptionAttributes."""
    return _renamed(ctx.backend.set_subscription_attributes(
        ctx.account, arg(params, "topicName"), arg(params, "subscriptionName"),
        attributes(params, "topicName", "subscriptionName")))


@action("ClearSubscriptionFilterTags")
async def clear_filter_tags(ctx: Context, params: dict[str, Any]) -> Mapping[str, Any]:
    """ClearSubscriptionFilterTags."""
    ctx.backend.clear_filter_tags(ctx.account, arg(params, "topicName"),
                                  arg(params, "subscriptionName"))
    return {}


def message_record(message: ReceivedMessage, ctx: Context | None = None) -> dict[str, Any]:
    """A received message under the legacy wire names."""
    record = {"msgId": message.msg_id, "receiptHandle": message.receipt_handle,
              "msgBody": message.body, "enqueueTime": message.enqueue_time,
              "firstDequeueTime": message.first_dequeue_time,
              "nextVisibleTime": message.next_visible_time,
              "dequeueCount": message.dequeue_count}
    if ctx is not None and ctx.mutants.active("dequeue-count-missing"):
        del record["dequeueCount"]
    return record
