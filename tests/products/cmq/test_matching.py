"""FilterTag/MsgTag rules 1-3 and BindingKey/RoutingKey matching, as tables."""

from __future__ import annotations

import pytest

from cmqconform.products.cmq.matching import (
    HASH_MIN_WORDS,
    dots,
    key_matches,
    routing_match,
    subscription_matches,
    tags_match,
)
from cmqconform.spec import load_specs

TAGS = [
    # rule 1: no filter receives everything
    ((), (), True),
    ((), ("a",), True),
    # rule 2: intersection required
    (("a",), ("a",), True),
    (("a", "b"), ("b", "c"), True),
    (("a",), ("b",), False),
    (("A",), ("a",), False),
    # rule 3: a filter and no message tag never match
    (("a",), (), False),
]


@pytest.mark.parametrize(("filter_tags", "msg_tags", "expected"), TAGS,
                         ids=[f"filter={f}-msg={m}" for f, m, _ in TAGS])
def test_tags_rules(filter_tags: tuple[str, ...], msg_tags: tuple[str, ...],
                    expected: bool) -> None:
    assert tags_match(filter_tags, msg_tags) is expected


# (binding, routing, under the reading: # is one or more words, under the AMQP alternative:
# zero or more) -- erratum routing-key-hash; the rows that differ are the zero-word cases.
KEYS = [
    ("a.b.c", "a.b.c", True, True),
    ("a.b.c", "a.b.d", False, False),
    ("a.*.c", "a.b.c", True, True),
    ("a.*.c", "a.c", False, False),
    ("a.*.c", "a.b.b.c", False, False),
    ("*", "a", True, True),
    ("*", "a.b", False, False),
    ("*", "", False, False),
    ("#", "", False, True),
    ("#", "a", True, True),
    ("#", "a.b.c", True, True),
    ("a.#", "a", False, True),
    ("a.#", "a.b", True, True),
    ("a.#", "a.b.c", True, True),
    ("a.#", "b.a", False, False),
    ("#.c", "a.b.c", True, True),
    ("#.c", "c", False, True),
    ("a.#.c", "a.c", False, True),
    ("a.#.c", "a.x.c", True, True),
    ("a.#.c", "a.x.y.c", True, True),
    ("a.#.c", "a.x.y.d", False, False),
    ("*.#", "", False, False),
    ("*.#", "a", False, True),
    ("*.#", "a.b", True, True),
    ("#.*", "a", False, True),
    ("#.*", "a.b", True, True),
    ("#.#", "a", False, True),
    ("#.#", "a.b", True, True),
    ("a.b", "a", False, False),
    ("a", "a.b", False, False),
    ("user.*.created", "user.42.created", True, True),
]
IDS = [f"{b}~{r or '(empty)'}" for b, r, _, _ in KEYS]


@pytest.mark.parametrize(("binding", "routing", "expected", "_amqp"), KEYS, ids=IDS)
def test_key_matches_reading(binding: str, routing: str, expected: bool, _amqp: bool) -> None:
    assert key_matches(binding, routing) is expected
    assert key_matches(binding, routing, 1) is expected


@pytest.mark.parametrize(("binding", "routing", "_reading", "expected"), KEYS, ids=IDS)
def test_key_matches_amqp_alternative(binding: str, routing: str, _reading: bool,
                                      expected: bool) -> None:
    assert key_matches(binding, routing, 0) is expected


def test_reading_is_the_erratum() -> None:
    erratum = load_specs().errata["routing-key-hash"]
    assert HASH_MIN_WORDS == 1 and "one or more words" in erratum.reading
    assert any("zero or more words" in alt for alt in erratum.alternatives)


def test_sixteen_words_match_and_dot_counts() -> None:
    limit = load_specs().product("cmq").limit("routing_key_max_dots")
    longest = ".".join(f"w{i}" for i in range(limit + 1))
    too_long = ".".join(f"w{i}" for i in range(limit + 2))
    assert dots(longest) == limit and dots(too_long) == limit + 1
    assert key_matches(longest, longest)
    assert key_matches("w0.#", longest)
    assert key_matches(".".join(["*"] * (limit + 1)), longest)
    assert not key_matches(".".join(["*"] * (limit + 1)), too_long)


def test_routing_match_any_key_and_missing_routing_key() -> None:
    assert routing_match(["x.y", "a.*"], "a.b")
    assert not routing_match(["x.y"], "a.b")
    assert not routing_match(["#"], None)
    assert not routing_match([], "a")


def test_routed_selects_rule() -> None:
    assert subscription_matches(False, ["t"], ["nope"], ["t"], None)
    assert subscription_matches(False, [], [], [], "a.b")
    assert not subscription_matches(True, ["t"], ["x"], ["t"], "a")
    assert subscription_matches(True, [], ["a.*"], [], "a.b")
    assert not subscription_matches(True, [], ["a.#"], [], "a")
    assert subscription_matches(True, [], ["a.#"], [], "a", hash_min_words=0)
