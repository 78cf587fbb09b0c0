"""Official SDK flows through the proxy: 0 violations against the emulator, a mutant's own
violations (with its clause ids) against ``serve --mutant``."""

from __future__ import annotations

import contextlib
import fnmatch
from pathlib import Path
from typing import Any

import pytest

from cmqconform.cases.resources import Namer
from cmqconform.dialects import Credentials
from cmqconform.emulator.server import EmulatorServer, ServerOptions
from cmqconform.products import mutant_catalog
from cmqconform.provision import Resources
from cmqconform.session import Session
from cmqconform.spec import load_specs
from cmqconform.targets import target_from_url
from tests.proxy.conftest import proxied, proxied_to
from tests.proxy.flows import (
    api3_bad_range,
    api3_flow,
    common_client_flow,
    legacy_flow,
    roma_flow,
)
from tests.sdk.test_intl_sdk import SID as INTL_SID
from tests.sdk.test_intl_sdk import SKEY as INTL_SKEY
from tests.sdk.test_intl_sdk import drive, intl_site, valid_call

pytestmark = pytest.mark.sdk
__all__ = ["intl_site"]  # the fixture that installs the pinned international SDK apart


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


def _same_clause(clause: str, declared: str) -> bool:
    """``clause`` is the declared one (a pattern), or the same clause of another action: a
    catalog names representative actions (``SendMessage.response.requestId``) of a deviation
    every action shows."""
    if fnmatch.fnmatchcase(clause, declared):
        return True
    mine, theirs = clause.split("."), declared.split(".")
    return len(mine) > 3 and mine[:2] == theirs[:2] and mine[3:] == theirs[3:]


MUTANTS = [
    ("cmq", "total-count-stringified", "api3"),
    ("cmq", "v3-error-request-id-missing", "api3"),
    ("cmq", "range-max-unchecked", "api3-range"),
    ("cmq", "legacy-msgid-renamed", "legacy"),
    ("cmq", "legacy-request-id-missing", "legacy"),
    ("roma", "error-as-200", "roma-bad-limit"),
    ("trtc", "response-member-dropped", "common"),
    ("trtc", "response-member-retyped", "common"),
    ("trtc", "request-id-missing", "common"),
    ("tdmq", "response-member-renamed", "common"),
]


@pytest.mark.parametrize(("product", "mutant", "flow"), MUTANTS,
                         ids=[m[1] for m in MUTANTS])
def test_a_mutant_shows_its_own_violations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           product: str, mutant: str, flow: str) -> None:
    pytest.importorskip({"roma": "huaweicloudsdkroma.v2", "cmq": "cmq.account"}.get(
        product, "tencentcloud.common.common_client"))
    monkeypatch.chdir(tmp_path)
    # The mock's generic mutants name their clauses as patterns over any surface.
    patterns = [c.replace("<surface>", f"{product}.v3" if product != "roma" else "roma.v2")
                for c in mutant_catalog(product)[mutant].clauses]
    with proxied(tmp_path / "r", product=product, mutant=mutant) as run, \
            contextlib.suppress(Exception):  # a mutant may well break the SDK itself
        if flow == "api3":
            api3_flow(run.url)
        elif flow == "api3-range":
            api3_bad_range(run.url)
        elif flow == "legacy":
            legacy_flow(run.url, tmp_path)
        elif flow == "common":
            common_client_flow(run.url, product, f"{product}.v3")
        else:
            # limit below the documented minimum: the client's violation, refused with 400
            # by the reference, answered 200 by the mutant.
            roma_flow(run.url, _roma_names(), limit=0)
    broken = run.clauses("response")
    assert broken, run.lines
    assert any(_same_clause(c, p) for c in broken for p in patterns), (broken, patterns)
    assert all(line.startswith("VIOLATION ") for line in run.lines[:-2])


@pytest.mark.parametrize("product", ["tdmq", "trtc"])
def test_api3_common_client_flows_keep_the_answer_side_of_the_contract(
        tmp_path: Path, product: str) -> None:
    """Every documented example of TDMQ and TRTC through the proxy to their mock: no answer
    breaks a clause. (A doc example may itself send a region its action refuses: that is the
    request's violation, answered with the documented code.)"""
    pytest.importorskip("tencentcloud.common.common_client")
    surface = f"{product}.v3"
    with proxied(tmp_path / "r", product=product) as run:
        outcomes = common_client_flow(run.url, product, surface)
    assert outcomes and sum(o.endswith(": ok") for o in outcomes) >= 1
    assert run.violations("response") == [], run.lines
    assert {v.clause_id for v in run.violations("request")} <= {
        f"{surface}.condition.unsupported_region", f"{surface}.protocol.unsupported_region"}
    assert {j.api for j in run.judgements} == {surface}


def test_trtc_intl_sdk_through_the_proxy(intl_site: Path, tmp_path: Path) -> None:
    """tencentcloud-sdk-python-intl-en's typed TrtcClient (installed apart, as tests/sdk does):
    every documented TRTC action with valid input through the proxy to the mock, 0 violations.
    Tasks the calls take are started beforehand straight at the mock, not through the proxy."""
    specs = load_specs()
    api = specs.api("trtc.v3")
    with EmulatorServer({INTL_SID: INTL_SKEY}, options=ServerOptions(product="trtc"),
                        specs=specs) as upstream, \
            proxied_to(upstream, tmp_path / "r", product="trtc") as run:
        target = target_from_url(upstream, credentials=Credentials.of(INTL_SID, INTL_SKEY),
                                 specs=specs, surfaces=("trtc.v3",))
        with Session(specs, target) as session:
            namer = Namer("proxy01")
            calls = [valid_call(api, action, Resources(session, "trtc.v3", namer))
                     for action in api.actions.values()]
        got = drive(intl_site, run.url, "trtc", api.version, api.facts.region_ids[0], calls)
    assert [r for r in got["results"] if not r["ok"]] == []
    assert len(run.judgements) == len(calls) >= 39
    assert run.violations() == [], run.lines
    assert {j.state for j in run.judgements} == {"pass"}
