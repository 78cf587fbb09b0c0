"""``cmqconform spec extract``: specs from Tencent API 3.0 product docs, noise and all.

Three kinds of evidence: a small doc written here with every kind of PDF noise, whose records
are known exactly; the real TDMQ and TRTC docs, whose extraction must reproduce the committed
specs up to the recorded hand edits; and the golden check against the hand-curated cmq.v3.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from cmqconform.cli import main
from cmqconform.spec import load_specs
from cmqconform.spec.extract import documents, extract, summary, tables
from cmqconform.spec.extract.doc import Line
from cmqconform.spec.extract.edits import check, recorded
from cmqconform.spec.extract.golden import agreement
from cmqconform.spec.extract.prose import Located, constraints
from cmqconform.spec.lint import lint
from cmqconform.spec.loader import default_root
from cmqconform.spec.schema import response_schema

SPECS = default_root()
REFERENCE = SPECS / "reference"
PRODUCT_DOCS = {"tdmq": "tdmq-send-messages.txt", "trtc": "trtc-server-api.txt"}

#: A doc with the PDF's noise: a URL, a "Last updated" stamp and running heading inside the
#: input table, a page footer, wrapped rows ("Tags No Array" / "of" / "Tag", and "Values" /
#: "Array" / "of" / "String" / "No" in a data type), a wrapped Action
#: value, a Cyrillic "Туре", a full-width colon, tabs, a "may return null" and a data type.
NOISY_DOC = """\
Queue APIs
DoThing
Last updated\uff1a2024-01-01 10:00:00

1. API Description

Domain name for API request: thing.tencentcloudapi.com.

This API is used to do a thing.

A maximum of 7 requests can be initiated per second for this API.

2. Input Parameters

Parameter
Name

Required \u0422\u0443\u0440\u0435 Description

Action Yes String Common Params. The value used for this API:
DoThing.
Version Yes String Common Params. The value used for this API: 2021-01-\n01.
Region Yes String Common Params. This API only supports: ap-beijing, ap-
guangzhou.
Count\tNo\tInteger\tHow many. Value range: 1-1,000. Default value: 20.
Mode No Integer The mode.
0: off,
Queue APIs
DoThing
Last updated\uff1a2024-01-01 10:00:00
https://example.com/doc/1
1: on (default)
Name Yes String A name of up to 64 characters.
Tags No Array
of
Tag
Tags of the thing. The number of tags cannot exceed 5.

Thing Docs
\u00a92013-2024 Tencent Cloud. Page 3 of 9
Thing Docs
\u00a92013-2024 Tencent Cloud. Page 4 of 9
Thing Docs
\u00a92013-2024 Tencent Cloud. Page 5 of 9

3. Output Parameters

Parameter Name Type Description
ThingId String The id.
Note: this field may return null, indicating that no valid values can be obtained.
RequestId String The unique request ID.

4. Example

Example1 Doing a thing

Input Example

https://thing.tencentcloudapi.com/?Action=DoThing
&Count=3&Name=abc
&<Common request parameters>

Output Example

{
"Response": {
"ThingId": "t-1",
"RequestId": "abc"
}
}

6. Error Code

Error Code Description
FailedOperation.Busy The thing is
busy.
InvalidParameter Bad parameter.

Tag

A tag.

Used by actions: DoThing.

Name Type Required Description
Key String Yes The tag key.
Values
Array
of
String

No

The tag values.
"""


def _line(fragment: str, text: str = NOISY_DOC) -> int:
    """The number of the first line of ``text`` holding ``fragment``."""
    return next(i for i, line in enumerate(text.split("\n"), 1) if fragment in line)


def _at(fragment: str) -> str:
    return f"thing.txt:{_line(fragment)}"


def _extract(tmp_path: Path, text: str, name: str = "thing.txt") -> Any:
    doc = tmp_path / name
    doc.write_text(text, encoding="utf-8")
    return extract(doc, "thing", SPECS)


def test_noisy_doc_reads_into_exact_records(tmp_path: Path) -> None:
    out = _extract(tmp_path, NOISY_DOC)
    assert list(out.actions) == ["DoThing"] and out.version == ("2021-01-01", _line("Version Yes"))
    action = out.actions["DoThing"]
    assert action["source"] == _at("DoThing.")  # the line naming the action
    assert action["summary"] == "This API is used to do a thing."
    assert action["rate_limit"] == {"per_second": 7, "source": _at("A maximum of 7")}
    assert action["regions"] == {"only": ["ap-beijing", "ap-guangzhou"],
                                 "source": _at("This API only supports")}
    request = {m["name"]: m for m in action["request"]}
    assert list(request) == ["Count", "Mode", "Name", "Tags"]
    assert request["Count"].items() >= {"type": "integer", "required": False, "min": 1,
                                     "max": 1000, "default": 20}.items()
    # The running heading and the URL inside the row are not part of its description.
    assert request["Mode"]["description"] == "The mode. 0: off, 1: on (default)"
    assert (request["Mode"]["enum"], request["Mode"]["default"]) == ([0, 1], 1)
    assert request["Mode"]["sources"] == {"default": _at("1: on"), "enum": _at("0: off")}
    assert request["Name"]["max_length"] == 64 and request["Name"]["required"] is True
    assert request["Tags"].items() >= {"type": "array<Tag>", "required": False,
                                       "max_items": 5}.items()
    response = {m["name"]: m for m in action["response"]}
    assert response["ThingId"]["nullable"] is True and response["RequestId"]["nullable"] is False
    assert action["errors"] == [{"code": "FailedOperation.Busy", "source": _at("Busy The")},
                                {"code": "InvalidParameter", "source": _at("InvalidParameter Bad")}]
    assert out.codes["FailedOperation.Busy"]["message"] == "The thing is busy."
    assert action["examples"] == [{"title": "Doing a thing", "input": {"Count": 3, "Name": "abc"},
                                   "output": {"ThingId": "t-1", "RequestId": "abc"},
                                   "source": _at("Example1")}]
    assert out.types["Tag"]["fields"][0].items() >= {"name": "Key", "required": True}.items()
    assert out.types["Tag"]["fields"][1].items() >= {"name": "Values", "type": "array<string>",
                                                  "required": False,
                                                  "description": "The tag values."}.items()
    assert out.types["Tag"]["used_by"] == ["DoThing"]
    assert out.title == "Thing Docs" and not out.drafts


def test_what_it_cannot_read_becomes_a_draft_naming_its_line(tmp_path: Path) -> None:
    text = NOISY_DOC.replace("Count\tNo\tInteger\tHow many. Value range: 1-1,000.",
                             "Count\tNo\tUnix seconds\tHow many. Value range: 1-lots.")
    out = _extract(tmp_path, text)
    count_line = _line("Count\tNo", text)
    assert any(d.line == count_line and "member Count: unknown type" in d.reason
               for _, d in out.drafts), out.drafts
    assert "Count" not in {m["name"] for m in out.actions["DoThing"]["request"]}
    written = documents(out)
    assert written["drafts.yaml"]["drafts"][0]["line"] == f"thing.txt:{count_line}"
    assert summary(out)["drafts"] == len(out.drafts) >= 1


@pytest.mark.parametrize(("text", "type_name", "expected"), [
    ("Value range: [32000, 128000]. Default: 64000.", "integer",
     {"min": 32000, "max": 128000, "default": 64000}),
    ("Valid values: 48000, 44100, 32000, 24000, 16000, 8000.", "integer",
     {"enum": [48000, 44100, 32000, 24000, 16000, 8000]}),
    ("Valid values: 0 (LC-AAC), 1 (HE-AAC), 2 (HE-AACv2). The default value is 0.", "integer",
     {"enum": [0, 1, 2], "default": 0}),
    ("The value cannot be smaller than 5 or larger than 86400 (24 hours). Default value: 30.",
     "integer", {"min": 5, "max": 86400, "default": 30}),
    ("If this parameter is not passed in, 20 will be used by default. Maximum value: 50.",
     "integer", {"default": 20, "max": 50}),
    ("Valid values: 1. BACKOFF_RETRY: retry, 2. EXPONENTIAL_DECAY_RETRY: decay.", "string",
     {"enum": ["BACKOFF_RETRY", "EXPONENTIAL_DECAY_RETRY"]}),
    ("It must be shorter than 4,096 characters.", "string", {"max_length": 4095}),
    ("Message sending timeout period, which is 30s by default.", "integer", {"default": 30}),
    ("1: transaction queue, 0: general queue", "integer", {"enum": [1, 0]}),
    ("Ratio. Value range: 0.5-2.5.", "float", {"min": 0.5, "max": 2.5}),
])
def test_prose_constraints(text: str, type_name: str, expected: dict[str, Any]) -> None:
    assert constraints(Located([Line(1, text)]), type_name, None).values == expected


def test_array_limits_read_as_item_counts() -> None:
    stated = constraints(Located([Line(1, "The number of tags cannot exceed 5, and each tag "
                                             "can contain up to 16 characters.")]),
                         "array<string>", "string")
    assert stated.values == {"max_items": 5, "item_max_length": 16}


@pytest.mark.parametrize("product", sorted(PRODUCT_DOCS))
def test_extraction_reproduces_the_committed_specs_up_to_the_recorded_edits(product: str
                                                                            ) -> None:
    out = extract(REFERENCE / PRODUCT_DOCS[product], product, SPECS)
    drift = check(out, SPECS / product)
    assert not drift.unrecorded, f"unrecorded hand edits: {drift.unrecorded}"
    assert not drift.stale, f"recorded edits that are no longer differences: {drift.stale}"
    errata = load_specs().errata
    for edit in recorded(SPECS / product)["edits"]:
        assert edit["why"] and edit["why"] != "TODO", edit
        assert edit.get("errata") is None or edit["errata"] in errata, edit


def test_committed_counts() -> None:
    trtc = summary(extract(REFERENCE / PRODUCT_DOCS["trtc"], "trtc", SPECS))
    assert (trtc["actions"], trtc["structures"], trtc["version"]) == (39, 55, "2019-07-22")
    tdmq = summary(extract(REFERENCE / PRODUCT_DOCS["tdmq"], "tdmq", SPECS))
    assert (tdmq["actions"], tdmq["version"], tdmq["drafts"]) == (1, "2020-02-17", 0)


def test_golden_agreement_with_the_curated_cmq_v3() -> None:
    golden = recorded(SPECS / "cmq")["golden"]
    specs = load_specs()
    result = agreement(extract(REFERENCE / "cmq-api.txt", "cmq", SPECS), specs.api("cmq.v3"))
    assert result.ratio >= golden["min_agreement"], result.ratio
    assert not result.only_extracted, sorted(result.only_extracted)
    explained = {e["at"]: e for e in golden["members"]}
    missing = {f"{owner}/{side}/{name}": kind for owner, side, name, kind, _ in
               result.only_curated}
    assert set(missing) == set(explained)
    assert all(explained[at]["curated"] == kind for at, kind in missing.items())
    listed = {(c["at"], _canon(c["extracted"]), _canon(c["curated"])): c
              for c in golden["constraints"]}
    found = {(at, _canon(mine), _canon(theirs)) for at, mine, theirs in result.constraints}
    assert found == set(listed), (found ^ set(listed))
    assert all(c["errata"] in specs.errata for c in golden["constraints"] + golden["members"])


def _canon(value: Any) -> Any:
    return tuple(sorted(map(str, value))) if isinstance(value, list | tuple) else value


@pytest.mark.parametrize("api_id", ["tdmq.v3", "trtc.v3"])
def test_doc_examples_conform_to_the_response_schemas(api_id: str) -> None:
    api = load_specs().api(api_id)
    checked = 0
    for action in api.actions.values():
        for example in action.examples:
            assert example.output is not None, f"{example.source}: no output"
            schema = response_schema(api, action)
            if example.errata:  # the example itself departs from the spec, in a known way
                schema = {k: v for k, v in schema.items() if k != "required"}
            errors = list(Draft202012Validator(schema).iter_errors(example.output))
            assert not errors, f"{example.source}: {[e.message for e in errors]}"
            checked += 1
    assert checked >= len(api.actions)


# -- bad input ----------------------------------------------------------------------------------
TDMQ_LINES = (REFERENCE / PRODUCT_DOCS["tdmq"]).read_text(encoding="utf-8").split("\n")


@pytest.mark.parametrize(("content", "message"), [
    (b"", "thing.txt:1: the doc is empty"),
    (b"# ROMA\n\nGET /v2/{project_id}/mqs\n",
     "thing.txt:1: not a Tencent API 3.0 product doc: no '1. API Description' section; the "
     "first line it could not place is '# ROMA'"),
    ("\n".join(TDMQ_LINES[:30]).encode(),
     "thing.txt:30: the action section at line 7 has no '3. Output Parameters'"),
    (b"\xff\xfe\x00garbage", "thing.txt:1: not UTF-8 text"),
])
def test_a_bad_doc_is_one_error_naming_its_line_and_nothing_is_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str) -> None:
    doc = tmp_path / "thing.txt"
    doc.write_bytes(content)
    out = tmp_path / "out"
    assert main(["spec", "extract", str(doc), "--product", "thing", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"cmqconform: {message}") and err.count("\n") == 1, err
    assert "Traceback" not in err and not out.exists()


def test_a_missing_doc_and_a_bad_product_name(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.txt"
    assert main(["spec", "extract", str(missing), "--product", "x", "--out",
                 str(tmp_path)]) == 2
    assert "nope.txt: cannot read the doc" in capsys.readouterr().err
    assert main(["spec", "extract", str(missing), "--product", "Bad-Name"]) == 2
    assert "--product 'Bad-Name'" in capsys.readouterr().err


def test_cli_writes_a_product_that_loads_and_lints(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "specs"
    assert main(["spec", "extract", str(REFERENCE / PRODUCT_DOCS["tdmq"]), "--product", "tdmq",
                 "--out", str(out)]) == 0
    assert "1 actions (tdmq.v3 2020-02-17)" in capsys.readouterr().out
    assert (out / "reference" / PRODUCT_DOCS["tdmq"]).exists()
    assert (out / "tdmq" / "v3" / "SendMessages.yaml").exists()
    # Writing again over the product needs --force.
    assert main(["spec", "extract", str(REFERENCE / PRODUCT_DOCS["tdmq"]), "--product", "tdmq",
                 "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["spec", "extract", str(REFERENCE / PRODUCT_DOCS["tdmq"]), "--product", "tdmq",
                 "--check"]) == 0
    assert "2 recorded hand edits" in capsys.readouterr().out
    # The written product loads and lints beside the vendor facts it shares.
    shutil.copytree(SPECS / "vendors", out / "vendors")
    for doc in ("cmq-api.txt", "CLIENT-WIRE-NOTES.md"):
        shutil.copy(REFERENCE / doc, out / "reference")
    assert load_specs(out).api("tdmq.v3").actions["SendMessages"].rate_limit == 1000
    assert lint(out) == []


def test_re_extracting_keeps_hand_files_and_re_applies_the_recorded_edits(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "specs"
    shutil.copytree(SPECS / "tdmq", out / "tdmq")
    (out / "tdmq" / "v3" / "SendMessages.yaml").write_text("garbage: [", encoding="utf-8")
    assert main(["spec", "extract", str(REFERENCE / PRODUCT_DOCS["tdmq"]), "--product", "tdmq",
                 "--out", str(out), "--force"]) == 0
    assert "no longer applies" not in capsys.readouterr().out
    for name in ("errata.yaml", "extract.yaml", "v3/SendMessages.yaml"):
        assert (out / "tdmq" / name).read_text() == (SPECS / "tdmq" / name).read_text(), name


def test_a_row_scattered_around_its_description_is_reassembled_and_an_appendix_is_not_a_row(
        ) -> None:
    text = """Name Type Required Description
Allow
Array
of
String

No

The allowlist.

Block Array
of

No The blocklist. For example,
 String users 1, 2 and 3.

Zone Integer No The time zone. The default is 8.
 SDK Event Mapping Table

1001 0 -1 The user unplugged wired earphone
"""
    lines = [Line(i, t) for i, t in enumerate(text.split("\n"), 1)]
    found, drafts, layout, after = tables.rows(lines, frozenset())
    assert [(r.name, r.type, r.required) for r in found] == [
        ("Allow", "Array of String", False), ("Block", "Array of String", False),
        ("Zone", "Integer", False)]
    assert found[1].text == "The blocklist. For example, users 1, 2 and 3."
    assert found[2].text == "The time zone. The default is 8."
    assert after[0].stripped == "SDK Event Mapping Table" and not drafts
    assert layout == "name_type_required"


def test_a_row_start_nothing_completes_is_a_draft_not_a_description() -> None:
    text = ("Name Required Type Description\nUserIds.N Yes Array\n\nList of users\n"
            "RoomId Yes String Room ID\n")
    lines = [Line(i, t) for i, t in enumerate(text.split("\n"), 1)]
    found, drafts, _, _ = tables.rows(lines, frozenset())
    assert [r.name for r in found] == ["RoomId"]
    assert [(d.line, d.text, d.reason) for d in drafts] == [
        (2, "UserIds.N Yes Array List of users", "member UserIds.N: a row it cannot reassemble")]
