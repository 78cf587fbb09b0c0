"""Drive schemathesis over one action: N examples -> Exchanges -> checks -> one Verdict.

Examples come from the action's operation in the OpenAPI export, half-and-half positive (the
request schema holds) and negative (it does not), as Hypothesis draws them; no shrinking and no
example database, so a run sends at most N requests per action besides their setup. Each
example becomes a :class:`~cmqconform.verdicts.Case` whose expectation is computed from what
reached the wire: schema-valid input may succeed or fail with a documented code; invalid input
must be refused with a code its violation answers.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, reject, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from cmqconform.cases.build import broken_rules, expect_error
from cmqconform.cases.resources import Namer
from cmqconform.checks import CHECKS, CheckContext, run_checks
from cmqconform.checks import rules as builtin_checks
from cmqconform.dialects.protocol import envelope_clause
from cmqconform.fuzz.checks import FUZZ_CHECKS, is_invalid
from cmqconform.fuzz.transport import FuzzTransport, Sent
from cmqconform.fuzz.wire import Ambiguous, Violation, violations, wire_view
from cmqconform.models import ActionSpec, ApiSpec, ErrorRef, SpecSet
from cmqconform.session import Session
from cmqconform.spec.openapi import openapi_document, operation_path
from cmqconform.spec.rules import rule_condition
from cmqconform.verdicts import Case, Expected, Failure, Verdict

#: Built-in checks fuzzing leaves out: the expected outcome is invalid_data_rejected's job.
SKIPPED_BUILTINS = frozenset({builtin_checks.outcome_is_expected.__name__})
_schemas: dict[int, schemathesis.BaseSchema] = {}


def fuzz_id(api: str, action: str) -> str:
    """The test id of an action's fuzz item: ``fuzz[<surface> SendMessage]``."""
    return f"fuzz[{api} {action}]"


def openapi_schema(specs: SpecSet) -> schemathesis.BaseSchema:
    """The schemathesis schema of the OpenAPI export (built once per spec set)."""
    if id(specs) not in _schemas:
        _schemas[id(specs)] = schemathesis.openapi.from_dict(openapi_document(specs))
    return _schemas[id(specs)]


def bodies(specs: SpecSet, api: str, action: str) -> st.SearchStrategy[dict[str, Any]]:
    """Generated request bodies for an action, positive and negative mixed."""
    op = openapi_schema(specs)[operation_path(api, action)]["POST"]
    cases = st.one_of(op.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE),
                      op.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE))
    # A body that is not an object cannot be a form, and names no action's parameters.
    return cases.map(lambda case: case.body).filter(lambda body: isinstance(body, dict))


def base_clauses(api: ApiSpec, action: ActionSpec) -> tuple[str, ...]:
    """Clauses every fuzz item of an action checks: response members, errors, the envelope."""
    own = [c.id for c in action.clauses if c.category == "response"
           or c.id == f"{action.api}.{action.name}.errors"]
    return (*own, envelope_clause(api))


def expectation(api: ApiSpec, action: ActionSpec, view: Mapping[str, Any],
                found: Sequence[Violation]) -> tuple[Expected, tuple[str, ...]]:
    """What the target must answer to what reached the wire, and the clauses that says."""
    if api.facts.unknown_params == "ignored":
        # The errata reading: this surface ignores unknown parameters (or refuses them).
        found = [v for v in found if v.kind != "unknown"]
    if not found:
        accept = tuple(ErrorRef(code, module) for code, module in
                       sorted(builtin_checks.documented_codes(api, action), key=str))
        return Expected(False, accept, source=action.source, or_success=True), ()
    conditions = [v.condition for v in found]
    conditions += [rule_condition(r) for r in broken_rules(api, action, view)]
    source = next((action.param(v.param).source for v in found if v.param), action.source)
    expected = expect_error(api, conditions, source)
    return expected, tuple(dict.fromkeys(v.clause for v in found))


@dataclass(frozen=True, slots=True)
class FuzzOutcome:
    """One example: its case, what was sent and received, and what the checks found."""

    case: Case
    sent: Sent
    failures: tuple[Failure, ...]

    @property
    def fault(self) -> str | None:
        """Why nothing could be judged (setup failed, transport trouble), or None."""
        if self.sent.setup_error:
            return self.sent.setup_error
        exchange = self.sent.exchange
        if exchange is not None and exchange.fault and exchange.evidence.status is None:
            return exchange.fault
        return None


def label(body: Mapping[str, Any], limit: int = 240) -> str:
    """A generated body as shown in messages: compact JSON, ASCII, cut at ``limit``."""
    text = json.dumps(body, ensure_ascii=True, default=repr, separators=(",", ":"))
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


class Fuzzer:
    """Runs the examples of one action of one surface against the session's target."""

    def __init__(self, session: Session, namer: Namer, api: str, action: str, *,
                 strict: bool = True) -> None:
        self.transport = FuzzTransport(session, namer, api, action)
        self.api = self.transport.api
        self.action = self.transport.action
        self.ctx = CheckContext(self.api, self.action, strict=strict)
        self.id = fuzz_id(api, action)

    def example(self, body: Mapping[str, Any]) -> FuzzOutcome:
        """Send one generated body and judge the answer; Ambiguous when it cannot be judged."""
        wire_view(self.api, self.action, body, self.transport.common)
        sent = self.transport.send(body)
        view = wire_view(self.api, self.action, sent.params, self.transport.common)
        expected, clauses = expectation(self.api, self.action, view,
                                        violations(self.api, self.action, view))
        case = Case(self.id, self.api.id, self.action.name, "fuzz", sent.params, expected,
                    clauses or base_clauses(self.api, self.action), label(body))
        exchange = sent.exchange
        if exchange is None or (exchange.fault and exchange.evidence.status is None):
            return FuzzOutcome(case, sent, ())
        if exchange.fault:
            names: tuple[str, ...] = (builtin_checks.not_a_server_error.__name__,)
        else:
            names = tuple(n for n in CHECKS.names() if n not in SKIPPED_BUILTINS)
        found = [f for f in (check(self.ctx, case, exchange) for check in FUZZ_CHECKS)
                 if f is not None]
        found += run_checks(self.ctx, case, exchange, names)
        return FuzzOutcome(case, sent, tuple(found))

    def run(self, specs: SpecSet, examples: int, seed: int | None = None) -> list[FuzzOutcome]:
        """Up to ``examples`` judged examples (fewer when Hypothesis exhausts the inputs).

        ``seed`` makes the draw repeatable; None draws afresh each run.
        """
        outcomes: list[FuzzOutcome] = []

        @settings(max_examples=examples, database=None, deadline=None,
                  phases=(Phase.generate,), suppress_health_check=list(HealthCheck),
                  verbosity=Verbosity.quiet)
        @given(bodies(specs, self.api.id, self.action.name))
        def one(body: dict[str, Any]) -> None:
            try:
                outcomes.append(self.example(body))
            except Ambiguous:
                reject()

        if seed is not None:
            one = hypothesis.seed(seed)(one)
        # Every example ambiguous: judged by verdict() as "nothing ran".
        with contextlib.suppress(Unsatisfiable):
            one()
        return outcomes


def summary(outcomes: Sequence[FuzzOutcome]) -> str:
    """``20 examples: 11 valid (7 succeeded), 9 invalid (9 refused)``."""
    judged = [o for o in outcomes if o.sent.exchange is not None]
    valid = [o for o in judged if not is_invalid(o.case)]
    invalid = [o for o in judged if is_invalid(o.case)]
    ok = sum(1 for o in valid if o.sent.exchange is not None and o.sent.exchange.ok)
    refused = sum(1 for o in invalid if o.sent.exchange is not None
                  and not o.sent.exchange.ok and not o.sent.exchange.fault)
    faults = sum(1 for o in outcomes if o.fault)
    tail = f", {faults} not judged" if faults else ""
    return (f"{len(outcomes)} examples: {len(valid)} valid ({ok} succeeded), "
            f"{len(invalid)} invalid ({refused} refused){tail}")


def verdict(fuzzer: Fuzzer, outcomes: Sequence[FuzzOutcome]) -> Verdict:
    """One verdict for all examples: fail on any check failure, else error on any fault.

    A fail or an error keeps the expectation of the example that decided it.
    """
    api, action = fuzzer.api, fuzzer.action
    expected = "valid input: success or a documented error; invalid input: refused"
    received = summary(outcomes)
    tested = [c for o in outcomes if o.sent.exchange is not None and is_invalid(o.case)
              for c in o.case.clause_ids]
    clauses = tuple(dict.fromkeys((*base_clauses(api, action), *tested)))
    source, name = str(action.source), action.name
    failing = [o for o in outcomes if o.failures]
    if failing:
        first = failing[0]
        titles = ", ".join(dict.fromkeys(f.title for o in failing for f in o.failures))
        message = (f"{action.name} {first.case.label}: {first.failures[0].message} "
                   f"[{len(failing)} of {len(outcomes)} examples failed: {titles}]")
        own = tuple(c for f in first.failures for c in f.clause_ids if c)
        evidence = first.sent.exchange.evidence if first.sent.exchange else None
        return Verdict(fuzzer.id, "fail", tuple(dict.fromkeys((*own, *clauses))), expected,
                       received, message, source, api.id, name, tuple(first.failures), evidence,
                       expects=first.case.expected, case_kind="fuzz")
    faulty = [o for o in outcomes if o.fault]
    if faulty or not outcomes:
        why = (f"{faulty[0].case.label}: {faulty[0].fault}" if faulty
               else "no example could be generated and judged")
        evidence = faulty[0].sent.exchange.evidence if faulty and faulty[0].sent.exchange \
            else None
        return Verdict(fuzzer.id, "error", clauses, expected, received, f"{name} {why}", source,
                       api.id, name, evidence=evidence,
                       expects=faulty[0].case.expected if faulty else None, case_kind="fuzz")
    return Verdict(fuzzer.id, "pass", clauses, expected, received, received, source, api.id,
                   name, case_kind="fuzz")


def fuzz_action(session: Session, namer: Namer, api: str, action: str, *, examples: int,
                strict: bool = True, seed: int | None = None) -> Verdict:
    """Fuzz one action with ``examples`` generated requests and judge them as one verdict."""
    if examples < 1:
        raise ValueError(f"examples per action must be >= 1: {examples}")
    fuzzer = Fuzzer(session, namer, api, action, strict=strict)
    return verdict(fuzzer, fuzzer.run(session.specs, examples, seed))
