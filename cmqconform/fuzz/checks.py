"""Checks only fuzzing needs, in their own registry (same shape as :mod:`cmqconform.checks`).

The built-in checks judge every fuzz example too (server error, RequestId, documented codes,
success schema, undocumented members); these add what generated garbage calls for: the answer
must still be an envelope with a documented HTTP status, an error envelope must match the
surface's error schema, and input the request schema refuses must be refused.
"""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator

from cmqconform.checks import CheckContext, Registry
from cmqconform.dialects.protocol import envelope_clause
from cmqconform.models import ApiSpec
from cmqconform.spec.openapi import error_envelope_schema, operation
from cmqconform.verdicts import Case, Exchange, Failure

FUZZ_CHECKS = Registry()



_validators: dict[int, Draft202012Validator] = {}
_statuses: dict[tuple[int, str], tuple[str, ...]] = {}


def _error_validator(api: ApiSpec) -> Draft202012Validator:
    # Keyed by the ApiSpec's identity: the spec set is loaded once and never changes.
    if id(api) not in _validators:
        _validators[id(api)] = Draft202012Validator(error_envelope_schema(api))
    return _validators[id(api)]


def _error_body(ctx: CheckContext, exchange: Exchange) -> Any:
    """The error answer as received, or rebuilt from the decoded envelope when cut short."""
    try:
        doc = json.loads(exchange.evidence.response_body)
    except ValueError:
        doc = None
    shape = ctx.api.facts.envelope
    if isinstance(doc, dict):
        return doc.get(shape["wrapper"]) if "wrapper" in shape else doc
    error = {shape["code"]: exchange.code, shape["message"]: exchange.message}
    if "error" in shape:
        return {shape["error"]: error, shape["request_id"]: exchange.request_id}
    return {**error, shape["request_id"]: exchange.request_id}


def is_invalid(case: Case) -> bool:
    """Whether a fuzz case carries input the request schema refuses (a refusal is expected)."""
    return not case.expected.success and not case.expected.or_success


@FUZZ_CHECKS.register
def envelope_well_formed(ctx: CheckContext, case: Case, exchange: Exchange) -> Failure | None:
    """Whatever the input, the target answers with its surface's envelope."""
    if exchange.breach:
        return Failure("Malformed envelope", exchange.breach, (envelope_clause(ctx.api),))
    if exchange.fault and exchange.evidence.status is not None:
        clause = envelope_clause(ctx.api)
        return Failure("Malformed envelope", f"{exchange.fault} ({clause})", (clause,))
    return None


@FUZZ_CHECKS.register
def status_code_documented(ctx: CheckContext, case: Case, exchange: Exchange) -> Failure | None:
    """The HTTP status is one the OpenAPI export documents: every answer is HTTP 200."""
    status = exchange.evidence.status
    if status is None or ctx.action is None:
        return None
    key = (id(ctx.api), ctx.action.name)
    if key not in _statuses:
        _statuses[key] = tuple(sorted(operation(ctx.api, ctx.action)["responses"]))
    documented = _statuses[key]
    if str(status) in documented:
        return None
    clause = envelope_clause(ctx.api)
    return Failure("Undocumented status code",
                   f"received HTTP {status}, documented: {', '.join(documented)} ({clause})",
                   (clause,))


@FUZZ_CHECKS.register
def error_envelope_conformance(ctx: CheckContext, case: Case,
                               exchange: Exchange) -> Failure | None:
    """An error answer matches the surface's error envelope schema (code, message, RequestId)."""
    if exchange.ok or exchange.fault:
        return None
    errors = list(_error_validator(ctx.api).iter_errors(_error_body(ctx, exchange)))
    if not errors:
        return None
    first = min(errors, key=lambda e: list(map(str, e.absolute_path)))
    where = "/".join(str(p) for p in first.absolute_path) or "<root>"
    clause = envelope_clause(ctx.api)
    return Failure("Error envelope violates schema",
                   f"{where}: {first.message} (failed {first.validator!r}, {clause})", (clause,))


@FUZZ_CHECKS.register
def invalid_data_rejected(ctx: CheckContext, case: Case, exchange: Exchange) -> Failure | None:
    """Input the request schema refuses is refused, with a code its violation answers."""
    if not is_invalid(case) or exchange.fault:
        return None
    clauses = ", ".join(case.clause_ids[:3])
    source = f", {case.expected.source}" if case.expected.source else ""
    if exchange.ok:
        return Failure("Invalid data accepted",
                       f"expected {case.expected.describe()} ({clauses}{source}); "
                       f"received success", case.clause_ids)
    if not case.expected.matches(exchange.code, exchange.module):
        return Failure("Unexpected rejection code",
                       f"expected {case.expected.describe()} ({clauses}{source}); "
                       f"received {exchange.describe()}", case.clause_ids)
    return None
