"""The HTTP pipeline end to end on loopback: envelopes, common parameters, auth, limits, logs.

Codes are never written here either: each expectation is the first code errors.yaml accepts for
the condition, read from the specs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from cmqconform.emulator.clock import FakeClock
from cmqconform.emulator.server import EmulatorServer, ServerOptions
from cmqconform.spec import load_specs
from tests.surfaces import LEGACY, V3

from .signed import LEGACY_PATH, SID, SKEY, form, hmac_params, tc3

OTHER_SID, OTHER_KEY = "AKIDotheraccount0002", "other-secret-key-0002"
SPECS = load_specs()


def code(api: str, condition: str) -> Any:
    """The code the emulator answers ``condition`` with on ``api``."""
    return SPECS.api(api).conditions[condition].accept[0].code


def module(condition: str) -> int | None:
    """The legacy module code of ``condition``."""
    return SPECS.api(LEGACY).conditions[condition].accept[0].module


class Client:
    """Signed requests of the three dialects to one emulator."""

    def __init__(self, base_url: str, now: float | None = None) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=10)
        self.host = base_url.removeprefix("http://")
        self.stamp = None if now is None else int(now)

    def v3(self, action: str, params: dict[str, Any] | None = None,
           **kw: Any) -> httpx.Response:
        kw.setdefault("timestamp", self.stamp)
        headers, body = tc3(action, params or {}, self.host, **kw)
        return self.http.post("/", content=body, headers=headers)

    def v1(self, action: str, params: dict[str, str] | None = None, method: str = "POST",
           **kw: Any) -> httpx.Response:
        kw.setdefault("timestamp", self.stamp)
        flat = hmac_params(action, params or {}, self.host, method=method, path="/", **kw)
        if method == "GET":
            return self.http.get("/", params=flat)
        return self.http.post("/", content=form(flat),
                              headers={"Content-Type": "application/x-www-form-urlencoded"})

    def legacy(self, action: str, params: dict[str, str] | None = None, path: str = LEGACY_PATH,
               **kw: Any) -> dict[str, Any]:
        kw.setdefault("timestamp", self.stamp)
        flat = hmac_params(action, params or {}, self.host, path=path, v1=False, **kw)
        response = self.http.post(path, content=form(flat))
        assert response.headers["content-type"] == "application/json"
        body: dict[str, Any] = response.json()
        return body

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()


def result(response: httpx.Response) -> dict[str, Any]:
    """The v3 Response object, after checking the status and the exact Content-Type."""
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()["Response"]
    assert body["RequestId"]
    return body


def error_code(response: httpx.Response) -> str:
    """The v3 error code."""
    return str(result(response)["Error"]["Code"])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """An emulator with two accounts."""
    with EmulatorServer({SID: SKEY, OTHER_SID: OTHER_KEY}) as base_url:
        yield base_url


@pytest.fixture
def client(server: str) -> Iterator[Client]:
    """A client of the shared emulator, account SID."""
    c = Client(server)
    yield c
    c.close()


def test_v3_success_envelope_and_cross_surface_state(client: Client) -> None:
    created = result(client.v3("CreateQueue", {"QueueName": "app-cross", "VisibilityTimeout": 77}))
    legacy = client.legacy("GetQueueAttributes", {"queueName": "app-cross"})
    assert legacy["code"] == 0 and legacy["message"] == "" and legacy["requestId"]
    assert legacy["visibilityTimeout"] == 77 and legacy["queueId"] == created["QueueId"]
    sent = client.legacy("SendMessage", {"queueName": "app-cross", "msgBody": "x"})
    assert sent["code"] == 0 and sent["msgId"]
    assert client.legacy("DeleteQueue", {"queueName": "app-cross"}, path="/")["code"] == 0


def test_accounts_are_isolated(client: Client, server: str) -> None:
    result(client.v3("CreateQueue", {"QueueName": "app-mine"}))
    other = Client(server)
    try:
        listed = result(other.v3("DescribeQueueDetail", {"QueueName": "app-mine"}, sid=OTHER_SID,
                                 key=OTHER_KEY))
        assert listed["TotalCount"] == 0
    finally:
        other.close()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_v1_both_methods(client: Client, method: str) -> None:
    body = result(client.v1("DescribeQueueDetail", {"Limit": "5"}, method=method,
                            signature_method="HmacSHA1"))
    assert "TotalCount" in body


def test_unknown_action(client: Client) -> None:
    assert error_code(client.v3("NoSuchAction")) == code(V3, "unknown_action")
    body = client.legacy("NoSuchAction")
    assert body["code"] == code(LEGACY, "unknown_action")
    assert body["message"].startswith(f"({module('unknown_action')}) ")


def test_wrong_version_and_region(client: Client) -> None:
    assert error_code(client.v3("DescribeQueueDetail", version="2017-01-01")) == code(
        V3, "unsupported_version")
    assert error_code(client.v1("DescribeQueueDetail", {"Version": "2017-01-01"})) == code(
        V3, "unsupported_version")
    assert error_code(client.v3("DescribeQueueDetail", region="xx-nowhere")) == code(
        V3, "unsupported_region")
    assert error_code(client.v3("DescribeQueueDetail", region=None)) == code(
        V3, "missing_parameter")


def test_unknown_parameter_v3_refused_legacy_ignored(client: Client) -> None:
    response = client.v3("DescribeQueueDetail", {"Bogus": 1})
    assert error_code(response) == code(V3, "unknown_parameter")
    assert "Bogus" in result(response)["Error"]["Message"]
    assert client.legacy("ListQueue", {"bogus": "1"})["code"] == 0


def test_sdk_common_params_are_not_unknown(client: Client) -> None:
    body = result(client.v1("DescribeQueueDetail", {"RequestClient": "SDK_PYTHON_3.0.1299",
                                                    "Language": "en-US"}))
    assert "Error" not in body


def test_validation_names_the_parameter(client: Client) -> None:
    response = client.v3("CreateQueue", {"QueueName": "app-bad", "VisibilityTimeout": 0})
    assert error_code(response) == code(V3, "out_of_range")
    assert "VisibilityTimeout" in result(response)["Error"]["Message"]


def test_legacy_array_not_contiguous(client: Client) -> None:
    assert client.legacy("CreateQueue", {"queueName": "app-arr"})["code"] == 0
    body = client.legacy("BatchSendMessage", {"queueName": "app-arr", "msgBody.1": "a",
                                              "msgBody.3": "b"})
    assert body["code"] == code(LEGACY, "array_not_contiguous")
    assert body["message"].startswith(f"({module('array_not_contiguous')})")


def test_auth_failures(client: Client) -> None:
    assert error_code(client.v3("DescribeQueueDetail", key="wrong")) == code(
        V3, "signature_failure")
    assert error_code(client.v1("DescribeQueueDetail", sid="AKIDnobody")) == code(
        V3, "secret_id_not_found")
    assert error_code(client.v3("DescribeQueueDetail", timestamp=1)) == code(
        V3, "signature_expired")
    assert client.legacy("ListQueue", key="wrong")["code"] == code(LEGACY, "signature_failure")
    assert client.legacy("ListQueue", timestamp=1)["code"] == code(LEGACY, "signature_expired")
    bare = client.http.post(LEGACY_PATH, content=b"Action=ListQueue&Nonce=1&Timestamp=1")
    assert bare.json()["code"] == code(LEGACY, "missing_auth")


def test_missing_action(client: Client) -> None:
    flat = hmac_params("X", {}, client.host)
    del flat["Action"]
    response = client.http.post("/", content=form(flat))
    assert error_code(response) == code(V3, "missing_parameter")


def test_request_too_large(client: Client) -> None:
    limit = SPECS.api(V3).facts.request_size_bytes["get"]
    response = client.v1("DescribeQueueDetail", {"TagKey": "x" * limit}, method="GET")
    assert error_code(response) == code(V3, "request_too_large")


def test_unsupported_method(client: Client) -> None:
    assert error_code(client.http.put("/", content=b"{}", headers={"X-TC-Action": "A"})) == code(
        V3, "unsupported_method")


def test_one_log_line_per_request_without_secrets(client: Client,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="cmqconform.emulator"):
        request_id = result(client.v3("DescribeQueueDetail"))["RequestId"]
        client.legacy("ListQueue", key="wrong")
    lines = [r.getMessage() for r in caplog.records if r.name == "cmqconform.emulator"]
    assert len([line for line in lines if request_id in line]) == 1
    assert all(SKEY not in line and "wrong" not in line.split("->")[0] for line in lines)


def test_rate_limit() -> None:
    clock = FakeClock()  # frozen time: every request falls in one window
    with EmulatorServer({SID: SKEY}, options=ServerOptions(rate_limit=2), clock=clock) as url:
        c = Client(url, now=clock.now())
        try:
            answers = [c.v3("DescribeQueueDetail") for _ in range(3)]
            assert "Error" not in result(answers[1])
            assert error_code(answers[2]) == code(V3, "rate_limited")
            other_action = result(c.v3("DescribeTopicDetail"))
            assert "Error" not in other_action
            legacy = [c.legacy("ListQueue") for _ in range(3)]
            assert legacy[1]["code"] == 0
            assert legacy[2]["code"] == code(LEGACY, "rate_limited")
        finally:
            c.close()
