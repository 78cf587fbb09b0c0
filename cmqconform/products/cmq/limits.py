"""Limits, attribute names and defaults the state reads from ``specs/`` (never written here)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cmqconform.models import ProductSpec, SpecSet

#: The product whose semantics this package emulates.
PRODUCT = "cmq"

_QUEUE_ACTIONS = ("CreateQueue", "SetQueueAttributes", "ModifyQueueAttribute")
_TOPIC_ACTIONS = ("CreateTopic", "SetTopicAttributes", "ModifyTopicAttribute")
_SUBSCRIPTION_ACTIONS = ("Subscribe", "CreateSubscribe", "SetSubscriptionAttributes",
                         "ModifySubscriptionAttribute")
#: Identity parameters, not attributes.
_NAMES = {"queuename", "topicname", "subscriptionname", "protocol", "endpoint"}
#: API 3.0 prints the subscription's tags as FilterTag and FilterTags (erratum
#: v3-filtertag-name); both are the legacy filterTag attribute.
_ALIASES = {"filtertags": "filterTag"}


def lower_camel(name: str) -> str:
    """``MaxMsgHeapNum`` -> ``maxMsgHeapNum`` (the legacy wire spelling of an attribute)."""
    return name[:1].lower() + name[1:]


def _attributes(specs: SpecSet, actions: tuple[str, ...]) -> tuple[dict[str, str],
                                                                  dict[str, Any]]:
    """(lower-case name -> lowerCamel name, lowerCamel name -> create default)."""
    names: dict[str, str] = dict(_ALIASES)
    defaults: dict[str, Any] = {}
    # Legacy first: its lowerCamel spelling is the stored one.
    for api in reversed(specs.product(PRODUCT).surfaces):
        surface = specs.apis.get(api)
        if surface is None:
            continue
        for action in actions:
            spec = surface.actions.get(action)
            if spec is None:
                continue
            for param in spec.request:
                key = param.name.lower()
                if key in _NAMES:
                    continue
                canonical = names.setdefault(key, lower_camel(param.name))
                creates = action.startswith("Create") or action == "Subscribe"
                if creates and param.default is not None:
                    defaults.setdefault(canonical, param.default)
    return names, defaults


def _routing_filter_type(specs: SpecSet) -> int | None:
    """The filterType that is not the default (the default filters by tag, cmq-api.txt:5633)."""
    for api in specs.product(PRODUCT).surfaces:
        surface = specs.apis.get(api)
        topic = surface.actions.get("CreateTopic") if surface else None
        for param in topic.request if topic else ():
            if param.name.lower() == "filtertype" and param.enum and param.default is not None:
                others = [v for v in param.enum if v != param.default]
                if len(others) == 1:
                    return int(others[0])
    return None


def _pattern(product: ProductSpec, name: str) -> re.Pattern[str] | None:
    entry = product.patterns.get(name)
    return re.compile(entry.regex) if entry is not None else None


@dataclass(frozen=True, slots=True)
class Limits:
    """What the state enforces, read once from the spec set."""

    name_release_seconds: float
    topics_per_account: int | None
    subscriptions_per_topic: int | None
    batch_max_messages: int | None
    routing_key_max_dots: int | None
    binding_key_max_dots: int | None
    #: The topic filterType that filters by bindingKey/routingKey (the others filter by tag).
    filter_type_routing: int | None
    queue_attributes: Mapping[str, str]
    queue_defaults: Mapping[str, Any]
    topic_attributes: Mapping[str, str]
    topic_defaults: Mapping[str, Any]
    subscription_attributes: Mapping[str, str]
    subscription_defaults: Mapping[str, Any]
    #: What an http subscription's endpoint must match (service.yaml ``patterns``).
    http_endpoint: re.Pattern[str] | None = None

    @classmethod
    def from_specs(cls, specs: SpecSet) -> Limits:
        """Limits from service.yaml ``limits``; attribute names and defaults from the actions."""
        product = specs.product(PRODUCT)

        def value(key: str) -> int | None:
            entry = product.limits.get(key)
            return int(entry.value) if entry is not None else None

        queue_names, queue_defaults = _attributes(specs, _QUEUE_ACTIONS)
        topic_names, topic_defaults = _attributes(specs, _TOPIC_ACTIONS)
        retention = value("topic_message_retention_seconds")
        if retention is not None:
            topic_defaults.setdefault("msgRetentionSeconds", retention)
        # Quotas no request sets; the doc's examples show them on every queue and topic.
        for defaults, attribute, key in ((queue_defaults, "qps", "queue_qps_default"),
                                         (queue_defaults, "bps", "queue_bps_default"),
                                         (topic_defaults, "qps", "topic_qps_default")):
            quota = value(key)
            if quota is not None:
                defaults.setdefault(attribute, quota)
        sub_names, sub_defaults = _attributes(specs, _SUBSCRIPTION_ACTIONS)
        return cls(
            routing_key_max_dots=value("routing_key_max_dots"),
            binding_key_max_dots=value("binding_key_max_dots"),
            filter_type_routing=_routing_filter_type(specs),
            name_release_seconds=float(value("name_release_window_seconds") or 0),
            topics_per_account=value("topics_per_account"),
            subscriptions_per_topic=value("subscriptions_per_topic"),
            batch_max_messages=value("batch_max_messages"),
            queue_attributes=queue_names, queue_defaults=queue_defaults,
            topic_attributes=topic_names, topic_defaults=topic_defaults,
            subscription_attributes=sub_names, subscription_defaults=sub_defaults,
            http_endpoint=_pattern(product, "http_endpoint"),
        )

    def replace(self, **changes: Any) -> Limits:
        """A copy with some fields changed (e.g. ``name_release_seconds`` from the CLI)."""
        return dataclasses.replace(self, **changes)
