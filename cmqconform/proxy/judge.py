"""Judge one proxied exchange with the suite's own pieces.

1. **Which surface and action.** A REST surface's request by its route (method and path
   template); an RPC request decoded as the gateway decodes it (:func:`read_request`), then the
   surface whose path, signer, version and actions fit it.
2. **The request against the spec.** Parameters in spec types (:func:`decode_params`), each
   judged by the one evaluator (:func:`violations`): required, types, ranges, lengths, patterns,
   enums, items, struct members; unknown parameters where the surface refuses them; the
   cross-parameter rules (on what was sent: the proxy cannot know the resource's state);
   version and region allow-lists.
3. **The answer.** The dialect decodes the envelope (a complete answer it cannot read breaks
   the envelope clause); then the checks registry: request id, no server error, a documented
   code, the response schema and no undocumented member, the REST status and error body, and —
   when the request broke a constraint — an error coded for what it broke.

Each broken clause is a :class:`Violation` (which side broke it, the clause id, its doc line,
expected, received). The exchange becomes a results.json case: ``pass``, ``fail`` with the
clause ids, or ``error`` when no answer came back or the request could not be read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from cmqconform.checks import CheckContext, run_checks
from cmqconform.dialects import get_dialect
from cmqconform.dialects.envelope import DecodeFailure
from cmqconform.emulator.faults import Fault
from cmqconform.emulator.wire import WireRequest, decode_params, read_request, scalar
from cmqconform.models import (
    PARAM_CONSTRAINTS,
    ActionSpec,
    ApiSpec,
    Cite,
    ErrorRef,
    ParamSpec,
    SpecSet,
)
from cmqconform.proxy.exchange import Recorded
from cmqconform.spec.constraints import violations
from cmqconform.spec.loader import describe_constraint
from cmqconform.spec.rules import condition_for, rule_condition, rule_holds, rule_params
from cmqconform.verdicts import Case, Evidence, Exchange, Expected, Failure, Verdict

#: The checks an answer is judged by; ``outcome_is_expected`` only when the request broke a rule.
ANSWER_CHECKS = ("request_id_present", "envelope_facts", "not_a_server_error",
                 "error_code_documented",
                 "response_schema_conformance", "no_undocumented_field",
                 "success_status_documented", "error_body_conformance")
#: The client's side of the contract and the server's.
REQUEST, RESPONSE = "request", "response"


@dataclass(frozen=True, slots=True)
class Violation:
    """One clause an exchange broke: by the client (``request``) or the server (``response``)."""

    side: str
    clause_id: str
    source: str | None
    expected: str
    received: str
    #: The errors.yaml condition a request violation should be answered with.
    condition: str | None = None

    def line(self, api: str | None, action: str | None) -> str:
        """The live line: surface, action, clause id, doc line, expected, received."""
        return (f"VIOLATION {self.side} {api or '-'} {action or '-'} {self.clause_id} "
                f"{self.source or '-'} expected: {self.expected} received: {self.received}")

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form."""
        return {"side": self.side, "clause_id": self.clause_id, "source": self.source,
                "expected": self.expected, "received": self.received}


@dataclass(frozen=True, slots=True)
class Judgement:
    """What the proxy concluded about one exchange."""

    recorded: Recorded
    api: str | None
    action: str | None
    violations: tuple[Violation, ...] = ()
    #: Why no verdict on the contract could be given (upstream fault, undecodable request).
    error: str | None = None
    #: Clauses the exchange exercised (what the run's coverage counts).
    clause_ids: tuple[str, ...] = ()
    verdict: Verdict | None = field(default=None, repr=False)

    @property
    def state(self) -> str:
        """``pass``, ``fail`` or ``error``."""
        return self.verdict.verdict if self.verdict is not None else "error"


class Judge:
    """Judges exchanges against the specs of some products (every product when none given)."""

    def __init__(self, specs: SpecSet, products: Iterable[str] | None = None) -> None:
        self.specs = specs
        wanted = list(products) if products else list(specs.products)
        self.apis: dict[str, ApiSpec] = {s: specs.api(s) for s in specs.surfaces(wanted)}
        self.rest = {a.id: a for a in self.apis.values() if _is_rest(a)}
        self.rpc = {a.id: a for a in self.apis.values() if a.id not in self.rest}
        self.legacy_paths = frozenset(a.facts.path for a in self.rpc.values()
                                      if a.facts.path != "/")
        self.clause_ids = {c.id: c for a in self.apis.values() for c in a.all_clauses()}

    # -- which surface ---------------------------------------------------------------------------
    def surface_for(self, recorded: Recorded) -> str | None:
        """The surface a request most likely speaks to (for an error answer's shape)."""
        routed = self._route(recorded) or self._route(recorded, any_method=True)
        if routed is not None:
            return routed[0]
        try:
            wire = self._wire(recorded)
        except Fault:
            return next(iter(self.rpc), next(iter(self.apis), None))
        return self._rpc_surface(wire) or next(iter(self.rpc), None)

    def _wire(self, recorded: Recorded) -> WireRequest:
        return read_request(recorded.method, recorded.path, recorded.query,
                            recorded.lower_headers, recorded.body, self.legacy_paths)

    def _rpc_surface(self, wire: WireRequest) -> str | None:
        best: tuple[int, str] | None = None
        for api in self.rpc.values():
            facts = api.facts
            if wire.dialect not in {m.signer for m in facts.signature_methods}:
                continue
            if facts.path != wire.path and not (facts.path == "/" and
                                                wire.path not in self.legacy_paths):
                continue
            score = (2 if wire.common("Version") == api.version else 0) + \
                (1 if wire.action in api.actions else 0)
            if best is None or score > best[0]:
                best = (score, api.id)
        return best[1] if best else None

    def _route(self, recorded: Recorded, *,
               any_method: bool = False) -> tuple[str, ActionSpec, dict[str, str]] | None:
        segments = [unquote(s) for s in recorded.path.split("/")]
        for api in self.rest.values():
            for action in api.actions.values():
                route = action.http
                if route is None or (route.method != recorded.method and not any_method):
                    continue
                params = _match(route.path.split("/"), segments)
                if params is not None:
                    return api.id, action, params
        return None

    # -- judging ---------------------------------------------------------------------------------
    def judge(self, recorded: Recorded) -> Judgement:
        """Surface, action, violations and the results.json verdict of one exchange."""
        routed = self._route(recorded)
        api: ApiSpec | None = None
        action: ActionSpec | None = None
        found: list[Violation] = []
        try:
            wrong_method = None if routed else self._route(recorded, any_method=True)
            if routed is not None:
                api, action = self.apis[routed[0]], routed[1]
                params = self._rest_params(recorded, action, routed[2], found, api)
            elif wrong_method is not None:
                # A documented route under another method: the surface refuses the method.
                api, params = self.apis[wrong_method[0]], {}
                assert wrong_method[1].http is not None
                found.append(self._surface_violation(
                    api, "condition.unsupported_method", "unsupported_method",
                    f"{wrong_method[1].http.method} {wrong_method[1].http.path}",
                    f"{recorded.method} {recorded.path}"))
            else:
                wire = self._wire(recorded)
                surface = self._rpc_surface(wire)
                if surface is None:
                    raise Fault("unknown_action", "no surface of the specs speaks this request")
                api = self.apis[surface]
                action, params = self._rpc_request(wire, api, found)
        except Fault as fault:
            surface_id = api.id if api else None
            return self._undecodable(recorded, surface_id, action, str(fault))
        assert api is not None
        if action is not None:
            found.extend(self._param_violations(api, action, params))
        if recorded.fault is not None:
            return self._finish(recorded, api, action, found, error=recorded.fault)
        return self._finish(recorded, api, action, found)

    def _undecodable(self, recorded: Recorded, api: str | None, action: ActionSpec | None,
                     why: str) -> Judgement:
        reason = f"undecodable request: {why}"
        if recorded.fault is not None:
            reason += f"; {recorded.fault}"
        name = action.name if action else None
        verdict = Verdict(case_id(recorded, api, name), "error", (), "-", _received(recorded),
                          reason, None, api, name, evidence=_evidence(recorded),
                          case_kind="proxy")
        return Judgement(recorded, api, name, (), reason, (), verdict)

    def _rpc_request(self, wire: WireRequest, api: ApiSpec,
                     found: list[Violation]) -> tuple[ActionSpec | None, dict[str, Any]]:
        facts = api.facts
        name = wire.action
        version = wire.common("Version")
        if version and version != api.version:
            found.append(self._surface_violation(api, "protocol.unsupported_version",
                                                 "unsupported_version", f"Version {api.version}",
                                                 f"Version {version}"))
        region = wire.common("Region")
        if region and facts.region_ids and region not in facts.region_ids:
            found.append(self._surface_violation(api, "protocol.unsupported_region",
                                                 "unsupported_region", "a documented region",
                                                 f"Region {region}"))
        if not name or name not in api.actions:
            found.append(self._surface_violation(api, "protocol.unknown_action", "unknown_action",
                                                 "a documented action", f"Action {name}"))
            return None, {}
        action = api.actions[name]
        if region and action.regions is not None and region not in action.regions:
            found.append(self._surface_violation(
                api, "protocol.unsupported_region", "unsupported_region",
                f"Region one of {', '.join(action.regions)}", f"Region {region}"))
        try:
            decoded = decode_params(wire, action, api.types, facts.common_names(wire.dialect))
        except Fault as fault:
            param = fault.param.split(".")[0] if fault.param else ""
            clause = self._clause(api, action, param, "array_encoding", fault.condition)
            found.append(Violation(REQUEST, clause, self._source(clause), "name.n contiguous",
                                   fault.message, fault.condition))
            return action, {}
        if decoded.unknown and facts.unknown_params == "refused":
            found.append(self._surface_violation(
                api, "condition.unknown_parameter", "unknown_parameter",
                f"only the parameters {action.name} documents",
                ", ".join(decoded.unknown)))
        return action, decoded.params

    def _rest_params(self, recorded: Recorded, action: ActionSpec, path: Mapping[str, str],
                     found: list[Violation], api: ApiSpec) -> dict[str, Any]:
        where = {p.name: p.location or "query" for p in action.request}
        types = {p.name: p.type for p in action.request}
        out: dict[str, Any] = {k: scalar(v, types.get(k, "string")) for k, v in path.items()}
        unknown = []
        for name, value in parse_qsl(recorded.query, keep_blank_values=True):
            if where.get(name) != "query":
                unknown.append(name)
                continue
            out[name] = scalar(value, types[name])
        headers = recorded.lower_headers
        for param in action.request:
            if param.location == "header" and param.name.lower() in headers:
                out[param.name] = scalar(headers[param.name.lower()], param.type)
        if unknown and api.facts.unknown_params == "refused":
            found.append(self._surface_violation(
                api, "condition.unknown_parameter", "unknown_parameter",
                f"only the parameters {action.name} documents", ", ".join(unknown)))
        return out

    def _param_violations(self, api: ApiSpec, action: ActionSpec,
                          params: Mapping[str, Any]) -> list[Violation]:
        out = []
        for param in action.request:
            value = params.get(param.name)
            for broken in violations(param, value, types=api.types):
                clause = self._clause(api, action, param.name, broken.kind,
                                      condition_for(param, broken.kind))
                out.append(Violation(REQUEST, clause, _cite(param, broken.kind),
                                     _bound(param, broken.kind),
                                     f"{param.name} {broken.message}",
                                     condition_for(param, broken.kind)))
        given = {k: v for k, v in params.items() if v is not None}
        for rule in action.rules:
            # Judged on what was sent only: the proxy does not know the resource's state.
            if not rule_holds(rule, given):
                clause = f"{api.id}.{action.name}.rule.{rule.id}"
                names = ", ".join(dict.fromkeys(rule_params(rule)))
                out.append(Violation(REQUEST, clause, str(rule.source), rule.text or rule.id,
                                     f"{names}: " + ", ".join(
                                         f"{n}={given.get(n)!r}" for n in rule_params(rule)),
                                     rule_condition(rule)))
        return out

    def _surface_violation(self, api: ApiSpec, suffix: str, condition: str, expected: str,
                           received: str) -> Violation:
        clause = f"{api.id}.{suffix}"
        if clause not in self.clause_ids:
            clause = f"{api.id}.condition.{condition}"
        return Violation(REQUEST, clause, self._source(clause), expected, received, condition)

    def _clause(self, api: ApiSpec, action: ActionSpec, param: str, kind: str,
                condition: str) -> str:
        """The most precise clause id the specs hold for a broken constraint."""
        for candidate in (f"{api.id}.{action.name}.{param}.{kind}",
                          f"{api.id}.{action.name}.{param}.type",
                          f"{api.id}.condition.{condition}"):
            if candidate in self.clause_ids:
                return candidate
        return f"{api.id}.{action.name}.{param}.{kind}"

    def _source(self, clause: str) -> str | None:
        known = self.clause_ids.get(clause)
        return str(known.source) if known else None

    # -- the answer ------------------------------------------------------------------------------
    def _finish(self, recorded: Recorded, api: ApiSpec, action: ActionSpec | None,
                found: list[Violation], error: str | None = None) -> Judgement:
        name = action.name if action else None
        received = _received(recorded)
        expected = self._expected(api, found)
        exercised = list(dict.fromkeys(v.clause_id for v in found))
        if error is None:
            broken_by_request = tuple(v.clause_id for v in found if v.condition)
            answer, received = self._answer(recorded, api, action, expected, broken_by_request)
            found = [*found, *answer]
            exercised = list(dict.fromkeys([*exercised, *self._exercised(api, action, recorded),
                                            *(v.clause_id for v in found)]))
        clause_ids = tuple(exercised)
        cid = case_id(recorded, api.id, name)
        if error is not None:
            received = _received(recorded)
            verdict = Verdict(cid, "error", clause_ids, expected.describe(), received,
                              f"{name or '-'}: {error}", None, api.id, name,
                              evidence=_evidence(recorded), expects=expected, case_kind="proxy")
            return Judgement(recorded, api.id, name, tuple(found), error, clause_ids, verdict)
        failures = tuple(Failure(f"{v.side} breaks {v.clause_id}",
                                 f"expected {v.expected}; received {v.received}",
                                 (v.clause_id,)) for v in found)
        broken = tuple(dict.fromkeys(v.clause_id for v in found))
        if found:
            first = found[0]
            message = (f"{name or '-'}: {first.side} breaks {first.clause_id}"
                       f"{' (' + first.source + ')' if first.source else ''}: expected "
                       f"{first.expected}; received {first.received}")
            verdict = Verdict(cid, "fail", broken, expected.describe(), received, message,
                              first.source, api.id, name, failures, _evidence(recorded),
                              expects=expected, case_kind="proxy")
        else:
            verdict = Verdict(cid, "pass", clause_ids, expected.describe(), received, "",
                              None, api.id, name, (), _evidence(recorded), expects=expected,
                              case_kind="proxy")
        return Judgement(recorded, api.id, name, tuple(found), None, clause_ids, verdict)

    def _expected(self, api: ApiSpec, found: list[Violation]) -> Expected:
        """Success when the request kept the spec; else the codes of what it broke."""
        conditions = [v.condition for v in found if v.condition]
        if not conditions:
            return Expected.ok()
        accept: list[ErrorRef] = []
        for name in dict.fromkeys(conditions):
            condition = api.conditions.get(name)
            if condition is not None:
                accept.extend(r for r in condition.accept if r not in accept)
        source = Cite.parse(found[0].source) if found[0].source else None
        return Expected(False, tuple(accept), tuple(dict.fromkeys(conditions)), source=source)

    def _answer(self, recorded: Recorded, api: ApiSpec, action: ActionSpec | None,
                expected: Expected, broken: tuple[str, ...]) -> tuple[list[Violation], str]:
        """The answer's violations, and what it was (``success``, a code, or undecodable)."""
        dialect = get_dialect(api.dialect)
        evidence = _evidence(recorded)
        decoded = dialect.decode(recorded.evidence)
        envelope = f"{api.id}.{dialect.envelope_clause}"
        if isinstance(decoded, DecodeFailure):
            # A complete answer that is not the dialect's envelope: the server broke the
            # contract (a missing answer is an upstream fault, judged before this).
            return [Violation(RESPONSE, envelope, self._source(envelope),
                              f"a {api.dialect} envelope", decoded.reason)], \
                f"HTTP {recorded.status}, undecodable: {decoded.reason}"
        if decoded.error is not None:
            exchange = Exchange(False, decoded.request_id, {}, decoded.error.code,
                                decoded.error.module, decoded.error.message, evidence=evidence)
        else:
            try:
                members = dialect.members(decoded.evidence.body)
            except ValueError:
                members = dict(decoded.data or {})
            exchange = Exchange(True, decoded.request_id, members, evidence=evidence)
        names = ANSWER_CHECKS if expected.success else (*ANSWER_CHECKS, "outcome_is_expected")
        label = action.name if action else "-"
        # What the request broke names the answer's clause first, the condition's after it.
        clause_ids = tuple(dict.fromkeys([*broken, *(f"{api.id}.condition.{c}"
                                                     for c in expected.conditions)]))
        case = Case(case_id(recorded, api.id, label), api.id, label, "proxy", {}, expected,
                    clause_ids, label)
        ctx = CheckContext(api, action, strict=True, product=self.specs.product_of(api.id))
        failures = run_checks(ctx, case, exchange, names)
        out = []
        if exchange.ok and action is not None and action.error_response and all(
                m.name in exchange.data for m in action.error_response):
            # An error body under a success status: the status is the REST error's contract.
            out.append(Violation(RESPONSE, envelope, self._source(envelope),
                                 "an error body under an error status",
                                 f"HTTP {recorded.status} with {recorded.evidence.text(200)}"))
        out += [self._from_failure(api, action, failure, envelope, expected, exchange)
                for failure in failures]
        return out, f"HTTP {recorded.status} {exchange.describe()}"

    def _from_failure(self, api: ApiSpec, action: ActionSpec | None, failure: Failure,
                      envelope: str, expected: Expected, exchange: Exchange) -> Violation:
        clause = next((c for c in failure.clause_ids if c in self.clause_ids), None)
        if clause is None and failure.title == "Undocumented field" and action is not None:
            clause = f"{api.id}.{action.name}.response"
        member = api.facts.envelope.get("request_id")
        if clause is None and failure.title == "Missing RequestId" and exchange.ok \
                and action is not None and member:
            # A success without its request id breaks the action's own RequestId member.
            own = f"{api.id}.{action.name}.response.{member}"
            clause = own if own in self.clause_ids else None
        clause = clause or next(iter(failure.clause_ids), None) or envelope
        want = expected.describe() if failure.title == "Unexpected outcome" else failure.title
        return Violation(RESPONSE, clause, self._source(clause), want,
                         f"{exchange.describe()}: {failure.message}")

    def _exercised(self, api: ApiSpec, action: ActionSpec | None,
                   recorded: Recorded) -> list[str]:
        """The clauses an answered exchange exercised: its envelope and, for an action, the
        response members or the error codes it documents."""
        out = [f"{api.id}.{get_dialect(api.dialect).envelope_clause}"]
        if action is not None:
            decoded = get_dialect(api.dialect).decode(recorded.evidence)
            category = "response" if decoded.ok else "error_code"
            out.extend(c.id for c in action.clauses if c.category == category)
        return [c for c in out if c in self.clause_ids]


def _is_rest(api: ApiSpec) -> bool:
    return any(a.http is not None for a in api.actions.values())


def _match(template: list[str], segments: list[str]) -> dict[str, str] | None:
    if len(template) != len(segments):
        return None
    params: dict[str, str] = {}
    for want, got in zip(template, segments, strict=True):
        if want.startswith("{") and want.endswith("}"):
            if not got:
                return None
            params[want[1:-1]] = got
        elif want != got:
            return None
    return params


def _cite(param: ParamSpec, kind: str) -> str:
    return str(param.sources.get(kind, param.source))


def _bound(param: ParamSpec, kind: str) -> str:
    """What the spec states for one constraint kind, in words: the clause's own text."""
    if kind in PARAM_CONSTRAINTS:
        return describe_constraint(param, kind)
    return f"{param.name} holds only the members its type documents"  # kind "unknown"


def case_id(recorded: Recorded, api: str | None, action: str | None) -> str:
    """``proxy/<surface>::<Action>[#seq]``: unique within a run."""
    return f"proxy/{api or 'unknown'}::{action or '-'}[#{recorded.seq}]"


def _received(recorded: Recorded) -> str:
    if recorded.fault is not None:
        return f"no answer ({recorded.fault})"
    return f"HTTP {recorded.status}"


def _evidence(recorded: Recorded) -> Evidence:
    query = f"?{recorded.query}" if recorded.query else ""
    return Evidence(recorded.method, f"{recorded.path}{query}", dict(recorded.headers),
                    recorded.body.decode("utf-8", errors="replace")[:2000], recorded.status,
                    dict(recorded.response_headers), recorded.evidence.text())
