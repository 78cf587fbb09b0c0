"""Cross-verification against qcloud-cmq-sdk-py3==0.1 (``import cmq``, the legacy API).

The SDK's own high-level calls (``Queue.batch_send_message``...) and this package send the same
call to a loopback recorder with the same fixed timestamp and nonce (``time`` and ``random`` are
patched in ``cmq.cmq_client``, the module that signs). The decoded parameter sets — every one of
them signed — must be equal, Signature included, as must method, path and Host.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from cmqconform.dialects import BOOL_TEXT_PYTHON, Call, Credentials
from tests.dialects.conftest import LEGACY_REPLY, Captured, Recorder, prepare
from tests.surfaces import LEGACY

pytestmark = pytest.mark.sdk

cmq_client = pytest.importorskip("cmq.cmq_client")
from cmq.account import Account  # noqa: E402
from cmq.queue import Message as QueueMessage  # noqa: E402
from cmq.topic import Message as TopicMessage  # noqa: E402

TIMESTAMP = 1534154812
NONCE = 2889712707386595659
SECRET_ID = "AKIDlegacycross0000000000000000000"
SECRET_KEY = "legacy-cross-secret-key-000000000"
SDK_CLIENT = "SDK_Python_1.3"


@dataclass(frozen=True)
class Scenario:
    """An SDK call and the equivalent abstract call."""

    sdk: Callable[[Account], Any]
    action: str
    params: dict[str, Any]
    post_only: bool = False


UNICODE_BODY = "中文 ünï 😀 & = + % ? # ~ * / \\ \" ' < > \t\n"
SCENARIOS = {
    "send": Scenario(lambda a: a.get_queue("q1").send_message(QueueMessage("hello")),
                     "SendMessage", {"queueName": "q1", "msgBody": "hello", "delaySeconds": 0}),
    "send_reserved_unicode": Scenario(
        lambda a: a.get_queue("q1").send_message(QueueMessage(UNICODE_BODY), 5),
        "SendMessage", {"queueName": "q1", "msgBody": UNICODE_BODY, "delaySeconds": 5}),
    "send_long_body": Scenario(
        lambda a: a.get_queue("q1").send_message(QueueMessage("z" * 65536)),
        "SendMessage", {"queueName": "q1", "msgBody": "z" * 65536, "delaySeconds": 0},
        post_only=True),
    "batch_send_1_based": Scenario(
        lambda a: a.get_queue("q1").batch_send_message([QueueMessage("a"), QueueMessage("b c")]),
        "BatchSendMessage", {"queueName": "q1", "delaySeconds": 0, "msgBody": ["a", "b c"]}),
    "receive_polling": Scenario(
        lambda a: a.get_queue("q1").receive_message(3),
        "ReceiveMessage",
        {"queueName": "q1", "UserpollingWaitSeconds": 3, "pollingWaitSeconds": 3}),
    "receive_default": Scenario(
        lambda a: a.get_queue("q1").receive_message(),
        "ReceiveMessage", {"queueName": "q1", "UserpollingWaitSeconds": "30"}),
    "batch_receive": Scenario(
        lambda a: a.get_queue("q1").batch_receive_message(16, 2),
        "BatchReceiveMessage", {"queueName": "q1", "numOfMsg": 16,
                                "UserpollingWaitSeconds": 2, "pollingWaitSeconds": 2}),
    "batch_delete_1_based": Scenario(
        lambda a: a.get_queue("q1").batch_delete_message(["h1", "h/2+="]),
        "BatchDeleteMessage", {"queueName": "q1", "receiptHandle": ["h1", "h/2+="]}),
    "publish_tags": Scenario(
        lambda a: a.get_topic("t1").publish_message(TopicMessage("x", ["t1", "t2"]), "a.b"),
        "PublishMessage", {"topicName": "t1", "msgBody": "x", "routingKey": "a.b",
                           "msgTag": ["t1", "t2"]}),
    "publish_empty_tags": Scenario(
        lambda a: a.get_topic("t1").publish_message(TopicMessage("x", [])),
        "PublishMessage", {"topicName": "t1", "msgBody": "x", "routingKey": "",
                           "msgTag": []}),
}
MATRIX = [
    pytest.param(name, sign, http, id=f"{name}-{sign}-{http}")
    for name, scenario in SCENARIOS.items() for sign in ("sha1", "sha256")
    for http in ("POST", "GET") if not (http == "GET" and scenario.post_only)
]
METHODS = {"sha1": "HmacSHA1", "sha256": "HmacSHA256"}


@pytest.fixture
def sdk_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any, recorder: Recorder) -> Recorder:
    """Fixed SDK clock and nonce; its log file goes to a temporary directory."""
    monkeypatch.chdir(tmp_path)  # the SDK writes CMQ_python_sdk.log into the working directory
    monkeypatch.setattr(cmq_client, "time", SimpleNamespace(time=lambda: TIMESTAMP))
    monkeypatch.setattr(cmq_client, "random", SimpleNamespace(randint=lambda a, b: NONCE))
    recorder.reply = dict(LEGACY_REPLY)
    return recorder


def sdk_send(recorder: Recorder, scenario: Scenario, sign: str, http: str) -> Captured:
    account = Account(recorder.url, SECRET_ID, SECRET_KEY)
    account.set_sign(sign)
    account.cmq_client.set_method(http)
    try:
        scenario.sdk(account)
    finally:
        account.cmq_client.close_connection()
    return recorder.last()


def our_send(recorder: Recorder, scenario: Scenario, sign: str, http: str) -> Captured:
    params = {**scenario.params, "RequestClient": SDK_CLIENT}
    prepared = prepare(
        Call(LEGACY, scenario.action, params, http_method=http, array_base=1),
        base_url=recorder.url, credentials=Credentials.of(SECRET_ID, SECRET_KEY),
        signature_method=METHODS[sign], region=None, clock=lambda: TIMESTAMP, nonce=lambda: NONCE,
        bool_text=BOOL_TEXT_PYTHON)
    with httpx.Client(trust_env=False, timeout=10) as client:
        assert client.send(prepared.request, auth=prepared.auth).status_code == 200
    return recorder.last()


@pytest.mark.parametrize(("name", "sign", "http"), MATRIX)
def test_same_request_as_the_sdk(sdk_env: Recorder, name: str, sign: str, http: str) -> None:
    scenario = SCENARIOS[name]
    sdk = sdk_send(sdk_env, scenario, sign, http)
    ours = our_send(sdk_env, scenario, sign, http)
    assert (ours.method, ours.path, ours.header("Host")) == (sdk.method, sdk.path,
                                                              sdk.header("Host"))
    assert ours.params() == sdk.params()
    assert ours.params()["Signature"] == sdk.params()["Signature"]


def test_sdk_quirks_are_what_the_notes_say(sdk_env: Recorder) -> None:
    """CLIENT-WIRE-NOTES.md: no Content-Type on POST, 1-based arrays, UserpollingWaitSeconds."""
    sdk = sdk_send(sdk_env, SCENARIOS["batch_send_1_based"], "sha1", "POST")
    assert sdk.header("Content-Type") is None
    assert {"msgBody.1", "msgBody.2"} <= sdk.params().keys()
    sdk = sdk_send(sdk_env, SCENARIOS["receive_default"], "sha1", "POST")
    assert sdk.params()["UserpollingWaitSeconds"] == "30"
