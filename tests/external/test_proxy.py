"""The deviation proxy end to end: an emulator behind it, signed calls through it."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cmqconform.dialects.credentials import Credentials
from cmqconform.emulator.server import EmulatorServer
from cmqconform.external.catalog import Deviation, load_catalog, lookup
from cmqconform.external.proxy import DeviationProxy, DeviationServer
from cmqconform.external.run import run_through
from cmqconform.session import Session
from cmqconform.spec import load_specs
from cmqconform.targets import target_from_url
from tests.processes import run

SID, SKEY = "AKIDexternalproxy0001", "external-proxy-secret-key-01"


@contextmanager
def through(deviation: Deviation | None, key: str = SKEY
            ) -> Iterator[tuple[Session, DeviationProxy]]:
    """A fresh emulator, the proxy with ``deviation`` before it, a session signing with ``key``."""
    specs = load_specs()
    with EmulatorServer({SID: SKEY}) as upstream:
        proxy = DeviationProxy(upstream, specs, "cmq", Credentials.of(SID, SKEY), deviation)
        with DeviationServer(proxy) as url, Session(specs, target_from_url(
                url, credentials=Credentials.of(SID, key), specs=specs)) as session:
            yield session, proxy


def _dev(name: str) -> Deviation:
    return lookup(load_catalog(), name)


def test_an_answer_deviation_changes_only_its_action() -> None:
    """receive-body-base64: the received body comes back Base64; the send is untouched."""
    with through(_dev("receive-body-base64")) as (s, proxy):
        assert s.call("cmq.legacy", "CreateQueue", {"queueName": "ext-q1"}).ok
        sent = s.call("cmq.legacy", "SendMessage", {"queueName": "ext-q1", "msgBody": "hello"})
        got = s.call("cmq.legacy", "ReceiveMessage", {"queueName": "ext-q1"})
    assert sent.ok and got.ok
    assert got.data["msgBody"] == "aGVsbG8=" and got.data["msgId"] == sent.data["msgId"]
    assert proxy.applied == 1


def test_a_request_deviation_is_resigned_legacy() -> None:
    """create-queue-visibility-ignored: the changed request still authenticates (re-signed
    with HmacSHA1 or HmacSHA256 as the client chose), and the target never sees the value."""
    with through(_dev("create-queue-visibility-ignored")) as (s, proxy):
        for name, method in (("ext-q2", "HmacSHA1"), ("ext-q3", "HmacSHA256")):
            made = s.call("cmq.legacy", "CreateQueue",
                          {"queueName": name, "visibilityTimeout": 45}, signature=method)
            assert made.ok, made.describe()
            attrs = s.call("cmq.legacy", "GetQueueAttributes", {"queueName": name})
            assert attrs.data["visibilityTimeout"] == 30
    assert proxy.applied == 2 and proxy.unsigned == 0


def test_a_request_deviation_is_resigned_tc3() -> None:
    """v3-create-queue-name-case-folded: the TC3 request is re-signed; the queue is upper-case."""
    with through(_dev("v3-create-queue-name-case-folded")) as (s, proxy):
        made = s.call("cmq.v3", "CreateQueue", {"QueueName": "ext-v3"})
        assert made.ok, made.describe()
        listed = s.call("cmq.v3", "DescribeQueueDetail",
                        {"Filters": [{"Name": "QueueName", "Values": ["EXT-V3"]}]})
    assert [q["QueueName"] for q in listed.data["QueueSet"]] == ["EXT-V3"]
    assert proxy.applied == 1


def test_a_request_it_cannot_verify_goes_through_untouched() -> None:
    """A request signed with another key is forwarded as sent (the target refuses it)."""
    with through(_dev("create-queue-visibility-ignored"), key="not-the-key") as (s, proxy):
        refused = s.call("cmq.legacy", "CreateQueue", {"queueName": "ext-q4",
                                                       "visibilityTimeout": 45})
    assert not refused.ok and refused.fault is None
    assert (proxy.applied, proxy.unsigned) == (0, 1)


def test_the_baseline_proxy_changes_nothing() -> None:
    """Without a deviation every answer is the target's own."""
    with through(None) as (s, proxy):
        assert s.call("cmq.legacy", "CreateQueue", {"queueName": "ext-q5"}).ok
        sent = s.call("cmq.legacy", "SendMessage", {"queueName": "ext-q5", "msgBody": " a "})
        got = s.call("cmq.legacy", "ReceiveMessage", {"queueName": "ext-q5"})
    assert got.data["msgBody"] == " a " and got.data["msgId"] == sent.data["msgId"]
    assert proxy.applied == 0


def test_an_error_deviation_touches_errors_only() -> None:
    """v3-error-code-case-folded: a missing queue's code comes back lower-case."""
    with through(_dev("v3-error-code-case-folded")) as (s, proxy):
        assert s.call("cmq.v3", "CreateQueue", {"QueueName": "ext-v3b"}).ok
        gone = s.call("cmq.v3", "DeleteQueue", {"QueueName": "ext-missing"})
    assert isinstance(gone.code, str) and gone.code.startswith("resourcenotfound")
    assert proxy.applied == 1


def test_a_given_target_runs_through_the_proxy(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """run_through with ``--target``: the suite reaches the given target through the proxy, the
    proxy re-signs with that target's keys, and a deviated answer fails the scenario."""
    monkeypatch.setenv("EXT_TEST_ID", SID)
    monkeypatch.setenv("EXT_TEST_KEY", SKEY)
    test = "behaviour/test_messages.py::test_send_receive_round_trip"
    with EmulatorServer({SID: SKEY}) as upstream:
        target = tmp_path / "target.toml"
        target.write_text(f'name = "given"\nurl = "{upstream}"\nregion = "ap-guangzhou"\n'
                          '\n[credentials]\n'
                          'secret_id_env = "EXT_TEST_ID"\nsecret_key_env = "EXT_TEST_KEY"\n',
                          encoding="utf-8")
        clean, applied, _ = run_through(None, [test], tmp_path / "base", "cmq", str(target))
        bad, applied, _ = run_through(_dev("receive-body-base64"), [test], tmp_path / "dev",
                                      "cmq", str(target))
    assert [(c["id"], c["verdict"]) for c in clean.cases] == [(test, "pass")], clean.error
    assert [(c["id"], c["verdict"]) for c in bad.cases] == [(test, "fail")], bad.error
    assert applied >= 1
    assert SKEY not in (tmp_path / "dev" / "target.toml").read_text(encoding="utf-8")


@pytest.mark.slow
def test_mutate_external_end_to_end(tmp_path: Path) -> None:
    """``mutate --external --only`` x2: a baseline, two deviations caught on rule, the reports."""
    names = ["receive-body-base64", "v3-queue-id-differs-from-create"]
    argv = [sys.executable, "-m", "cmqconform.cli", "mutate", "--external", "--json", "-j", "2",
            "--report-dir", str(tmp_path), *(f"--only={n}" for n in names)]
    proc = run(argv, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = json.loads(proc.stdout)
    assert (summary["deviations"], summary["caught_on_rule"]) == (2, 2)
    assert all(r["catching_clauses"] for r in summary["results"])
    assert "| `receive-body-base64` | cmq-api.txt:5363 | caught" in (
        tmp_path / "external.md").read_text(encoding="utf-8")
