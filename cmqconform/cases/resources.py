"""What each action needs to exist before it can succeed, and run-prefixed resource names.

The specs state parameters and codes; they do not state that DeleteQueue needs a queue or that
DeleteMessage needs a receipt handle. That knowledge lives here, keyed by action and parameter
*names* (lower-cased, so one table serves both surfaces). No range or code is written here.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cmqconform.verdicts import Need, Ref

#: Every resource the suite creates starts with this; the sweeper touches nothing else.
SUITE_PREFIX = "cmqc"

#: Parameter name (lower-cased) -> the resource kind whose name it carries.
REF_PARAMS: Mapping[str, str] = {
    "queuename": "queue",
    "topicname": "topic",
    "subscriptionname": "subscription",
    "deadletterqueuename": "queue",
    "receipthandle": "receipt",
}

#: Resource kinds a kind depends on (a subscription lives on a topic and pushes to a queue).
DEPENDS: Mapping[str, tuple[str, ...]] = {"subscription": ("topic", "queue"),
                                          "receipt": ("queue",), "message": ("queue",)}


@dataclass(frozen=True, slots=True)
class Recipe:
    """How to make one action succeed: what exists first, and parameter values to use."""

    #: Resource kind the action creates (its name parameter is fresh, not pre-created).
    creates: str | None = None
    #: Extra setup beyond the referenced names (a message to receive, a subscription).
    needs: tuple[Need, ...] = ()
    #: Baseline values for parameters (spec names, lower-cased keys).
    values: Mapping[str, Any] = field(default_factory=dict)
    #: Parameter (lower-cased) -> value -> other values that must come with it.
    couplings: Mapping[str, Mapping[Any, Mapping[str, Any]]] = field(default_factory=dict)
    #: The parameter slot binding for DeadLetterQueueName etc.: lower-cased name -> slot.
    slots: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Now:
    """A UNIX timestamp relative to the moment the case runs."""

    offset: int = 0


_HTTP_ENDPOINT = "http://127.0.0.1:9/cmqc-push"
_SUBSCRIBE = Recipe(
    creates="subscription",
    values={"protocol": "queue", "endpoint": Ref("queue", slot="endpoint"),
            "notifycontentformat": "SIMPLIFIED"},
    couplings={"protocol": {"http": {"endpoint": _HTTP_ENDPOINT}}},
)
#: A subscription that pushes to http, so either NotifyContentFormat is valid on it.
_HTTP_SUBSCRIPTION = (Need("subscription", attrs=(("protocol", "http"),
                                                   ("endpoint", _HTTP_ENDPOINT))),)
_REWIND_ON = (("msgretentionseconds", "max"), ("rewindseconds", "max"))
_REWIND = Recipe(needs=(Need("queue", attrs=_REWIND_ON),),
                 values={"startconsumetime": Now(-10)})

#: Lower-cased action name -> recipe. Actions absent here need only the names they reference.
RECIPES: Mapping[str, Recipe] = {
    "createqueue": Recipe(creates="queue", slots={"deadletterqueuename": "dlq"}),
    "createtopic": Recipe(creates="topic"),
    "createsubscribe": _SUBSCRIBE,
    "subscribe": _SUBSCRIBE,
    "modifyqueueattribute": Recipe(slots={"deadletterqueuename": "dlq"}),
    "describedeadlettersourcequeues": Recipe(slots={"deadletterqueuename": "dlq"}),
    "rewindqueue": _REWIND,
    "receivemessage": Recipe(needs=(Need("message"),)),
    "batchreceivemessage": Recipe(needs=(Need("message"),)),
    "deletemessage": Recipe(needs=(Need("receipt"),)),
    "batchdeletemessage": Recipe(needs=(Need("receipt"),)),
    "modifysubscriptionattribute": Recipe(needs=_HTTP_SUBSCRIPTION),
    "setsubscriptionattributes": Recipe(needs=_HTTP_SUBSCRIPTION),
    "publishmessage": Recipe(needs=(Need("subscription"),)),
    "batchpublishmessage": Recipe(needs=(Need("subscription"),)),
}

_SAFE = re.compile(r"[^a-z0-9]")


def recipe(action: str) -> Recipe:
    """The recipe of an action (an empty one when it needs nothing special)."""
    return RECIPES.get(action.lower(), Recipe())


def ref_kind(param_name: str) -> str | None:
    """The resource kind a parameter names, or None."""
    return REF_PARAMS.get(param_name.lower())


def new_run_id() -> str:
    """A short random run id: lower-case letters and digits."""
    return secrets.token_hex(3)


@dataclass(slots=True)
class Namer:
    """Hands out unique, run-prefixed resource names: ``cmqc-<run>-<worker>-<n>``.

    Names begin with a letter and use only letters, digits and dashes, so they satisfy the name
    pattern; padded names keep the prefix so that even a refused over-long name could be swept.
    """

    run_id: str
    worker: str = "w0"
    counter: int = 0

    @property
    def run_prefix(self) -> str:
        """The prefix of every name of this run."""
        return f"{SUITE_PREFIX}-{self.run_id}-"

    def name(self, length: int | None = None, tail: str = "") -> str:
        """A fresh name, exactly ``length`` characters long (before ``tail``) when asked."""
        self.counter += 1
        worker = _SAFE.sub("", self.worker.lower()) or "w"
        base = f"{self.run_prefix}{worker}-{self.counter}-{os.getpid() % 1000}"
        if length is not None:
            base = (base + "x" * length)[:length] if length >= len(base) else base[:length]
        return base + tail
