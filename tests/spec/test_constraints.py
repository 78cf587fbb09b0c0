"""violations(): every constraint kind, its bounds, the order, types, items and struct members."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cmqconform.models import Cite, FieldSpec, ParamSpec, TypeSpec
from cmqconform.spec import load_specs
from cmqconform.spec.constraints import Violation, type_ok, violations

SRC = Cite("cmq-api.txt", 1)
NAME = "^[A-Za-z][A-Za-z0-9-]{0,63}$"


def _param(type_: str = "integer", **kw: Any) -> ParamSpec:
    return ParamSpec("P", type_, kw.pop("required", False), SRC, "P", **kw)


def kinds(param: ParamSpec, value: Any, **kw: Any) -> list[str]:
    return [v.kind for v in violations(param, value, **kw)]


@pytest.mark.parametrize(("param", "inside", "outside", "kind"), [
    (_param(min=1, max=5), [1, 5], [0, 6], "range"),
    (_param(min=-3), [-3, 10**12], [-4], "range"),
    (_param(max=0), [0, -(10**12)], [1], "range"),
    (_param("string", min_length=2), ["ab", "abc"], ["", "a"], "min_length"),
    (_param("string", max_length=3), ["", "abc"], ["abcd"], "max_length"),
    (_param("string", pattern=NAME), ["a", "a" * 64, "A-9"], ["9a", "a_b", "a" * 65, ""],
     "pattern"),
    (_param(enum=(0, 1)), [0, 1], [2, -1], "enum"),
    (_param("string", enum=("http", "queue")), ["http"], ["HTTP", "", "http "], "enum"),
    (_param("array<string>", max_items=2), [[], ["a", "b"]], [["a", "b", "c"]], "max_items"),
    (_param("array<string>", item_min_length=1), [["a"], []], [[""], ["a", ""]],
     "item_min_length"),
    (_param("array<string>", item_max_length=2), [["ab"]], [["abc"], ["a", "abc"]],
     "item_max_length"),
    (_param("array<string>", item_pattern="^[a-z]+$"), [["ab", "c"]], [["a1"], ["a", "B"]],
     "item_pattern"),
])
def test_at_the_bound_passes_one_past_fails(param: ParamSpec, inside: list[Any],
                                            outside: list[Any], kind: str) -> None:
    for value in inside:
        assert violations(param, value) == (), value
    for value in outside:
        assert kinds(param, value) == [kind], value


def test_lengths_count_characters_not_bytes() -> None:
    param = _param("string", min_length=2, max_length=3)
    assert violations(param, "日本語") == ()
    assert violations(param, "😀😀") == ()
    assert kinds(param, "日本語!") == ["max_length"]
    assert kinds(param, "é") == ["min_length"]
    assert kinds(_param("array<string>", item_max_length=1), ["日本"]) == ["item_max_length"]


def test_pattern_is_searched_as_written() -> None:
    # An unanchored pattern matches anywhere, as re.search and JSON Schema read it.
    assert violations(_param("string", pattern="[0-9]"), "ab1") == ()
    assert kinds(_param("string", pattern="^[0-9]"), "ab1") == ["pattern"]


@pytest.mark.parametrize(("type_", "value", "ok"), [
    ("integer", 1, True), ("integer", True, False), ("integer", "1", False),
    ("integer", 1.0, False), ("boolean", False, True), ("boolean", 0, False),
    ("string", "x", True), ("string", 3, False), ("array<string>", ["a"], True),
    ("array<string>", ("a",), True), ("array<string>", "a", False),
    ("array<string>", [1], False), ("array<integer>", [1, 2], True),
    ("Filter", {"Name": "x"}, True), ("Filter", [], False),
])
def test_type_ok(type_: str, value: object, ok: bool) -> None:
    assert type_ok(type_, value) is ok


def test_a_wrong_type_breaks_type_and_nothing_else() -> None:
    param = _param(min=1, max=5, enum=(1, 2))
    assert violations(param, "not-a-number") == (
        Violation("type", "must be of type integer: 'not-a-number'"),)
    assert kinds(_param("string", max_length=1, pattern="^a$"), 12345) == ["type"]
    assert kinds(_param("array<string>", max_items=1, item_min_length=2), ["", 5]) == ["type"]
    assert kinds(_param("boolean"), "true") == ["type"]


def test_absent_breaks_required_only() -> None:
    assert violations(_param(required=True, min=1), None) == (Violation("required", "is missing"),)
    assert violations(_param(min=1), None) == ()


def test_order_is_the_servers_and_every_kind_is_named() -> None:
    """Range, lengths, pattern, enum, then the items: the emulator answers the first."""
    text = _param("string", max_length=3, pattern="^[a-z]+$", enum=("ab",))
    assert kinds(text, "ABCD") == ["max_length", "pattern", "enum"]
    items = _param("array<string>", max_items=1, item_min_length=1, item_max_length=2,
                   item_pattern="^[a-z]*$")
    assert kinds(items, ["", "ABC"]) == ["max_items", "item_min_length", "item_max_length",
                                         "item_pattern"]
    assert kinds(_param(min=1, enum=(1, 2)), 0) == ["range", "enum"]


def test_messages_name_the_value_and_the_bound() -> None:
    (found,) = violations(_param(min=0, max=43200), 43201)
    assert found.message == "value or length is out of range 0..43200: 43201"
    (found,) = violations(_param(min=1), 0)
    assert found.message == "value or length is out of range 1..inf: 0"
    (found,) = violations(_param("string", pattern=NAME, pattern_name="resource_name"), "9")
    assert found.message == "does not match resource_name: '9'"
    (found,) = violations(_param("array<string>", item_max_length=1), ["a", "bb"])
    assert found.message == "item 1 is longer than 1 characters"


def test_every_offending_item_is_reported() -> None:
    found = violations(_param("array<string>", item_min_length=1), ["", "a", ""])
    assert [v.message for v in found] == ["item 0 is shorter than 1 characters",
                                          "item 2 is shorter than 1 characters"]


def test_a_name_n_form_that_did_not_read_back_breaks_the_array_encoding() -> None:
    """A mapping where a ``name.n`` array belongs: holes or ``name.x`` keys."""
    legacy = _param("array<string>", array_bases=(0, 1))
    assert kinds(legacy, {"1": "a", "3": "b"}) == ["array_encoding", "type"]
    assert kinds(legacy, ["a", "b"]) == []
    # Without a name.n encoding the same mapping is only a wrong type.
    assert kinds(_param("array<string>"), {"1": "a"}) == ["type"]


def test_struct_members_with_the_surfaces_types() -> None:
    filter_type = TypeSpec("Filter", (FieldSpec("Name", "string", False, SRC, required=True),
                                      FieldSpec("Values", "array<string>", False, SRC,
                                                required=False)), SRC)
    types = {"Filter": filter_type}
    param = _param("array<Filter>")
    assert violations(param, [{"Name": "a", "Values": ["x"]}], types=types) == ()
    assert kinds(param, [{"Name": "a", "Other": 1}], types=types) == ["unknown"]
    assert kinds(param, [{"Name": "a", "Values": "x"}], types=types) == ["type"]
    assert kinds(param, [{"Values": ["x"]}], types=types) == ["type"]
    # Without the types a struct is only a mapping.
    assert violations(param, [{"Other": 1}]) == ()


def test_every_spec_parameter_accepts_its_default_and_enum() -> None:
    """The values the specs themselves give break nothing (what ``spec lint`` checks)."""
    for api in load_specs().apis.values():
        for action in api.actions.values():
            for param in action.request:
                for value in (param.default, *(param.enum or ())):
                    if value is None:
                        continue
                    assert violations(param, value, types=api.types) == (), (param, value)


@st.composite
def bounded(draw: st.DrawFn) -> tuple[ParamSpec, Any]:
    """A parameter with random bounds, and a value drawn inside every one of them."""
    kind = draw(st.sampled_from(["integer", "string", "array"]))
    if kind == "integer":
        low = draw(st.none() | st.integers(-10**6, 10**6))
        high = draw(st.none() | st.integers(low if low is not None else -10**6, 10**6))
        return _param(min=low, max=high), draw(st.integers(low, high))
    min_len = draw(st.none() | st.integers(0, 20))
    max_len = draw(st.none() | st.integers(min_len or 0, 40))
    text = st.text(min_size=min_len or 0, max_size=max_len)
    if kind == "string":
        return _param("string", min_length=min_len, max_length=max_len), draw(text)
    max_items = draw(st.none() | st.integers(0, 8))
    items = draw(st.lists(text, max_size=max_items))
    return _param("array<string>", max_items=max_items, item_min_length=min_len,
                  item_max_length=max_len), items


# Draws are cheap but a loaded 2-core CI machine can stall the first one; time is not the property.
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(bounded())
def test_a_value_inside_every_bound_breaks_nothing(case: tuple[ParamSpec, Any]) -> None:
    param, value = case
    assert violations(param, value) == ()


@given(st.integers(-100, 100), st.integers(0, 50))
def test_one_past_either_end_breaks_the_range(low: int, width: int) -> None:
    param = _param(min=low, max=low + width)
    assert kinds(param, low - 1) == ["range"]
    assert kinds(param, low + width + 1) == ["range"]


@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=30))
def test_one_character_past_max_length_breaks_it(text: str) -> None:
    param = _param("string", min_length=len(text), max_length=len(text))
    assert violations(param, text) == ()
    assert kinds(param, text + text[-1]) == ["max_length"]
    assert kinds(param, text[:-1]) == ["min_length"]
