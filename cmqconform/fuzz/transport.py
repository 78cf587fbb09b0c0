"""The fuzz transport: a generated body for ``POST /<api>/<Action>`` -> a signed real request.

schemathesis addresses each action by its synthetic path; the transport turns the generated
body into a :class:`~cmqconform.dialects.Call` and sends it through the run's
:class:`~cmqconform.session.Session`, so the target's dialect does the encoding and signing
(API 3.0: TC3-HMAC-SHA256 JSON POST with ``X-TC-Action``/``Version``/``Region``; legacy: a
signed form to ``/v2/index.php`` on the action's host). Name parameters that the schema accepts
are replaced by real, run-prefixed resources made for the example (a queue to delete, a receipt
handle to use), so valid examples reach real state; everything made is deleted afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

from cmqconform.cases.build import setup_for
from cmqconform.cases.resources import Namer
from cmqconform.cases.values import is_created_name
from cmqconform.models import ActionSpec, ApiSpec, Ref
from cmqconform.provision import Resources, SetupError
from cmqconform.session import Session
from cmqconform.spec.openapi import param_schema
from cmqconform.verdicts import Exchange


@dataclass(frozen=True, slots=True)
class Sent:
    """One example on the wire: the parameters sent and what came back (or why nothing did)."""

    params: Mapping[str, Any]
    exchange: Exchange | None
    setup_error: str | None = None


class FuzzTransport:
    """Sends generated bodies for one action of one surface to the session's target."""

    def __init__(self, session: Session, namer: Namer, api: str, action: str) -> None:
        self.session = session
        self.namer = namer
        self.api: ApiSpec = session.specs.api(api)
        self.action: ActionSpec = self.api.action(action)
        self._name_ok = {p.wire_name: Draft202012Validator(_name_schema(self.api, p.wire_name,
                                                                        self.action))
                         for p in self.action.request if p.resource is not None}
        #: Names the dialect itself sends beside the parameters (a name.n form carries them).
        facts = self.api.facts
        self.common = frozenset(p.name for p in facts.common_params) \
            if facts.array_encoding == "name.n" else frozenset()

    def placeholders(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """The body with every schema-valid resource name replaced by a placeholder."""
        rec = self.action.recipe
        by_wire = {p.wire_name: p for p in self.action.request}
        out: dict[str, Any] = {}
        for name, value in body.items():
            param = by_wire.get(name)
            kind = param.resource if param is not None else None
            if param is None or kind is None:
                out[name] = value
                continue
            ref = Ref(kind, fresh=is_created_name(param, rec.creates),
                      slot=rec.slots.get(param.name.lower(), ""))
            valid = self._name_ok[name]
            if param.item_type is not None and isinstance(value, list):
                out[name] = [ref if isinstance(v, str) and valid.is_valid([v]) else v
                             for v in value]
            elif param.item_type is None and isinstance(value, str) and valid.is_valid(value):
                out[name] = ref
            else:
                out[name] = value
        return out

    def send(self, body: Mapping[str, Any]) -> Sent:
        """Provide the resources the example names, send it signed, clean up; never raises."""
        params = self.placeholders(body)
        resources = Resources(self.session, self.api.id, self.namer)
        try:
            try:
                resources.provide(setup_for(self.action, params))
            except SetupError as exc:
                return Sent(params, None, str(exc))
            resolved = resources.resolve(params)
            exchange = self.session.call(self.api.id, self.action.name, resolved)
            self._track_accepted(resources, resolved, exchange)
            return Sent(resolved, exchange)
        finally:
            resources.cleanup()

    def _track_accepted(self, resources: Resources, params: Mapping[str, Any],
                        exchange: Exchange) -> None:
        # A target that wrongly creates a resource under a generated name must not keep it.
        creates = self.action.recipe.creates
        if not exchange.ok or creates is None:
            return
        for param in self.action.request:
            value = params.get(param.wire_name)
            known = any(name == value for _, name, _ in resources.created)
            if is_created_name(param, creates) and isinstance(value, str) and not known:
                topic = resources.names.get(("topic", ""))
                resources.created.append((creates, value, topic))


def _name_schema(api: ApiSpec, wire_name: str, action: ActionSpec) -> dict[str, Any]:
    for param in action.request:
        if param.wire_name == wire_name:
            return param_schema(api, param)
    raise KeyError(wire_name)
