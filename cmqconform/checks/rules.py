"""The built-in checks: envelope, server errors, documented codes, schema, expected outcome."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator

from cmqconform.checks import CheckContext, check
from cmqconform.dialects.protocol import envelope_clause
from cmqconform.models import ActionSpec, ApiSpec, ProductSpec
from cmqconform.spec.schema import object_schema, response_schema
from cmqconform.verdicts import Case, Exchange, Failure

_validators: dict[tuple[int, str, bool], Draft202012Validator] = {}


def _validator(api: ApiSpec, action: ActionSpec, strict: bool) -> Draft202012Validator:
    # Keyed by the ApiSpec's identity: the spec set is loaded once and never changes.
    key = (id(api), action.name, strict)
    if key not in _validators:
        _validators[key] = Draft202012Validator(response_schema(api, action, strict=strict))
    return _validators[key]


def documented_codes(api: ApiSpec, action: ActionSpec | None) -> set[tuple[Any, Any]]:
    """(code, module) pairs the action may answer with; module None matches any module."""
    out: set[tuple[Any, Any]] = set()
    tables = set(action.error_tables) if action else set()
    tables |= api.common_tables
    for row in api.codes:
        if tables & set(row.tables):
            out.add((row.code, row.module))
    if action is not None:
        out.update((ref.code, ref.module) for ref in action.errors)
    return out


def _where(case: Case) -> str:
    cite = [*case.clause_ids[:2]]
    if case.expected.source is not None:
        cite.append(str(case.expected.source))
    return f" ({', '.join(cite)})" if cite else ""


@check
def request_id_present(ctx: CheckContext, case: Case, exchange: Exchange) -> Failure | None:
    """Every answer, success or error, carries a non-empty RequestId (if the envelope has one)."""
    if "request_id" not in ctx.api.facts.envelope:
        return None  # a REST surface without an envelope has no request id (its facts say so)
    if not isinstance(exchange.request_id, str) or not exchange.request_id:
        clause = envelope_clause(ctx.api)
        return Failure("Missing RequestId",
                       f"the response envelope has no RequestId ({clause}); received "
                       f"{exchange.describe()}", (clause,))
    return None


@check
def envelope_facts(ctx: CheckContext, case: Case, exchange: Exchange) -> Failure | None:
    """Every answer has the HTTP status and the media type the surface's envelope states."""
    shape = ctx.api.facts.envelope
    status, media = exchange.evidence.status, _media_type(exchange)
    clause = envelope_clause(ctx.api)
    if "status" in shape and status is not None and status != shape["status"]:
        return Failure("Wrong envelope status",
                       f"expected HTTP {shape['status']} ({clause}); received HTTP {status}: "
                       f"{exchange.describe()}", (clause,))
    allowed = shape.get("media_types")
    if allowed and status is not None and (media is None or media.strip() not in allowed):
        return Failure("Wrong envelope media type",
                       f"expected Content-Type {' or '.join(allowed)} without parameters "
                       f"({clause}); received {media!r}", (clause,))
    return None


def _media_type(exchange: Exchange) -> str | None:
    return next((v for k, v in exchange.evidence.response_headers.items()
                 if k.lower() == "content-type"), None)


def listing_total_failure(product: ProductSpec, api: ApiSpec, action: str,
                          params: Mapping[str, Any], data: Mapping[str, Any]) -> Failure | None:
    """A listing's total counts every match: at least offset + the page, and exactly the page
    when a page from the start is not full (product.yaml ``list``, ``total``)."""
    listing = next((kind.listing[api.id] for kind in product.resources.values()
                    if api.id in kind.listing and kind.listing[api.id].action == action
                    and kind.listing[api.id].total), None)
    spec = api.actions.get(action)
    if listing is None or listing.total is None or spec is None:
        return None
    total, items = data.get(listing.total), data.get(listing.items)
    if not isinstance(total, int) or isinstance(total, bool) or not isinstance(items, list):
        return None  # a missing or mistyped member is the schema check's
    sent = {k.lower(): v for k, v in params.items()}
    offset = sent.get(listing.offset)
    limit = sent.get(listing.limit)
    if limit is None:
        limit = next((p.default for p in spec.request if p.name.lower() == listing.limit), None)
    offset = offset if isinstance(offset, int) else 0
    clause = f"{api.id}.{action}.response.{listing.total}"
    if items and total < offset + len(items):  # a page past the end is empty
        return Failure("Listing total too small",
                       f"{listing.total}={total} but the page from offset {offset} holds "
                       f"{len(items)} {listing.items} ({clause})", (clause,))
    if offset == 0 and isinstance(limit, int) and len(items) < limit and total != len(items):
        return Failure("Listing total off",
                       f"{listing.total}={total} but the first page holds every match: "
                       f"{len(items)} {listing.items}, fewer than limit {limit} ({clause})",
                       (clause,))
    return None


@check
def listing_total_counts_matches(ctx: CheckContext, case: Case,
                                 exchange: Exchange) -> Failure | None:
    """A listing's total agrees with the page it answers (see :func:`listing_total_failure`)."""
    if not exchange.ok or ctx.product is None:
        return None
    return listing_total_failure(ctx.product, ctx.api, case.action, case.params, exchange.data)


@check
def not_a_server_error(ctx: CheckContext, case: Case, exchange: Exchange) -> Failure | None:
    """The target answers with a contract outcome, not an HTTP 5xx or an InternalError."""
    status = exchange.evidence.status
    if status is not None and status >= 500:
        return Failure("Server error", f"received HTTP {status}: {exchange.describe()}")
    if exchange.code == "InternalError" and not case.expected.matches("InternalError", None):
        return Failure("Server error", f"received {exchange.describe()}")
    return None


@check
def error_code_documented(ctx: CheckContext, case: Case, exchange: Exchange) -> Failure | None:
    """An error code is one the action (or the surface's common tables) documents."""
    if exchange.ok or exchange.code is None:
        return None
    known = documented_codes(ctx.api, ctx.action)
    if (exchange.code, exchange.module) in known or (exchange.code, None) in known:
        return None
    if case.expected.matches(exchange.code, exchange.module):
        return None  # decided by a condition (and its erratum), so documented by the specs
    clause = f"{case.api}.{case.action}.errors"
    return Failure("Undocumented error code",
                   f"received {exchange.describe()}, which {case.action} does not document "
                   f"({clause})", (clause,))


@check
def response_schema_conformance(ctx: CheckContext, case: Case,
                                exchange: Exchange) -> Failure | None:
    """A success body matches the response schema: members, types, nullability, nesting."""
    if not exchange.ok or ctx.action is None or case.common.get("Action"):
        return None
    errors = sorted(_validator(ctx.api, ctx.action, False).iter_errors(dict(exchange.data)),
                    key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    first = errors[0]
    where = "/".join(str(p) for p in first.absolute_path) or "<root>"
    member = next((str(p) for p in first.absolute_path if isinstance(p, str)), "")
    if not member and first.validator == "required":
        # A missing top-level member: the clause is that member's.
        member = next((m.name for m in ctx.action.response if m.name not in exchange.data
                       and m.required), "")
    clause = f"{case.api}.{case.action}.response.{member}" if member else ""
    return Failure("Response violates schema",
                   f"{where}: {first.message} (failed {first.validator!r}"
                   f"{', ' + clause if clause else ''})", (clause,) if clause else ())


@check
def no_undocumented_field(ctx: CheckContext, case: Case, exchange: Exchange) -> Failure | None:
    """A success body has no member the specs do not document (strict targets only)."""
    if not ctx.strict or not exchange.ok or ctx.action is None or case.common.get("Action"):
        return None
    extra = [e for e in _validator(ctx.api, ctx.action, True).iter_errors(dict(exchange.data))
             if e.validator == "additionalProperties"]
    if not extra:
        return None
    where = "/".join(str(p) for p in extra[0].absolute_path) or "<root>"
    return Failure("Undocumented field", f"{where}: {extra[0].message}")


@check
def outcome_is_expected(ctx: CheckContext, case: Case, exchange: Exchange) -> Failure | None:
    """Success when the specs say success; otherwise one of the acceptable codes."""
    expected = case.expected
    if exchange.ok and (expected.success or expected.or_success):
        return None
    if not exchange.ok and not expected.success and expected.matches(exchange.code,
                                                                     exchange.module):
        return None
    return Failure("Unexpected outcome",
                   f"expected {expected.describe()}{_where(case)}; received "
                   f"{exchange.describe()}", case.clause_ids)


@check
def success_status_documented(ctx: CheckContext, case: Case,
                              exchange: Exchange) -> Failure | None:
    """A REST success answers with the HTTP status the action's route documents."""
    route = ctx.action.http if ctx.action is not None else None
    status = exchange.evidence.status
    if route is None or not exchange.ok or status is None or status == route.status:
        return None
    clause = f"{case.api}.{case.action}.status"
    return Failure("Undocumented success status",
                   f"received HTTP {status}; {case.action} answers a success with HTTP "
                   f"{route.status} ({clause}, {route.source})", (clause,))


@check
def error_body_conformance(ctx: CheckContext, case: Case, exchange: Exchange) -> Failure | None:
    """A REST error body has the documented members and types (``error_code``, ``error_msg``)."""
    action = ctx.action
    if exchange.ok or exchange.fault or action is None or not action.error_response:
        return None
    try:
        body = json.loads(exchange.evidence.response_body)
    except ValueError:
        body = None
    schema = object_schema(ctx.api, action.error_response, strict=False, title="error body")
    errors = sorted(Draft202012Validator(schema).iter_errors(body),
                    key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    first = errors[0]
    member = next((str(p) for p in first.absolute_path), "")
    if not member and first.validator == "required":
        member = next((m.name for m in action.error_response
                       if not isinstance(body, dict) or m.name not in body), "")
    clause = f"{case.api}.{case.action}.error_response.{member}" if member else \
        f"{case.api}.{case.action}.error_response"
    return Failure("Error body violates schema",
                   f"{'/'.join(map(str, first.absolute_path)) or '<root>'}: {first.message} "
                   f"(failed {first.validator!r}, {clause})", (clause,))
