"""The protocol itself: HTTP methods, where legacy parameters are read from, the legacy region,
and array indexes on the API 3.0 v1 form encoding."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest
from behaviour_steps import LEGACY, V3, call, check_error, expect_ok, queue_legacy

from cmqconform.dialects import Call, get_dialect
from cmqconform.provision import named
from cmqconform.verdicts import Exchange

#: A harmless listing call per surface (lower-cased spec names).
PROBE = {V3: ("DescribeQueueDetail", {"limit": 1}), LEGACY: ("ListQueue", {"limit": 1})}


def _signed(session: Any, api: str, action: str, params: dict[str, Any],
            http_method: str = "POST") -> httpx.Request:
    """A correctly signed request, before it is sent (so a scenario can alter the envelope)."""
    spec = session.specs.api(api).actions[action]
    prepared = session.target.prepare(Call(api, action, params, http_method=http_method),
                                      session.specs, host=spec.host)
    return next(prepared.auth.sync_auth_flow(prepared.request))


def _send(session: Any, api: str, request: httpx.Request) -> Exchange:
    decoded = get_dialect(session.specs.api(api).dialect).decode(session.client.send(request))
    error = getattr(decoded, "error", None)
    if error is None:
        return Exchange(getattr(decoded, "request_id", None) is not None)
    return Exchange(False, code=error.code, module=error.module, message=error.message)


@pytest.mark.parametrize("api", [V3, LEGACY])
@pytest.mark.clause("cmq.v3.protocol.unsupported_method", "cmq.v3.condition.unsupported_method",
                    "cmq.legacy.protocol.unsupported_method",
                    "cmq.legacy.condition.unsupported_method")
def test_method_other_than_get_or_post_refused(cmq_session: Any, api: str) -> None:
    """A signed request sent with PUT instead of POST is refused as an unsupported method."""
    action, params = PROBE[api]
    signed = _signed(cmq_session, api, action, named(cmq_session, api, action, **params))
    put = httpx.Request("PUT", signed.url, headers=signed.headers, content=signed.content)
    got = _send(cmq_session, api, put)
    check_error(cmq_session, api, "unsupported_method", got, f"{action} sent with PUT",
                f"{api}.protocol.unsupported_method")


@pytest.mark.clause("cmq.legacy.protocol.get_post")
def test_legacy_get_reads_query_post_ignores_it(cmq_session: Any, cmq_resources: Any) -> None:
    """GET takes parameters from the query; POST from the body, ignoring the query string."""
    res = cmq_resources(LEGACY)
    mine = str(res.create("queue", slot="body", attrs=(("visibilitytimeout", 7),)))
    other = str(res.create("queue", slot="query", attrs=(("visibilitytimeout", 9),)))
    got = cmq_session.call(LEGACY, "GetQueueAttributes", {"queueName": mine}, http_method="GET")
    assert got.ok and got.data["visibilityTimeout"] == 7, (
        f"GetQueueAttributes by GET: {got.describe()} (cmq.legacy.protocol.get_post)")
    signed = _signed(cmq_session, LEGACY, "GetQueueAttributes", {"queueName": mine})
    with_query = httpx.Request("POST", signed.url.copy_merge_params({"queueName": other}),
                               headers=signed.headers, content=signed.content)
    response = cmq_session.client.send(with_query)
    doc = response.json()
    assert doc.get("code") == 0 and doc.get("visibilityTimeout") == 7, (
        f"POST body queueName={mine}, query queueName={other}: expected {mine}'s attributes "
        f"(visibilityTimeout 7; cmq.legacy.protocol.get_post, cmq-api.txt:4466); received {doc}")


@pytest.mark.clause("cmq.legacy.protocol.region_from_host")
def test_legacy_region_parameter_does_not_move_the_request(cmq_session: Any,
                                                           cmq_resources: Any) -> None:
    """A legacy Region parameter naming another region still reaches the host's queue."""
    queue = str(cmq_resources(LEGACY).create("queue", attrs=(("visibilitytimeout", 7),)))
    regions = cmq_session.specs.api(LEGACY).facts.region_ids
    other = next(r for r in regions if r != cmq_session.target.regions[LEGACY])
    got = cmq_session.call(LEGACY, "GetQueueAttributes", {"queueName": queue},
                           common={"Region": other})
    assert got.ok and got.data["visibilityTimeout"] == 7, (
        f"GetQueueAttributes with Region={other} on the "
        f"{cmq_session.target.regions[LEGACY]} host: expected the queue's attributes "
        f"(cmq.legacy.protocol.region_from_host, cmq-api.txt:4404); received {got.describe()}")
    assert queue_legacy(cmq_session, queue)["visibilityTimeout"] == 7


@pytest.mark.clause("cmq.v3.condition.array_not_contiguous")
def test_v3_form_array_gap_refused(cmq_session: Any, cmq_resources: Any) -> None:
    """On the v1 form encoding, Filters.1 without Filters.0 is refused; Filters.0 works."""
    queue = str(cmq_resources(V3).create("queue"))
    v1 = replace(cmq_session.target,
                 signature={**cmq_session.target.signature, V3: "HmacSHA256"})
    with cmq_session.sibling(v1) as form:
        good = call(form, V3, "DescribeQueueDetail",
                    filters=[{"Name": "QueueName", "Values": [queue]}])
        assert good.ok and [q["QueueName"] for q in good.data["QueueSet"]] == [queue], (
            f"v1 DescribeQueueDetail Filters.0: {good.describe()}")
        gap = form.call(V3, "DescribeQueueDetail",
                        {"Filters.1.Name": "QueueName", "Filters.1.Values.0": queue})
        check_error(form, V3, "array_not_contiguous", gap,
                    "v1 DescribeQueueDetail Filters.1 without Filters.0",
                    "cmq.v3.condition.array_not_contiguous")
    expect_ok(cmq_session, V3, "DescribeQueueDetail", queuename=queue)
