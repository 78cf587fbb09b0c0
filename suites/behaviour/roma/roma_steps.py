"""Steps of the ROMA Connect scenarios: the query by spec names, expectations from the specs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from cmqconform.dialects import Call
from cmqconform.session import Session
from cmqconform.verdicts import Exchange

API = "roma.v2"
ACTION = "ShowMqsInstanceMessages"
CLAUSE = f"{API}.{ACTION}"


def ident(message: dict[str, Any]) -> tuple[int, int]:
    """A message's identity in its topic: (partition, message_offset)."""
    return int(message["partition"]), int(message["message_offset"])


class Roma:
    """The message query against the session's target, from the recipe's names."""

    #: Fewest messages the topic must hold for ranges, pages and filters to mean anything.
    MIN_MESSAGES = 4

    def __init__(self, session: Session) -> None:
        self.session = session
        self.spec = session.specs.api(API).action(ACTION)
        assert self.spec.http is not None, f"{CLAUSE}: the spec gives no http route"
        #: The status of a success (the action's route).
        self.status = self.spec.http.status
        #: The names the target holds: the recipe's, or the target file's own values.
        self.base = session.target.recipe_values(session.specs, API, ACTION)

    def query(self, **params: Any) -> Exchange:
        """The query with the recipe's names plus ``params`` (None drops a parameter)."""
        merged = {**self.base, **params}
        return self.session.call(API, ACTION, {k: v for k, v in merged.items() if v is not None})

    def ok(self, what: str, **params: Any) -> Exchange:
        """The query, required to succeed with the documented status."""
        got = self.query(**params)
        assert got.ok and got.evidence.status == self.status, (
            f"{ACTION} {what} {params}: expected success ({CLAUSE}.status); "
            f"received {got.describe()}")
        return got

    def error(self, condition: str, what: str, got: Exchange, clause: str) -> None:
        """Require ``got`` to answer ``condition`` with the documented error body."""
        accept = self.session.specs.api(API).conditions[condition].accept
        codes = "|".join(str(r.code) for r in accept)
        assert got.fault is None and not got.ok and any(r.code == got.code for r in accept), (
            f"{ACTION} {what}: expected HTTP {codes} ({condition}, {clause}); "
            f"received {got.describe()}")
        body = got.evidence.response_body
        assert '"error_code"' in body and '"error_msg"' in body, (
            f"{ACTION} {what}: the error body lacks error_code/error_msg "
            f"({API}.protocol.error_body); received {body[:200]!r}")

    def raw(self, *, path: Callable[[str], str] | None = None, method: str | None = None,
            **params: Any) -> Exchange:
        """The query signed as usual but sent to an altered path or with another method."""
        session = self.session
        call = Call(API, ACTION, {**self.base, **params})
        prepared = session.target.prepare(call, session.specs)
        url = prepared.request.url
        if path is not None:
            url = url.copy_with(raw_path=path(url.raw_path.decode("ascii")).encode("ascii"))
        request = httpx.Request(method or prepared.request.method, url,
                                headers=prepared.request.headers)
        return session.send_request(API, request, prepared.auth, action=ACTION,
                                    params=call.params)
