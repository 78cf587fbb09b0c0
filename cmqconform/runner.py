"""Case + target -> Exchange -> checks -> Verdict.

Transport trouble, undecodable bodies and failed setup are ``error`` verdicts: the suite could
not judge the target. Only a check failure is a ``fail``.
"""

from __future__ import annotations

from cmqconform.cases.resources import Namer
from cmqconform.checks import CheckContext, run_checks
from cmqconform.provision import Resources, SetupError
from cmqconform.session import Session
from cmqconform.verdicts import Case, Exchange, Verdict


class ContractFailure(AssertionError):
    """Raised in a test when the target broke the contract (a ``fail`` verdict)."""


class SuiteFault(Exception):
    """Raised in a test when the suite could not judge the target (an ``error`` verdict)."""


def failure_message(case: Case, detail: str) -> str:
    """``CreateQueue VisibilityTimeout=43201: <detail>``."""
    return f"{case.action} {case.label}: {detail}"


def judge(case: Case, exchange: Exchange, ctx: CheckContext) -> Verdict:
    """The verdict for an exchange already obtained (pure: no I/O)."""
    expected = case.expected.describe()
    source = str(case.expected.source) if case.expected.source else None
    common = {"case_id": case.id, "clause_ids": case.clause_ids, "expected": expected,
              "received": exchange.describe(), "source": source, "api": case.api,
              "action": case.action, "evidence": exchange.evidence}
    if exchange.fault:
        return Verdict(verdict="error", message=failure_message(case, exchange.fault), **common)
    failures = run_checks(ctx, case, exchange)
    if failures:
        first = failures[0]
        clauses = tuple(dict.fromkeys((*case.clause_ids, *(c for f in failures
                                                             for c in f.clause_ids))))
        common["clause_ids"] = clauses
        return Verdict(verdict="fail", message=failure_message(case, first.message),
                       failures=tuple(failures), **common)
    return Verdict(verdict="pass", **common)


def execute(case: Case, session: Session, namer: Namer, *, strict: bool = True) -> Verdict:
    """Set up, call, judge and clean up one case; never raises for target trouble."""
    api = session.specs.api(case.api)
    ctx = CheckContext(api, api.actions.get(case.action), strict=strict)
    resources = Resources(session, case.api, namer)
    try:
        try:
            resources.provide(case.setup)
        except SetupError as exc:
            return Verdict(case.id, "error", case.clause_ids, case.expected.describe(),
                           "setup failed", failure_message(case, str(exc)),
                           str(case.expected.source) if case.expected.source else None,
                           case.api, case.action)
        params = resources.resolve(case.params)
        exchange = session.call(case.api, case.action, params, common=case.common,
                                tamper=case.tamper, array_base=case.array_base)
        return judge(case, exchange, ctx)
    finally:
        resources.cleanup()
