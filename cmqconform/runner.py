"""Case + target -> Exchange -> checks -> Verdict.

Transport trouble, undecodable bodies and failed setup are ``error`` verdicts: the suite could
not judge the target. Only a check failure is a ``fail``.
"""

from __future__ import annotations

from typing import Any

from cmqconform.cases.resources import Namer
from cmqconform.checks import CheckContext, run_checks
from cmqconform.dialects.protocol import envelope_clause
from cmqconform.provision import Pool, Resources, SetupBreach, SetupError
from cmqconform.session import Session
from cmqconform.verdicts import Case, Evidence, Exchange, Failure, Verdict


class ContractFailure(AssertionError):
    """Raised in a test when the target broke the contract (a ``fail`` verdict)."""


class SuiteFault(Exception):
    """Raised in a test when the suite could not judge the target (an ``error`` verdict)."""


def failure_message(case: Case, detail: str) -> str:
    """``CreateQueue VisibilityTimeout=43201: <detail>``."""
    return f"{case.action} {case.label}: {detail}"


def case_verdict(case: Case, state: str, received: str, message: str = "", *,
                 failures: tuple[Failure, ...] = (), clause_ids: tuple[str, ...] | None = None,
                 evidence: Evidence | None = None) -> Verdict:
    """A verdict on ``case`` that keeps the case's structured expectation and kind."""
    source = str(case.expected.source) if case.expected.source else None
    return Verdict(case.id, state, case.clause_ids if clause_ids is None else clause_ids,
                   case.expected.describe(), received, message, source, case.api, case.action,
                   failures, evidence, expects=case.expected, case_kind=case.kind)


def judge(case: Case, exchange: Exchange, ctx: CheckContext) -> Verdict:
    """The verdict for an exchange already obtained (pure: no I/O)."""

    def verdict(state: str, message: str = "", failures: tuple[Failure, ...] = (),
                clause_ids: tuple[str, ...] = case.clause_ids) -> Verdict:
        return case_verdict(case, state, exchange.describe(), message, failures=failures,
                            clause_ids=clause_ids, evidence=exchange.evidence)

    if exchange.fault:
        return verdict("error", failure_message(case, exchange.fault))
    if exchange.breach:
        clause = envelope_clause(ctx.api)
        return verdict("fail", failure_message(case, exchange.describe()),
                       (Failure("Envelope violated", exchange.describe(), (clause,)),),
                       tuple(dict.fromkeys((*case.clause_ids, clause))))
    failures = run_checks(ctx, case, exchange)
    if failures:
        clauses = tuple(dict.fromkeys((*case.clause_ids,
                                       *(c for f in failures for c in f.clause_ids))))
        return verdict("fail", failure_message(case, failures[0].message), tuple(failures),
                       clauses)
    return verdict("pass")


def execute(case: Case, session: Session, namer: Namer, *, strict: bool = True,
            pool: Pool | None = None) -> Verdict:
    """Set up, call, judge and clean up one case; never raises for target trouble.

    With a ``pool``, the resources the case needs are borrowed from it (see :class:`Pool`).
    """
    api = session.specs.api(case.api)
    ctx = CheckContext(api, api.actions.get(case.action), strict=strict,
                       product=session.specs.product_of(case.api))
    resources = Resources(session, case.api, namer, pool=pool, action=case.action,
                          refusal_expected=not (case.expected.success
                                                or case.expected.or_success))
    refused = False
    #: The case's call, when the target accepted it (what the pool restores).
    accepted: dict[str, Any] | None = None
    try:
        try:
            resources.provide(case.setup)
        except SetupBreach as exc:
            # The answer to a setup call broke the envelope: a contract failure, not a fault.
            clause = envelope_clause(api)
            return case_verdict(case, "fail", "setup answer broke the envelope",
                                failure_message(case, str(exc)),
                                failures=(Failure("Envelope violated", str(exc), (clause,)),),
                                clause_ids=tuple(dict.fromkeys((*case.clause_ids, clause))))
        except SetupError as exc:
            return case_verdict(case, "error", "setup failed", failure_message(case, str(exc)))
        params = resources.resolve(case.params)
        exchange = session.call(case.api, case.action, params, common=case.common,
                                tamper=case.tamper, array_base=case.array_base,
                                signature=case.signature)
        # A refused call changed nothing: what it borrowed goes back to the pool.
        refused = not (exchange.ok or exchange.fault or exchange.breach)
        if exchange.ok and not exchange.breach:
            accepted = params
        return judge(case, exchange, ctx)
    finally:
        resources.release(refused=refused, sent=accepted)
        resources.cleanup()
