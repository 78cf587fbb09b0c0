"""Authentication on both surfaces, and two accounts that cannot see each other's queues."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest
from behaviour_steps import LEGACY, V3, accepts, call, check_error, expect_error, expect_ok

from cmqconform.dialects import Call, get_dialect
from cmqconform.provision import Resources, named
from cmqconform.verdicts import Exchange

#: Session tamperings and the errors.yaml condition each must answer.
TAMPERS = [("bad_signature", "signature_failure"), ("unknown_secret_id", "secret_id_not_found"),
           ("expired_timestamp", "signature_expired"), ("missing_auth", "missing_auth")]
#: A harmless listing call per surface.
PROBE = {V3: ("DescribeQueueDetail", {"limit": 1}), LEGACY: ("ListQueue", {"limit": 1})}


@pytest.mark.parametrize("api", [V3, LEGACY])
@pytest.mark.parametrize(("tamper", "condition"), TAMPERS, ids=[t for t, _ in TAMPERS])
@pytest.mark.clause("cmq.v3.auth.signature_failure", "cmq.v3.auth.secret_id_not_found",
                    "cmq.v3.auth.signature_expired", "cmq.v3.auth.missing_auth",
                    "cmq.legacy.auth.signature_failure", "cmq.legacy.auth.secret_id_not_found",
                    "cmq.legacy.auth.signature_expired", "cmq.legacy.auth.missing_auth")
def test_bad_credentials_refused(cmq_session: Any, api: str, tamper: str,
                                 condition: str) -> None:
    """A wrong signature, unknown SecretId, skewed timestamp or missing auth is refused."""
    action, params = PROBE[api]
    got = cmq_session.call(api, action, named(cmq_session, api, action, **params),
                           tamper=tamper)
    check_error(cmq_session, api, condition, got, f"{action} with {tamper}",
                f"{api}.auth.{condition}")


def _signed(session: Any, api: str, method: str | None = None) -> httpx.Request:
    """The probe call of ``api``, signed (with ``method`` when given) and ready to send."""
    action, params = PROBE[api]
    spec = session.specs.api(api).actions[action]
    target = session.target if method is None else replace(
        session.target, signature={**session.target.signature, api: method})
    prepared = target.prepare(Call(api, action, named(session, api, action, **params)),
                              session.specs, host=spec.host)
    return next(prepared.auth.sync_auth_flow(prepared.request))


def _send(session: Any, api: str, signed: httpx.Request) -> Exchange:
    """Send a request as it is and read its answer."""
    response = session.client.send(signed)
    decoded = get_dialect(session.specs.api(api).dialect).decode(response)
    error = getattr(decoded, "error", None)
    if error is None:
        return Exchange(True)
    return Exchange(False, code=error.code, module=error.module, message=error.message)


def _signed_for_other_host(session: Any, api: str) -> Exchange:
    """A request signed correctly, then sent with a Host header other than the one signed."""
    signed = _signed(session, api)
    port = httpx.URL(str(signed.url)).port
    signed.headers["Host"] = f"cmqc-other-host.invalid:{port}"
    return _send(session, api, signed)


@pytest.mark.parametrize("api", [V3, LEGACY])
@pytest.mark.clause("cmq.v3.auth.signing_host", "cmq.legacy.auth.signing_host")
def test_wrong_signing_host_refused(cmq_session: Any, api: str) -> None:
    """A signature over one host (port included) does not hold for another Host header."""
    expect_ok(cmq_session, api, PROBE[api][0], f"{api}.auth.signing_host", **PROBE[api][1])
    got = _signed_for_other_host(cmq_session, api)
    check_error(cmq_session, api, "signature_failure", got, "request sent to another Host",
                f"{api}.auth.signing_host")


#: A v1 signature method per surface: the signatures that carry a Nonce.
NONCE_SIGNED = {V3: "HmacSHA256", LEGACY: None}


@pytest.mark.parametrize("api", [V3, LEGACY])
@pytest.mark.clause("cmq.v3.auth.nonce_replay", "cmq.v3.condition.replayed_nonce",
                    "cmq.legacy.auth.nonce_replay", "cmq.legacy.condition.replayed_nonce")
def test_a_replayed_nonce_is_refused(cmq_session: Any, api: str) -> None:
    """The same signed request (Nonce and Timestamp) sent twice: the second is a replay."""
    signed = _signed(cmq_session, api, NONCE_SIGNED[api])
    first = _send(cmq_session, api, signed)
    assert first.ok, f"{PROBE[api][0]} signed with a fresh Nonce: {first.describe()}"
    again = _send(cmq_session, api, signed)
    check_error(cmq_session, api, "replayed_nonce", again, "the same request sent again",
                f"{api}.auth.nonce_replay")


@pytest.mark.clause("cmq.v3.CreateQueue.name_unique", "cmq.v3.DescribeQueueDetail.lists_queues",
                    "cmq.legacy.CreateQueue.name_unique")
def test_two_accounts_are_isolated(cmq_session: Any, cmq_second_session: Any,
                                   cmq_resources: Any) -> None:
    """A queue of one account is invisible to another, which may use the same name."""
    res = cmq_resources(V3)
    queue = res.create("queue")
    other = Resources(cmq_second_session, V3, res.namer)
    try:
        seen = expect_ok(cmq_second_session, V3, "DescribeQueueDetail", queuename=queue)
        assert seen.data["TotalCount"] == 0, "another account lists this account's queue"
        expect_error(cmq_second_session, LEGACY, "queue_not_found", "GetQueueAttributes",
                     queuename=queue)
        got = call(cmq_second_session, LEGACY, "SendMessage", queuename=queue, msgbody="x")
        assert accepts(cmq_second_session, LEGACY, "queue_not_found", got), got.describe()
        other.created.append(("queue", queue, None))
        expect_ok(cmq_second_session, V3, "CreateQueue", "cmq.v3.CreateQueue.name_unique",
                  queuename=queue)
        expect_ok(cmq_second_session, LEGACY, "SendMessage", queuename=queue, msgbody="mine")
        assert expect_ok(cmq_session, LEGACY, "GetQueueAttributes",
                         queuename=queue).data["activeMsgNum"] == 0
    finally:
        other.cleanup()


@pytest.mark.clause("cmq.v3.auth.invalid_token", "cmq.v3.condition.invalid_token")
@pytest.mark.parametrize("method", ["TC3-HMAC-SHA256", "HmacSHA256"])
def test_temporary_credentials_need_their_own_token(cmq_second_session: Any, method: str) -> None:
    """With temporary credentials the right token is accepted and a wrong one is refused."""
    session = cmq_second_session
    if session.target.credentials.token is None:
        pytest.skip("the target's second account is not temporary credentials (a target "
                    "file's [second_credentials] token_env)")
    target = replace(session.target, signature={**session.target.signature, V3: method})
    with session.sibling(target) as signed:
        params = named(signed, V3, "DescribeQueueDetail", offset=0, limit=1)
        got = signed.call(V3, "DescribeQueueDetail", params)
        assert got.ok, f"{method} with the account's own session token: {got.describe()}"
        got = signed.call(V3, "DescribeQueueDetail", params, tamper="bad_token")
        check_error(signed, V3, "invalid_token", got, f"{method} with a wrong session token",
                    "cmq.v3.auth.invalid_token")
