"""Official SDK flows through the proxy: 0 violations against the emulator, a mutant's own
violations (with its clause ids) against ``serve --mutant``."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest

from cmqconform.products import mutant_catalog
from cmqconform.spec import load_specs
from tests.proxy.conftest import proxied
from tests.proxy.flows import api3_bad_range, api3_flow, legacy_flow, roma_flow

pytestmark = pytest.mark.sdk


def _roma_names() -> dict[str, Any]:
    return dict(load_specs().api("roma.v2").action("ShowMqsInstanceMessages").recipe.values)


@pytest.mark.parametrize("sign_method", ["TC3-HMAC-SHA256", "HmacSHA256"])
def test_api3_sdk_flow_keeps_the_contract(tmp_path: Path, sign_method: str) -> None:
    pytest.importorskip("tencentcloud.cmq.v20190304")
    with proxied(tmp_path / "r") as run:
        outcomes = api3_flow(run.url, sign_method)
    assert outcomes.count("DeleteQueue: ResourceNotFound") == 1
    assert sum(o.endswith(": ok") for o in outcomes) == len(outcomes) - 1, outcomes
    assert run.violations() == [], run.lines
    assert len(run.judgements) == len(outcomes)
    assert {j.state for j in run.judgements} == {"pass"}
    assert {j.api for j in run.judgements} == {"cmq.v3"}


@pytest.mark.parametrize(("sign", "method"), [("sha256", "POST"), ("sha1", "GET")])
def test_legacy_sdk_flow_keeps_the_contract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            sign: str, method: str) -> None:
    pytest.importorskip("cmq.account")
    monkeypatch.chdir(tmp_path)  # the SDK writes its log into the working directory
    with proxied(tmp_path / "r") as run:
        outcomes = legacy_flow(run.url, tmp_path, sign, method)
    assert outcomes[:2] == ["CreateQueue: ok", "flow: ok"] and len(outcomes) == 3, outcomes
    assert run.violations() == [], run.lines
    assert {j.api for j in run.judgements} == {"cmq.legacy"}
    assert len(run.judgements) >= 12


def test_huawei_sdk_flow_keeps_the_contract(tmp_path: Path) -> None:
    pytest.importorskip("huaweicloudsdkroma.v2")
    with proxied(tmp_path / "r", product="roma") as run:
        outcomes = roma_flow(run.url, _roma_names())
    assert outcomes == ["ShowMqsInstanceMessages: ok"] * 2
    assert run.violations() == [], run.lines
    assert {(j.api, j.action) for j in run.judgements} == {("roma.v2", "ShowMqsInstanceMessages")}


def test_a_request_breaking_a_range_is_the_clients_violation_only(tmp_path: Path) -> None:
    pytest.importorskip("tencentcloud.cmq.v20190304")
    with proxied(tmp_path / "r") as run:
        assert api3_bad_range(run.url) == ["CreateQueue: InvalidParameterValue"]
    assert run.clauses("request") == {"cmq.v3.CreateQueue.VisibilityTimeout.range"}
    assert run.violations("response") == []  # the emulator answered what the specs say


MUTANTS = [
    ("cmq", "total-count-stringified", "api3"),
    ("cmq", "v3-error-request-id-missing", "api3"),
    ("cmq", "range-max-unchecked", "api3-range"),
    ("cmq", "legacy-msgid-renamed", "legacy"),
    ("cmq", "legacy-request-id-missing", "legacy"),
    ("roma", "error-as-200", "roma-bad-limit"),
]


@pytest.mark.parametrize(("product", "mutant", "flow"), MUTANTS,
                         ids=[m[1] for m in MUTANTS])
def test_a_mutant_shows_its_own_violations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           product: str, mutant: str, flow: str) -> None:
    pytest.importorskip({"roma": "huaweicloudsdkroma.v2", "cmq": "cmq.account"}[product])
    monkeypatch.chdir(tmp_path)
    declared = set(mutant_catalog(product)[mutant].clauses)
    with proxied(tmp_path / "r", product=product, mutant=mutant) as run, \
            contextlib.suppress(Exception):  # a mutant may well break the SDK itself
        if flow == "api3":
            api3_flow(run.url)
        elif flow == "api3-range":
            api3_bad_range(run.url)
        elif flow == "legacy":
            legacy_flow(run.url, tmp_path)
        else:
            # limit below the documented minimum: the client's violation, refused with 400
            # by the reference, answered 200 by the mutant.
            roma_flow(run.url, _roma_names(), limit=0)
    broken = run.clauses("response")
    assert broken, run.lines
    assert broken & declared, (broken, declared)
    assert all(line.startswith("VIOLATION ") for line in run.lines[:-2])
