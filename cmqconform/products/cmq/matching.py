"""Which subscriptions a published message reaches: pure functions, tested as tables.

FilterType 1 (tags), cmq-api.txt:2384 and 5948, rules as the doc words them:
  1. a subscription without FilterTag receives every message, with or without MsgTag;
  2. a subscription with FilterTag receives a message only when FilterTag and MsgTag intersect;
  3. a subscription with FilterTag never receives a message without MsgTag (a case of rule 2).

FilterType 2 (routing), cmq-api.txt:5949 and 6005: BindingKey against RoutingKey, both
dot-separated words; ``*`` stands for exactly one word and ``#`` for one or more words (erratum
routing-key-hash). ``hash_min_words=0`` selects the erratum's alternative, the AMQP topic
exchange's zero or more words, for a target profile that reads it that way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from cmqconform.emulator.product import NO_MUTANTS, Mutants

#: Fewest words ``#`` matches: 1 is the reading of erratum routing-key-hash, 0 its alternative.
HASH_MIN_WORDS = 1


def tags_match(filter_tags: Iterable[str], msg_tags: Iterable[str],
               mutants: Mutants = NO_MUTANTS) -> bool:
    """Rules 1-3: no filter receives all; otherwise FilterTag and MsgTag must intersect."""
    wanted = set(filter_tags)
    if not wanted:
        return True
    if mutants.active("filter-untagged-delivered") and not list(msg_tags):
        return True
    if mutants.active("filter-requires-every-tag"):
        return wanted.issubset(msg_tags)
    return not wanted.isdisjoint(msg_tags)


def dots(key: str) -> int:
    """How many ``.`` separators a binding or routing key has (service.yaml caps it)."""
    return key.count(".")


def _words(key: str) -> tuple[str, ...]:
    return tuple(key.split(".")) if key else ()


@lru_cache(maxsize=4096)
def key_matches(binding_key: str, routing_key: str, hash_min_words: int = HASH_MIN_WORDS) -> bool:
    """Whether one binding key matches a routing key (``*`` one word, ``#`` hash_min_words+)."""
    pattern = _words(binding_key)
    words = _words(routing_key)
    # reachable[j]: the pattern prefix consumed so far can end right before word j.
    reachable = [False] * (len(words) + 1)
    reachable[0] = True
    for token in pattern:
        nxt = [False] * (len(words) + 1)
        if token == "#":
            seen = False
            for j in range(hash_min_words, len(words) + 1):
                seen = seen or reachable[j - hash_min_words]
                nxt[j] = seen
        else:
            for j in range(len(words)):
                if reachable[j] and (token == "*" or token == words[j]):
                    nxt[j + 1] = True
        reachable = nxt
    return reachable[len(words)]


def _mutated_match(binding_key: str, routing_key: str, mutants: Mutants) -> bool:
    """The matcher with '#' as '*' or '*' as '#' (the two routing mutants)."""
    swap = ("#", "*") if mutants.active("hash-matches-one-word") else ("*", "#")
    words = [swap[1] if w == swap[0] else w for w in _words(binding_key)]
    return key_matches.__wrapped__(".".join(words), routing_key, HASH_MIN_WORDS)


def routing_match(binding_keys: Sequence[str], routing_key: str | None,
                  hash_min_words: int = HASH_MIN_WORDS, mutants: Mutants = NO_MUTANTS) -> bool:
    """FilterType 2: some binding key matches the routing key; no routing key matches nothing."""
    if routing_key is None:
        return False
    if mutants.active("hash-matches-zero-words"):
        hash_min_words = 0
    if mutants.active("hash-matches-one-word") or mutants.active("star-matches-many-words"):
        return any(_mutated_match(binding, routing_key, mutants) for binding in binding_keys)
    return any(key_matches(binding, routing_key, hash_min_words) for binding in binding_keys)


def subscription_matches(routed: bool, filter_tags: Sequence[str],
                         binding_keys: Sequence[str], msg_tags: Sequence[str],
                         routing_key: str | None, hash_min_words: int = HASH_MIN_WORDS,
                         mutants: Mutants = NO_MUTANTS) -> bool:
    """Whether a subscription receives a message: by routing key on a routing topic, else tags."""
    if routed:
        return routing_match(binding_keys, routing_key, hash_min_words, mutants)
    return tags_match(filter_tags, msg_tags, mutants)
