"""A session with one target: send abstract calls through the dialects, get Exchanges back.

The session owns the HTTP client, signs with the target's credentials (or deliberately wrong
ones, for auth negatives), applies the shared rate limit and never lets a transport fault
escape: a timeout or reset becomes an Exchange with ``fault`` set, which the runner turns into
an ``error`` verdict.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import httpx

from cmqconform.dialects import (
    Call,
    Credentials,
    DecodeFailure,
    WireEvidence,
    get_dialect,
    redact_request,
)
from cmqconform.dialects.protocol import envelope_clause
from cmqconform.dialects.redaction import redact_text
from cmqconform.models import SpecSet
from cmqconform.ratelimit import HeavierThanRate, slot_key
from cmqconform.targets import Target, target_from_url
from cmqconform.verdicts import Evidence, Exchange, Members

#: How far back an "expired" signature is dated: well past any documented skew.
EXPIRED_BY_SECONDS = 3600
UNKNOWN_SECRET_ID = "AKIDcmqcUnknownSecretId0000000000000"


class Limiter(Protocol):
    """Blocks until one more request may go out under ``key`` (account, surface, action)."""

    def acquire(self, key: str, units: int = 1) -> float:
        """Wait for a slot for ``units`` of the rate (a batch counts its items); the seconds
        waited."""


@dataclass
class Sent:
    """What a session (and its siblings) sent: rate units per ``"<surface> <action>"``,
    counted as the target counts them, and the seconds spent waiting for rate-limit slots."""

    units: Counter[str] = field(default_factory=Counter)
    waited: float = 0.0

    def copy(self) -> Sent:
        """A snapshot, to subtract a later one from."""
        return Sent(Counter(self.units), self.waited)


def url_target(url: str, credentials: Credentials, specs: SpecSet, *,
               name: str | None = None) -> Target:
    """A target serving every surface at one address (the ``--cmq-target URL`` shorthand)."""
    return target_from_url(url, credentials=credentials, name=name, specs=specs)


def _evidence(request: httpx.Request | None, raw: WireEvidence | None,
              secrets: tuple[str, ...]) -> Evidence:
    req = redact_request(request, secrets) if request is not None else None
    return Evidence(
        method=req.method if req else "", url=req.url if req else "",
        request_headers=dict(req.headers) if req else {}, request_body=req.body if req else "",
        status=raw.status if raw else None,
        response_headers=dict(raw.headers) if raw else {},
        # A target may quote the request back (signature and all): masked as it is captured.
        response_body=redact_text(raw.text(), secrets) if raw else "",
    )


#: Waits before each retry of a throttled call: bounded, under two seconds in all.
THROTTLE_BACKOFF = (0.25, 0.5, 1.0)
#: A circuit breaker: after this many calls in a row got no answer at all, calls are not sent
#: for :data:`UNREACHABLE_SECONDS` (each is an error at once), then one call probes the target.
#: A hung target would otherwise cost the full timeout on every remaining call.
UNREACHABLE_AFTER = 5
UNREACHABLE_SECONDS = 30.0


class Session:
    """Sends calls to one target and returns Exchanges; see the module docstring.

    With ``retry_throttled``, a call the target answers with its rate-limit code (the surface's
    ``rate_limited`` condition) is sent again after :data:`THROTTLE_BACKOFF`; one still throttled
    after the last wait is a fault (``throttled: ...``), an error and never a contract failure.
    The scenarios that mean to be throttled send from sessions of their own, which do not retry.
    """

    def __init__(self, specs: SpecSet, target: Target, *, limiter: Limiter | None = None,
                 timeout: float = 15.0, transport: httpx.BaseTransport | None = None,
                 retry_throttled: bool = False) -> None:
        self.specs = specs
        self.target = target
        self.limiter = limiter
        self.client = httpx.Client(timeout=timeout, transport=transport)
        self.retry_throttled = retry_throttled
        #: The latest exchange and how many calls were sent: a failing scenario shows the last
        #: exchange it made as its evidence.
        self.last: Exchange | None = None
        self.calls = 0
        #: When (``time.monotonic()``) the latest request went out, after any wait for a
        #: rate-limit slot: a timer the target starts on it starts no earlier.
        self.sent_at = 0.0
        #: How many throttled calls were sent again.
        self.retries = 0
        #: Rate units sent and slot waits (the next run's order spreads each case by the action
        #: it sends the most of, and judges its duration without the waits for slots).
        self.sent = Sent()
        #: The calls that got no usable answer, by call number (the latest few): a scenario
        #: that failed after one of them ends as an error, not as a contract failure.
        self.faults: deque[tuple[int, Exchange]] = deque(maxlen=64)
        self._unanswered = 0
        self._closed_until = 0.0
        self._trip_after = UNREACHABLE_AFTER

    def sibling(self, target: Target | None = None) -> Session:
        """A session of its own (for another signature method, say) sending to the same
        target's limits: through this one's rate limiter, what it sends counted with this
        one's (:class:`Sent`)."""
        other = Session(self.specs, target or self.target, limiter=self.limiter,
                        timeout=self.client.timeout.read or 15.0,
                        retry_throttled=self.retry_throttled)
        other.sent = self.sent
        return other

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _credentials(self, tamper: str | None) -> Credentials:
        creds = self.target.credentials
        if tamper == "bad_signature":
            return Credentials.of(creds.secret_id, creds.secret_key.reveal() + "x")
        if tamper == "unknown_secret_id":
            return Credentials.of(UNKNOWN_SECRET_ID, creds.secret_key.reveal())
        if tamper == "bad_token":
            token = creds.token.reveal() if creds.token is not None else ""
            return Credentials.of(creds.secret_id, creds.secret_key.reveal(), token + "x")
        return creds

    def call(self, api: str, action: str, params: Mapping[str, Any], *,
             common: Mapping[str, str | None] | None = None, tamper: str | None = None,
             http_method: str = "POST", array_base: int | None = None,
             signature: str | None = None) -> Exchange:
        """Send one call (signed with ``signature`` instead of the target's method when given);
        never raises for transport or decoding trouble."""
        self.calls += 1
        if self.target.values.get(api):
            params = self._own_values(api, action, params)

        def send() -> Exchange:
            if time.monotonic() < self._closed_until:
                return Exchange(False, fault=f"transport: target unreachable: "
                                             f"{self._unanswered} calls in a row got no answer; "
                                             f"not sent")
            got = self._send(api, action, params, common=common, tamper=tamper,
                             http_method=http_method, array_base=array_base,
                             signature=signature)
            self._unanswered = self._unanswered + 1 \
                if (got.fault or "").startswith("transport") else 0
            if self._unanswered >= self._trip_after:
                self._closed_until = time.monotonic() + UNREACHABLE_SECONDS
            return got

        exchange = send()
        if self.retry_throttled:
            for wait in THROTTLE_BACKOFF:
                if not self.throttled(api, exchange):
                    break
                self.retries += 1
                time.sleep(wait)
                exchange = send()
            if self.throttled(api, exchange):
                exchange = replace(exchange, fault=f"throttled: {exchange.code} after "
                                                   f"{len(THROTTLE_BACKOFF)} retries")
        return self._keep(self._internal_fault(api, exchange))

    def _internal_fault(self, api: str, exchange: Exchange) -> Exchange:
        """``exchange`` as a fault when it is the target's internal-error answer (the surface's
        ``internal_error`` condition): the target failed, which says nothing of the contract
        (no case expects it; suites/ineligible.yaml)."""
        condition = self.specs.api(api).conditions.get("internal_error")
        if exchange.ok or exchange.fault or condition is None or not any(
                str(ref.code) == str(exchange.code)
                and (ref.module is None or ref.module == exchange.module)
                for ref in condition.accept):
            return exchange
        return replace(exchange, fault=f"target internal error: {exchange.code}: "
                                       f"{(exchange.message or '')[:200]}")

    def throttled(self, api: str, exchange: Exchange) -> bool:
        """Whether ``exchange`` is the target's rate-limit answer on ``api``."""
        condition = self.specs.api(api).conditions.get("rate_limited")
        if exchange.ok or exchange.fault or condition is None:
            return False
        return any(str(ref.code) == str(exchange.code)
                   and (ref.module is None or ref.module == exchange.module)
                   for ref in condition.accept)

    @property
    def unreachable(self) -> str | None:
        """Why the target counts as gone (the circuit breaker is open and no call has been
        answered since), or None."""
        if self._unanswered < self._trip_after:
            return None
        return f"target unreachable: {self._unanswered} calls in a row got no answer"

    def hurry(self, seconds: float) -> None:
        """Wind down: every later call waits at most ``seconds``, and the first that gets no
        answer opens the circuit breaker (a run ending after an interrupt must not wait the
        full timeout on a hung target call after call)."""
        self.client.timeout = httpx.Timeout(min(seconds, self.client.timeout.read or seconds))
        self._trip_after = 1

    def _keep(self, exchange: Exchange) -> Exchange:
        self.last = exchange
        if exchange.fault:
            self.faults.append((self.calls, exchange))
        return exchange

    def first_fault_since(self, calls: int) -> Exchange | None:
        """The first call after call number ``calls`` that got no usable answer, if any."""
        return next((ex for number, ex in self.faults if number > calls), None)

    def _own_values(self, api: str, action: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """``params`` with each recipe value replaced by the target's own (a real instance's
        names); a parameter holding anything else (an unknown name on purpose) is kept."""
        spec = self.specs.api(api).actions.get(action)
        recipe = spec.recipe.values if spec is not None else {}
        own = self.target.values.get(api, {})
        return {name: own[name] if name in own and recipe.get(name.lower()) == value else value
                for name, value in params.items()}

    def _send(self, api: str, action: str, params: Mapping[str, Any], *,
              common: Mapping[str, str | None] | None, tamper: str | None,
              http_method: str, array_base: int | None,
              signature: str | None = None) -> Exchange:
        dialect = get_dialect(self.specs.api(api).dialect)
        if tamper is not None and tamper not in dialect.auth_tampers:
            raise ValueError(f"{api}: the {dialect.name} dialect has no auth tamper {tamper!r} "
                             f"(it has {', '.join(dialect.auth_tampers)})")
        creds = self._credentials(tamper)
        clock: Callable[[], float] = time.time
        if tamper == "expired_timestamp":
            def clock() -> float:
                return time.time() - EXPIRED_BY_SECONDS
        wire_action = (common or {}).get("Action") or action
        overrides = {k: v for k, v in (common or {}).items() if k != "Action"}
        call = Call(api, wire_action, dict(params), http_method=http_method, common=overrides,
                    array_base=array_base)
        spec = self.specs.api(api).actions.get(action)
        secrets = self.target.credentials.secrets()
        request: httpx.Request | None = None
        try:
            target = replace(self.target, credentials=creds)
            if signature is not None:
                target = replace(target, signature={**target.signature, api: signature})
            prepared = target.prepare(call, self.specs, clock=clock,
                                      host=spec.host if spec is not None else None)
            request = prepared.request
            self._pace(api, wire_action, params, creds.secret_id)
            auth: httpx.Auth | None = None if tamper == "missing_auth" else prepared.auth
            response = self.client.send(request, auth=auth) if auth else self.client.send(request)
        except httpx.HTTPError as exc:
            return Exchange(False, fault=f"transport: {type(exc).__name__}: {exc}",
                            evidence=_evidence(request, None, secrets))
        except HeavierThanRate as exc:
            return Exchange(False, fault=f"not sent: {wire_action}: {exc}",
                            evidence=_evidence(request, None, secrets))
        return self._exchange(api, response, action)

    def _pace(self, api: str, action: str, params: Mapping[str, Any], secret_id: str) -> None:
        """Count the request's rate units and wait for the shared limiter's slot (if the
        target declares a rate), counted as the target counts: per account, surface and
        action, a batch by its items (the action spec's ``rate_cost``); note when it goes out
        (:attr:`sent_at`). Raises :class:`HeavierThanRate` for a request the target's rate
        could never admit: it is not sent."""
        spec = self.specs.api(api).actions.get(action)
        units = spec.request_cost(params) if spec is not None else 1
        self.sent.units[f"{api} {action}"] += units
        if self.limiter is not None:
            self.sent.waited += self.limiter.acquire(slot_key(secret_id, api, action), units)
        self.sent_at = time.monotonic()

    def send_request(self, api: str, request: httpx.Request, auth: httpx.Auth, *,
                     action: str, params: Mapping[str, Any] | None = None) -> Exchange:
        """Send a request built by hand (a malformed path, another method, an altered signed
        element) for ``action`` with ``params``, through the limiter like any call, and decode
        it as ``api``'s dialect does; never raises for transport or decoding trouble."""
        self.calls += 1
        try:
            self._pace(api, action, params or {}, self.target.credentials.secret_id)
            response = self.client.send(request, auth=auth)
        except httpx.HTTPError as exc:
            return self._keep(Exchange(False, fault=f"transport: {type(exc).__name__}: {exc}",
                                       evidence=_evidence(request, None,
                                                          self.target.credentials.secrets())))
        except HeavierThanRate as exc:
            return self._keep(Exchange(False, fault=f"not sent: {action}: {exc}",
                                       evidence=_evidence(request, None,
                                                          self.target.credentials.secrets())))
        return self._keep(self._exchange(api, response))

    def _exchange(self, api: str, response: httpx.Response,
                  action: str | None = None) -> Exchange:
        spec = self.specs.api(api)
        dialect = get_dialect(spec.dialect)
        secrets = self.target.credentials.secrets()
        decoded = dialect.decode(response)
        evidence = _evidence(response.request, decoded.evidence, secrets)
        if isinstance(decoded, DecodeFailure):
            if decoded.breach:
                reason = redact_text(decoded.reason, secrets)
                return Exchange(False, breach=f"{reason} ({envelope_clause(spec)})",
                                evidence=evidence)
            return Exchange(False, fault=redact_text(str(decoded), secrets), evidence=evidence)
        member = spec.facts.envelope.get("request_id")
        if member and not decoded.request_id:
            # Every answer of an envelope with a request id carries one, success or error.
            return Exchange(False, breach=f"no {member!r} member ({envelope_clause(spec)})",
                            evidence=evidence)
        if decoded.error is not None:
            return Exchange(False, decoded.request_id, {}, decoded.error.code,
                            decoded.error.module, redact_text(decoded.error.message, secrets),
                            evidence=evidence)
        data = dialect.members(decoded.evidence.body)
        return Exchange(True, decoded.request_id,
                        Members.of(data, api, action) if action else data, evidence=evidence)
