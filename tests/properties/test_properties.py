"""Property cases: generated from properties.yaml and signed_elements, one element at a time."""

from __future__ import annotations

import collections
import json
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from cmqconform.dialects.call import decode_pairs
from cmqconform.errors import SpecError
from cmqconform.properties import property_cases
from cmqconform.properties.messages import fidelity_bodies
from cmqconform.properties.signing import alter, other_hmac
from cmqconform.spec import load_specs
from cmqconform.spec.properties import element_slug, pairs
from tests.processes import run
from tests.spec.conftest import copy_specs
from tests.surfaces import LEGACY, V3


def test_every_surface_has_property_cases_with_unique_ids_and_known_clauses() -> None:
    """Each surface gets its cases; ids are unique per surface; every clause id exists."""
    specs = load_specs()
    known = {c.id for c in specs.all_clauses()}
    for api in specs.surfaces():
        cases = property_cases(specs, api)
        assert cases, api
        ids = collections.Counter(c.id for c in cases)
        assert [i for i, n in ids.items() if n > 1] == [], api
        for case in cases:
            assert set(case.clause_ids) <= known, (api, case.id)


def test_kinds_per_surface() -> None:
    """CMQ has every kind; the other surfaces have signature integrity on each signer."""
    specs = load_specs()
    kinds = {api: {c.kind for c in property_cases(specs, api)} for api in specs.surfaces()}
    assert kinds[LEGACY] == {"round_trip", "fidelity", "unique", "matching", "timer",
                             "signature"}
    assert {"round_trip", "unique", "matching", "signature"} <= kinds[V3]
    assert kinds["tdmq.v3"] == kinds["trtc.v3"] == kinds["roma.v2"] == {"signature"}


def test_signature_cases_cover_each_method_and_expand_every_parameter() -> None:
    """Every signing method of cmq.v3 has cases; v1's param:* becomes one case per pair."""
    cases = property_cases(load_specs(), V3)
    methods = {c.data["method"] for c in cases if c.kind == "signature"}
    assert methods == {"TC3-HMAC-SHA256", "HmacSHA1", "HmacSHA256"}
    v1 = {c.variant for c in cases if c.kind == "signature" and c.data["method"] == "HmacSHA1"}
    assert {"param:Action", "param:Nonce", "param:Timestamp", "param:SecretId",
            "param:SignatureMethod", "method", "header:Host", "window"} <= v1


def test_pairs_and_slugs() -> None:
    """A member list pairs names with themselves; elements become clause id parts."""
    assert pairs(["a", "b"]) == {"a": "a", "b": "b"}
    assert pairs({"a": "A"}) == {"a": "A"}
    assert element_slug("param:*") == "params"
    assert element_slug("header:X-TC-Timestamp") == "header_x_tc_timestamp"


def test_fidelity_bodies_stress_edges_forms_and_size() -> None:
    """Both Unicode forms differ as bytes, astral characters are there, and the largest body
    is within the limit and ends in whitespace."""
    bodies = fidelity_bodies(1024)
    assert bodies["nfc"] != bodies["nfd"]
    assert unicodedata.normalize("NFC", bodies["nfd"]) == bodies["nfc"]
    assert any(ord(ch) > 0xFFFF for ch in bodies["astral"])
    assert bodies["edges"] != bodies["edges"].strip()
    assert len(bodies["largest"].encode()) <= 1024 and bodies["largest"].endswith(" ")
    assert all(ch in bodies["escaping"] for ch in "&=+%\"'\\")


def _tc3() -> httpx.Request:
    return httpx.Request("POST", "http://127.0.0.1:9/", content=b'{"Limit": 1}', headers={
        "Content-Type": "application/json", "X-TC-Timestamp": "1700000000",
        "Authorization": "TC3-HMAC-SHA256 Credential=AKID/2023-11-14/cmq/tc3_request, "
                         "SignedHeaders=content-type;host, Signature=abc"})


def _v1(method: str = "POST") -> httpx.Request:
    text = "Action=ListQueue&Nonce=5&SignatureMethod=HmacSHA256&Timestamp=1700000000&Signature=s"
    if method == "GET":
        return httpx.Request("GET", f"http://127.0.0.1:9/v2/index.php?{text}")
    return httpx.Request("POST", "http://127.0.0.1:9/v2/index.php", content=text.encode(),
                         headers={"Content-Type": "application/x-www-form-urlencoded"})


Change = Callable[[httpx.Request, httpx.Request], bool]


@pytest.mark.parametrize(("at", "changed"), [
    ("header:Content-Type", lambda a, b: b.headers["content-type"]
     == "application/json; charset=utf-8"),
    ("header:Host", lambda a, b: b.headers["host"] == "signed-elsewhere.127.0.0.1:9"),
    ("header:X-TC-Timestamp", lambda a, b: b.headers["x-tc-timestamp"] == "1699999999"),
    ("body", lambda a, b: b.content == a.content + b" " and json.loads(b.content)
     == json.loads(a.content)),
    ("auth:scope", lambda a, b: "/2023-11-13/cmq/" in b.headers["authorization"]),
    ("auth:algorithm", lambda a, b: b.headers["authorization"].startswith("TC3-HMAC-SHA1 ")),
])
def test_tc3_alterations_change_one_element(at: str, changed: Change) -> None:
    """Each TC3 element is changed and nothing else: same signature, same other headers."""
    before = _tc3()
    after, alone = alter(before, at, load_specs().api(V3))
    assert alone and changed(before, after)
    same = {k for k in before.headers if k.lower() != at.split(":")[-1].lower()
            and k.lower() not in ("content-length", "authorization", "host")}
    assert {k: after.headers[k] for k in same} == {k: before.headers[k] for k in same}


def test_v1_parameter_and_method_alterations() -> None:
    """A param changes only its pair; the method moves the pairs between body and query."""
    api = load_specs().api(LEGACY)
    after, _ = alter(_v1(), "param:Nonce", api)
    assert dict(decode_pairs(after.content.decode()))["Nonce"] == "4"
    after, _ = alter(_v1(), "param:Action", api)
    assert dict(decode_pairs(after.content.decode()))["Action"] in api.actions
    moved, _ = alter(_v1(), "method", api)
    assert moved.method == "GET" and moved.content == b""
    assert dict(decode_pairs(moved.url.query.decode()))["Nonce"] == "5"


def test_other_hmac_keeps_the_declaration_and_changes_the_signature() -> None:
    """The request declares HmacSHA256 still, but its Signature is the HmacSHA1 one."""
    request = _v1()
    other = dict(decode_pairs(other_hmac(request, "key").content.decode()))
    assert other["SignatureMethod"] == "HmacSHA256" and other["Signature"] != "s"
    assert len(other["Signature"]) == 28  # a base64 SHA-1 digest


def test_a_property_naming_an_unknown_member_is_reported_at_its_line(tmp_path: Path) -> None:
    """properties.yaml naming a reader member the specs lack: one problem at its line."""
    tree = copy_specs(tmp_path)
    line = tree.replace("properties.yaml", "members: [MaxMsgSize, MsgRetentionSeconds, Trace]",
                        "members: [MaxMsgSize, NoSuchMember, Trace]")
    found = [p for p in tree.lint() if p.rule == "ref.property"]
    assert found and all(isinstance(p, SpecError) for p in found)
    assert found[0].file == "specs/cmq/properties.yaml"
    assert "NoSuchMember" in str(found[0])
    assert found[0].line is not None and found[0].line <= line


def test_only_long_timers_are_slow() -> None:
    """The 2 s timers run by default; retention (60 s at least) is a slow case."""
    timers = {c.id: c.slow for c in property_cases(load_specs(), LEGACY) if c.kind == "timer"}
    assert timers.pop("timer[CreateQueue retention]") is True
    assert timers and not any(timers.values())


def test_a_round_trip_reads_only_the_served_surfaces(tmp_path: Path) -> None:
    """``--api cmq.v3``: a round trip whose readers include the legacy surface still passes,
    reading back on the surface the run serves."""
    done = run([sys.executable, "-m", "cmqconform", "run", "--product", "cmq", "--api", V3,
                "-k", "round_trip and CreateQueue", "--report-dir", str(tmp_path), "-q"],
               timeout=300)
    results = json.loads((tmp_path / "results.json").read_text())
    verdicts = {c["id"]: c["verdict"] for c in results["cases"]}
    assert verdicts and set(verdicts.values()) == {"pass"}, (verdicts, done.stdout[-2000:])
