"""The envelope of every answer, success or error: HTTP 200, a JSON media type the official SDKs
read, and a request id (cmq-api.txt:1878, 4400; CLIENT-WIRE-NOTES.md:22, 54)."""

from __future__ import annotations

from typing import Any

import pytest
from behaviour_steps import LEGACY, V3, call, check_error, expect_ok

from cmqconform.verdicts import Exchange

#: Response media types the API 3.0 SDK recognises as such (CLIENT-WIRE-NOTES.md:54): with any
#: parameter (``; charset=utf-8``) it silently returns an error as an empty model.
SDK_MEDIA_TYPES = ("application/json", "text/plain")
#: A harmless read of one queue per surface (lower-cased spec names).
READ = {V3: "DescribeQueueDetail", LEGACY: "GetQueueAttributes"}
CLAUSE = {V3: "cmq.v3.protocol.content_type_json", LEGACY: "cmq.legacy.protocol.envelope"}


def _content_type(got: Exchange) -> str | None:
    headers = {k.lower(): v for k, v in got.evidence.response_headers.items()}
    return headers.get("content-type")


def _check_envelope(api: str, got: Exchange, what: str) -> None:
    clause = CLAUSE[api]
    assert got.evidence.status == 200, (
        f"{what}: expected HTTP 200 ({clause}); received HTTP {got.evidence.status}")
    media = _content_type(got)
    assert media is not None and media.strip() in SDK_MEDIA_TYPES, (
        f"{what}: expected Content-Type {' or '.join(SDK_MEDIA_TYPES)} without parameters "
        f"({clause}, CLIENT-WIRE-NOTES.md:54); received {media!r}")
    assert isinstance(got.request_id, str) and got.request_id, (
        f"{what}: the answer carries no request id ({clause})")


@pytest.mark.parametrize("api", [V3, LEGACY])
@pytest.mark.clause("cmq.v3.protocol.content_type_json", "cmq.legacy.protocol.envelope",
                    "cmq.v3.condition.queue_not_found", "cmq.legacy.condition.queue_not_found")
def test_success_and_error_share_the_envelope(cmq_session: Any, cmq_resources: Any,
                                              api: str) -> None:
    """A success and an error both come back as HTTP 200, a plain JSON type and a request id."""
    queue = cmq_resources(api).create("queue")
    ok = expect_ok(cmq_session, api, READ[api], CLAUSE[api], queuename=queue)
    _check_envelope(api, ok, f"{READ[api]} of an existing queue")
    gone = f"{queue}x"
    if api == V3:
        # DescribeQueueDetail lists nothing for an unknown name; ClearQueue must refuse it.
        missing = call(cmq_session, V3, "ClearQueue", queuename=gone)
    else:
        missing = call(cmq_session, LEGACY, READ[LEGACY], queuename=gone)
    check_error(cmq_session, api, "queue_not_found", missing, f"{api} read of {gone}",
                f"{api}.condition.queue_not_found")
    _check_envelope(api, missing, f"the error for the unknown queue {gone}")


@pytest.mark.clause("cmq.legacy.protocol.envelope", "cmq.legacy.condition.no_message")
def test_legacy_empty_receive_envelope(cmq_session: Any, cmq_resources: Any) -> None:
    """An empty receive (7000) is an error answer like any other: HTTP 200, JSON, requestId."""
    queue = cmq_resources(LEGACY).create("queue")
    got = call(cmq_session, LEGACY, "ReceiveMessage", queuename=queue, pollingwaitseconds=0)
    check_error(cmq_session, LEGACY, "no_message", got, "ReceiveMessage on an empty queue",
                "cmq.legacy.condition.no_message")
    _check_envelope(LEGACY, got, "ReceiveMessage on an empty queue")
