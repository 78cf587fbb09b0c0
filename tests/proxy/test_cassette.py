"""Cassettes: recorded redacted, re-judged offline against the current specs, served as a stub."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import httpx
import pytest

from cmqconform.cli import main
from cmqconform.emulator.asgi import ThreadServer
from cmqconform.proxy.judge import Judge
from cmqconform.proxy.replay import Stub, create_stub_app, read_cassette, rejudge
from cmqconform.spec import load_specs
from tests.proxy.conftest import SKEY, proxied, proxied_to
from tests.proxy.flows import api3_bad_range, api3_flow, legacy_flow

pytestmark = pytest.mark.sdk
#: A judged exchange's verdict and the clauses it broke.
Verdicts = tuple[str, tuple[str, ...]]
pytest.importorskip("tencentcloud.cmq.v20190304")
pytest.importorskip("cmq.account")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Verdicts]]:
    """A cassette of API 3.0 and legacy flows and one out-of-range request, and the live
    verdicts with their broken clauses."""
    root = tmp_path_factory.mktemp("cassette")
    cassette = root / "traffic.jsonl"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        with proxied(root / "live", cassette=cassette) as run:
            api3_flow(run.url)
            legacy_flow(run.url, root)
            api3_bad_range(run.url)
    live = [(j.state, tuple(v.clause_id for v in j.violations)) for j in run.judgements]
    return cassette, live


def test_the_cassette_holds_no_secret(recorded: tuple[Path, list[Verdicts]]) -> None:
    text = recorded[0].read_text(encoding="utf-8")
    assert SKEY not in text
    signatures = re.findall(r"Signature=([^,&\s\"]+)", text)
    assert signatures and set(signatures) == {"***"}


def test_replay_judges_as_the_live_run_did(recorded: tuple[Path, list[Verdicts]]) -> None:
    cassette, live = recorded
    exchanges = read_cassette(cassette)
    again = [(j.state, tuple(v.clause_id for v in j.violations))
             for j in rejudge(exchanges, Judge(load_specs()))]
    assert again == live
    assert ("fail", ("cmq.v3.CreateQueue.VisibilityTimeout.range",)) in again


def test_replay_cli_exit_code_and_reports(recorded: tuple[Path, list[Verdicts]], tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["replay", str(recorded[0]), "--report-dir", str(tmp_path / "r")])
    out = capsys.readouterr().out
    assert code == 1  # the out-of-range request broke a clause
    assert "VIOLATION request cmq.v3 CreateQueue cmq.v3.CreateQueue.VisibilityTimeout.range " \
           "cmq-api.txt:" in out
    doc = json.loads((tmp_path / "r" / "results.json").read_text())
    assert doc["target"]["kind"] == "proxy" and doc["interrupted"] is False
    assert doc["summary"]["fail"] == 1 and doc["summary"]["total"] == len(recorded[1])
    assert (tmp_path / "r" / "report.html").exists()


def test_replay_after_a_spec_change(recorded: tuple[Path, list[Verdicts]], tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Widen VisibilityTimeout's range in a copy of the specs: the recorded request keeps it."""
    specs = tmp_path / "specs"
    shutil.copytree(load_specs().root, specs)
    action = specs / "cmq" / "v3" / "CreateQueue.yaml"
    text = action.read_text(encoding="utf-8")
    changed = re.sub(r"(name: VisibilityTimeout\n.*?max: )43200", r"\g<1>50000", text, count=1,
                     flags=re.S)
    assert changed != text
    action.write_text(changed, encoding="utf-8")
    code = main(["--specs", str(specs), "replay", str(recorded[0]), "--product", "cmq"])
    out = capsys.readouterr().out
    # The request now keeps the contract; the error it got is one CreateQueue documents.
    assert "VisibilityTimeout.range" not in out and "VIOLATION" not in out
    assert code == 0


def test_a_bad_cassette_is_one_clear_error(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"cassette": "cmqconform-proxy", "version": 1}\n{"seq": "x"}\n{}\n')
    assert main(["replay", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:2: malformed exchange" in err and "Traceback" not in err
    other = tmp_path / "other.json"
    other.write_text('{"a": 1}\n')
    assert main(["replay", str(other)]) == 2
    assert f"{other}:1: not a cmqconform proxy cassette" in capsys.readouterr().err


def test_replay_serve_answers_the_recorded_requests(recorded: tuple[Path, list[Verdicts]],
                                                    tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    judge = Judge(load_specs())
    stub = Stub(read_cassette(recorded[0]), judge)
    with ThreadServer(create_stub_app(stub)) as stub_url, \
            proxied_to(stub_url, tmp_path / "r") as run:
        outcomes = legacy_flow(run.url, tmp_path)
        missing = httpx.post(stub_url + "/", json={}, headers={
            "X-TC-Action": "DescribeTopicDetail", "X-TC-Version": "2019-03-04"}, timeout=10)
    # The stub answered as the emulator did: the same outcomes, and no violation.
    assert outcomes[:2] == ["CreateQueue: ok", "flow: ok"] and len(outcomes) == 3
    assert run.violations() == [] and len(run.judgements) >= 12
    assert missing.status_code == 404 and missing.json()["Response"]["Error"]["Code"]
