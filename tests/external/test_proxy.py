"""The deviation proxy end to end: an emulator behind it, signed calls through it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from cmqconform.dialects.credentials import Credentials
from cmqconform.emulator.server import EmulatorServer
from cmqconform.external.catalog import Deviation, load_catalog, lookup
from cmqconform.external.proxy import DeviationProxy, DeviationServer
from cmqconform.session import Session
from cmqconform.spec import load_specs
from cmqconform.targets import target_from_url

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
