"""configschema: the shipped schemas, problem wording, and the TOML line scan."""

from __future__ import annotations

from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

import cmqconform
from cmqconform.configschema import Problems, field_name, schema, schema_problems, toml_lines
from cmqconform.errors import ConfigError

KINDS = ("target", "expectations", "ineligible")


@pytest.mark.parametrize("kind", KINDS)
def test_schemas_are_draft_2020_12_and_in_the_package(kind: str) -> None:
    path = Path(cmqconform.__file__).parent / "schemas" / f"{kind}.schema.json"
    assert path.is_file()  # hatchling ships every file under cmqconform/ in the wheel
    Draft202012Validator.check_schema(schema(kind))
    assert schema(kind)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_toml_lines_find_keys_tables_and_skip_multiline_strings() -> None:
    line_of = toml_lines('''# comment
name = """
rate_limit = 1
"""
"quoted key" = 1
[ endpoints ]
v3 = "http://h"
[declared_limits]
queues = 5
legacy.region = "gz"
''')
    assert line_of(("name",)) == 2
    assert line_of(("rate_limit",)) is None  # inside the multi-line string: not a key
    assert line_of(("quoted key",)) == 5
    assert line_of(("endpoints",)) == 6 and line_of(("endpoints", "v3")) == 7
    assert line_of(("endpoints", "legacy_queue")) == 6  # absent: the enclosing table
    assert line_of(("declared_limits", "legacy", "region")) == 10
    assert line_of(("region",)) is None


def test_field_names() -> None:
    assert field_name(("endpoints", "v3")) == "endpoints.v3"
    assert field_name(("ineligible", 2, "reason")) == "ineligible[2].reason"
    assert field_name((0, "status")) == "[0].status"
    assert field_name(()) == "<root>"


def test_problems_are_sorted_by_line_and_counted() -> None:
    problems = Problems("f.toml", "target", {("b",): 7, ("a",): 2}.get)
    problems.add(("c",), "no line")
    problems.add(("b",), "second")
    problems.add(("a",), "first")
    assert not problems.ok("a") and problems.ok("d")
    with pytest.raises(ConfigError) as info:
        problems.raise_if_any()
    assert str(info.value) == ("f.toml: invalid target (3 problems):\n  - f.toml:2: a: first\n"
                               "  - f.toml:7: b: second\n  - c: no line")
    Problems("f.toml", "target").raise_if_any()  # none: no error


def test_unknown_keys_are_named_one_by_one() -> None:
    doc = {"region": "r", "url": "http://h", "zone": 1, "rgion": 2}
    assert schema_problems("target", doc) == [
        (("rgion",), "unknown key (known: credentials, declared_limits, expectations, name, "
                     "push_time_scale, rate_limit, region, second_credentials, "
                     "strict_undocumented_fields, surfaces, url)"),
        (("zone",), "unknown key (known: credentials, declared_limits, expectations, name, "
                    "push_time_scale, rate_limit, region, second_credentials, "
                    "strict_undocumented_fields, surfaces, url)"),
    ]
    assert schema_problems("target", {"region": "r", "url": "http://h"}) == []
