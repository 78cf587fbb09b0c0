"""What every Tencent API 3.0 surface shares, checked on TDMQ's and TRTC's surfaces.

The common rules (specs/vendors/tencent/api3) hold for TDMQ and TRTC as for CMQ: a method other
than GET or POST, a GET over the documented size, a wrong session token with temporary
credentials and a burst past the target's declared rate each answer their condition. Each
scenario calls the surface's first action that needs nothing set up, with its baseline.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest
from behaviour_steps import burst, check_error, check_throttled

from cmqconform.cases.build import baseline, repair, setup_for
from cmqconform.dialects import Call, get_dialect
from cmqconform.models import ApiSpec
from cmqconform.session import Session
from cmqconform.verdicts import Exchange


def _probe(api: ApiSpec) -> tuple[str, dict[str, Any]] | None:
    """The first action whose baseline needs no resource, and that baseline."""
    for action in api.actions.values():
        params = repair(api, action, baseline(api, action)) or baseline(api, action)
        if not setup_for(action, params):
            return action.name, params
    return None


def _baseline(api: ApiSpec) -> tuple[str, dict[str, Any]]:
    found = _probe(api)
    assert found is not None
    return found


# The surfaces without scenarios of their own (CMQ's are in test_protocol, test_limits and
# test_auth), each marked with the clause it checks as a literal id, so that
# ``cmqconform spec coverage`` sees it without running anything.
UNSUPPORTED_METHOD = [
    pytest.param("tdmq.v3", marks=pytest.mark.clause("tdmq.v3.condition.unsupported_method")),
    pytest.param("trtc.v3", marks=pytest.mark.clause("trtc.v3.condition.unsupported_method")),
]
REQUEST_TOO_LARGE = [
    pytest.param("tdmq.v3", marks=pytest.mark.clause("tdmq.v3.condition.request_too_large")),
    pytest.param("trtc.v3", marks=pytest.mark.clause("trtc.v3.condition.request_too_large")),
]
INVALID_TOKEN = [
    pytest.param("tdmq.v3", marks=pytest.mark.clause("tdmq.v3.condition.invalid_token")),
    pytest.param("trtc.v3", marks=pytest.mark.clause("trtc.v3.condition.invalid_token")),
]
RATE_LIMITED = [
    pytest.param("tdmq.v3", marks=pytest.mark.clause("tdmq.v3.condition.rate_limited")),
    pytest.param("trtc.v3", marks=pytest.mark.clause("trtc.v3.condition.rate_limited")),
]


@pytest.mark.parametrize("api", UNSUPPORTED_METHOD)
def test_put_is_an_unsupported_method(cmq_session: Session, api: str) -> None:
    """A correctly signed request sent with PUT is refused as an unsupported method."""
    action, params = _baseline(cmq_session.specs.api(api))
    prepared = cmq_session.target.prepare(Call(api, action, params), cmq_session.specs)
    signed = next(prepared.auth.sync_auth_flow(prepared.request))
    put = httpx.Request("PUT", signed.url, headers=signed.headers, content=signed.content)
    decoded = get_dialect(cmq_session.specs.api(api).dialect).decode(cmq_session.client.send(put))
    error = getattr(decoded, "error", None)
    got = Exchange(error is None) if error is None else Exchange(
        False, code=error.code, module=error.module, message=error.message)
    check_error(cmq_session, api, "unsupported_method", got, f"{action} sent with PUT",
                f"{api}.condition.unsupported_method")


@pytest.mark.parametrize("api", REQUEST_TOO_LARGE)
def test_a_get_over_the_documented_size_is_refused(cmq_session: Session, api: str) -> None:
    """A GET whose query is over the surface's documented GET size answers request_too_large."""
    spec = cmq_session.specs.api(api)
    limit = spec.facts.request_size_bytes.get("get")
    if limit is None:
        pytest.skip(f"{api} documents no GET request size")
    action, params = _baseline(spec)
    text = next((p.name for p in spec.actions[action].request if p.type == "string"), None)
    if text is None:
        pytest.skip(f"{action} has no string parameter to pad")
    got = cmq_session.call(api, action, {**params, text: "x" * (limit + 1024)},
                           http_method="GET")
    check_error(cmq_session, api, "request_too_large", got,
                f"{action} GET of {limit + 1024} bytes", f"{api}.condition.request_too_large")


@pytest.mark.parametrize("api", INVALID_TOKEN)
def test_temporary_credentials_need_their_own_token(cmq_second_session: Session,
                                                    api: str) -> None:
    """With temporary credentials the account's token is accepted and a wrong one refused."""
    session = cmq_second_session
    if session.target.credentials.token is None or api not in session.target.surfaces:
        pytest.skip("the target's second account is not temporary credentials on this surface")
    action, params = _baseline(session.specs.api(api))
    with session.sibling(replace(session.target)) as own:
        assert own.call(api, action, params).ok, f"{action} with the account's own token"
        got = own.call(api, action, params, tamper="bad_token")
        check_error(own, api, "invalid_token", got, f"{action} with a wrong session token",
                    f"{api}.condition.invalid_token")


@pytest.mark.parametrize("api", RATE_LIMITED)
def test_a_burst_past_the_declared_rate_is_throttled(cmq_throttled_session: Session,
                                                     api: str) -> None:
    """Past the target's declared requests per second the answer is RequestLimitExceeded."""
    target = cmq_throttled_session.target
    rate = target.declared_limits.get("v3_requests_per_second")
    if rate is None or api not in target.surfaces:
        pytest.skip("the target declares no API 3.0 rate (declared_limits.v3_requests_per_second)")
    action, params = _baseline(cmq_throttled_session.specs.api(api))
    lowered = {k.lower(): v for k, v in params.items()}
    answers = burst(cmq_throttled_session, api, action, 3 * int(rate), **lowered)
    check_throttled(cmq_throttled_session, api, answers,
                    f"{len(answers)} {action} at once, limit {rate}/s",
                    f"{api}.condition.rate_limited")
