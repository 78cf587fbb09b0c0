"""FilterTag/MsgTag rules 1-3 and BindingKey/RoutingKey matching, as tables."""

from __future__ import annotations

import pytest

from cmqconform.emulator.matching import (
    FILTER_ROUTING,
    FILTER_TAGS,
    dots,
    key_matches,
    routing_match,
    subscription_matches,
    tags_match,
)

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


KEYS = [
    ("a.b.c", "a.b.c", True),
    ("a.b.c", "a.b.d", False),
    ("a.*.c", "a.b.c", True),
    ("a.*.c", "a.c", False),
    ("a.*.c", "a.b.b.c", False),
    ("*", "a", True),
    ("*", "a.b", False),
    ("*", "", False),
    ("#", "", True),
    ("#", "a", True),
    ("#", "a.b.c", True),
    ("a.#", "a", True),
    ("a.#", "a.b.c", True),
    ("a.#", "b.a", False),
    ("#.c", "a.b.c", True),
    ("#.c", "c", True),
    ("a.#.c", "a.c", True),
    ("a.#.c", "a.x.y.c", True),
    ("a.#.c", "a.x.y.d", False),
    ("*.#", "", False),
    ("*.#", "a", True),
    ("#.*", "a.b", True),
    ("a.b", "a", False),
    ("a", "a.b", False),
    ("user.*.created", "user.42.created", True),
]


@pytest.mark.parametrize(("binding", "routing", "expected"), KEYS,
                         ids=[f"{b}~{r or '(empty)'}" for b, r, _ in KEYS])
def test_key_matches(binding: str, routing: str, expected: bool) -> None:
    assert key_matches(binding, routing) is expected


def test_sixteen_words_match_and_dot_counts() -> None:
    fifteen = ".".join(f"w{i}" for i in range(16))
    sixteen = ".".join(f"w{i}" for i in range(17))
    assert dots(fifteen) == 15 and dots(sixteen) == 16
    assert key_matches(fifteen, fifteen)
    assert key_matches("w0.#", fifteen)
    assert key_matches(".".join(["*"] * 16), fifteen)
    assert not key_matches(".".join(["*"] * 16), sixteen)


def test_routing_match_any_key_and_missing_routing_key() -> None:
    assert routing_match(["x.y", "a.*"], "a.b")
    assert not routing_match(["x.y"], "a.b")
    assert not routing_match(["#"], None)
    assert not routing_match([], "a")


def test_filter_type_selects_rule() -> None:
    assert subscription_matches(FILTER_TAGS, ["t"], ["nope"], ["t"], None)
    assert subscription_matches(None, [], [], [], "a.b")
    assert not subscription_matches(FILTER_ROUTING, ["t"], ["x"], ["t"], "a")
    assert subscription_matches(FILTER_ROUTING, [], ["a.*"], [], "a.b")
