"""The message query's handler: the route's path parameters and query onto :class:`Store`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cmqconform.emulator.handlers import Context, registry
from cmqconform.products.roma.store import Store

HANDLERS, action = registry()


@action("ShowMqsInstanceMessages")
async def show_mqs_instance_messages(ctx: Context[Store],
                                     params: dict[str, Any]) -> Mapping[str, Any]:
    """Query a topic's messages (huawei-mqs-query-messages.txt:7-9)."""
    return ctx.backend.query(str(params["project_id"]), str(params["instance_id"]), params)
