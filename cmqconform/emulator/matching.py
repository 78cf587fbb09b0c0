"""Which subscriptions a published message reaches: pure functions, tested as tables.

FilterType 1 (tags), cmq-api.txt:2384 and 5948, rules as the doc words them:
  1. a subscription without FilterTag receives every message, with or without MsgTag;
  2. a subscription with FilterTag receives a message only when FilterTag and MsgTag intersect;
  3. a subscription with FilterTag never receives a message without MsgTag (a case of rule 2).

FilterType 2 (routing), cmq-api.txt:5949: BindingKey against RoutingKey, both dot-separated
words; ``*`` stands for exactly one word and ``#`` for zero or more words (the AMQP topic
exchange the doc describes; its "one or more characters" wording for ``#`` is read as words).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

#: Topic filterType values (cmq-api.txt:5633): 1 or null = tags, 2 = binding keys.
FILTER_TAGS = 1
FILTER_ROUTING = 2


def tags_match(filter_tags: Iterable[str], msg_tags: Iterable[str]) -> bool:
    """Rules 1-3: no filter receives all; otherwise FilterTag and MsgTag must intersect."""
    wanted = set(filter_tags)
    if not wanted:
        return True
    return not wanted.isdisjoint(msg_tags)


def dots(key: str) -> int:
    """How many ``.`` separators a binding or routing key has (the doc allows at most 15)."""
    return key.count(".")


def _words(key: str) -> tuple[str, ...]:
    return tuple(key.split(".")) if key else ()


@lru_cache(maxsize=4096)
def key_matches(binding_key: str, routing_key: str) -> bool:
    """Whether one binding key matches a routing key (``*`` one word, ``#`` zero or more)."""
    pattern = _words(binding_key)
    words = _words(routing_key)
    # reachable[j]: the pattern prefix consumed so far can end right before word j.
    reachable = [False] * (len(words) + 1)
    reachable[0] = True
    for token in pattern:
        nxt = [False] * (len(words) + 1)
        if token == "#":
            seen = False
            for j in range(len(words) + 1):
                seen = seen or reachable[j]
                nxt[j] = seen
        else:
            for j in range(len(words)):
                if reachable[j] and (token == "*" or token == words[j]):
                    nxt[j + 1] = True
        reachable = nxt
    return reachable[len(words)]


def routing_match(binding_keys: Sequence[str], routing_key: str | None) -> bool:
    """FilterType 2: some binding key matches the routing key; no routing key matches nothing."""
    if routing_key is None:
        return False
    return any(key_matches(binding, routing_key) for binding in binding_keys)


def subscription_matches(filter_type: int | None, filter_tags: Sequence[str],
                         binding_keys: Sequence[str], msg_tags: Sequence[str],
                         routing_key: str | None) -> bool:
    """Whether a subscription receives a message, under the topic's filter type."""
    if filter_type == FILTER_ROUTING:
        return routing_match(binding_keys, routing_key)
    return tags_match(filter_tags, msg_tags)
