"""Signature integrity: every element a signing method covers is bound by its signature.

For each signing method of a surface and each element its signer covers (the surface's
``signed_elements`` facts: a signed header, every signed parameter, the payload, the query,
the method, the declared algorithm, the credential scope, the timestamp's window), the probe
action is signed, that one element is changed after signing, and the request must be refused by
an auth condition; the same request sent unchanged (signed afresh) must succeed, so a target
that refuses everything does not pass. ``window`` re-signs with a timestamp past the skew.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from cmqconform.cases.build import baseline, repair, setup_for
from cmqconform.dialects import Call
from cmqconform.dialects.call import decode_pairs, encode_pairs
from cmqconform.dialects.signing import HMAC_METHODS, hmac_base64, v1_string_to_sign
from cmqconform.models import (
    SCALARS,
    ActionSpec,
    ApiSpec,
    Need,
    Ref,
    ResourceKind,
    SignedElement,
    SpecSet,
)
from cmqconform.properties.steps import Broken, Steps, Unjudged
from cmqconform.spec.properties import element_slug
from cmqconform.verdicts import Exchange

#: The conditions that refuse a request for its authentication (any of them refuses it).
REFUSED = ("signature_failure", "secret_id_not_found", "missing_auth", "signature_expired",
           "invalid_token")
#: How far past the documented skew the ``window`` element moves the timestamp.
PAST_SKEW = 60
#: Common parameters a signer sends only in some calls (a token), never expanded from param:*.
_OPTIONAL = ("Token", "Signature")


def probe(api: ApiSpec, kinds: Mapping[str, ResourceKind] | None = None
          ) -> tuple[ActionSpec, dict[str, Any]] | None:
    """The action a signature case signs, and its baseline: one whose baseline needs nothing
    set up, or only top-level resources of ``kinds`` (product.yaml ``resources``) whose
    ``shared_by`` lists it (a lender lends one as it is: a read makes nothing); preferring
    one that makes nothing (no fresh name), then one of scalars only (every signer then sends
    each parameter as one pair), then one with parameters of its own (``param:*`` covers
    them too); the first of its rank."""
    found = []
    for action in api.actions.values():
        params = repair(api, action, baseline(api, action)) or baseline(api, action)
        if not all(_lendable(api.id, action, need, kinds or {})
                   for need in setup_for(action, params)):
            continue
        makes = any(isinstance(v, Ref) and v.fresh for value in params.values()
                    for v in (value if isinstance(value, list) else [value]))
        scalar = all(action.param(n).type in SCALARS for n in params)
        found.append(((makes, not scalar, not params), action, params))
    if not found:
        return None
    _, action, params = min(found, key=lambda f: f[0])
    return action, params


def _lendable(api: str, action: ActionSpec, need: Need, kinds: Mapping[str, ResourceKind]
              ) -> bool:
    """Whether a lender can lend ``need`` as it is for ``action`` (:meth:`Resources.shared`)."""
    kind = kinds.get(need.kind)
    return (kind is not None and not need.attrs and need.length is None
            and kind.parent is None and kind.name_member is not None and kind.id_member is None
            and api in kind.create and api in kind.delete
            and action.name.lower() in kind.shared_by)


def signature_cases(specs: SpecSet, api_id: str) -> list[Any]:
    """One case per signing method of ``api_id`` and element its signer covers (``param:*``
    expands to each common parameter the signer sends and each parameter of the probe)."""
    from cmqconform.properties import PropertyCase

    api = specs.api(api_id)
    found = probe(api, specs.product_of(api_id).resources)
    if found is None:
        return []
    action, params = found
    out = []
    for method in api.facts.signature_methods:
        elements = api.facts.signed_elements.get(method.signer, ())
        explicit = {e.at for e in elements}
        for element in elements:
            ats = [element.at]
            if element.at == "param:*":
                names = [p.name for p in api.facts.common_params
                         if method.signer in p.signers and p.location != "header"
                         and p.name not in _OPTIONAL and p.required]
                names += [action.param(n).wire_name for n in params]
                ats = [f"param:{n}" for n in dict.fromkeys(names)
                       if f"param:{n}" not in explicit]
            for at in ats:
                clause = f"{api_id}.auth.{method.signer}_binds.{element_slug(element.at)}"
                out.append(PropertyCase(
                    f"signature[{method.name} {at}]", api_id, action.name, "signature",
                    (clause,), variant=at,
                    data={"method": method.name, "at": at, "source": str(element.source)}))
    return out


def _signed(steps: Steps, api: str, action: ActionSpec, params: dict[str, Any], method: str,
            clock_shift: float = 0.0) -> httpx.Request:
    session = steps.session
    target = replace(session.target, signature={**session.target.signature, api: method})
    prepared = target.prepare(Call(api, action.name, params), session.specs,
                              clock=lambda: time.time() + clock_shift)
    return next(prepared.auth.sync_auth_flow(prepared.request))


def _send(steps: Steps, api: str, request: httpx.Request, action: ActionSpec,
          params: dict[str, Any]) -> Exchange:
    got = steps.session.send_request(api, request, httpx.Auth(), action=action.name,
                                     params=params)
    steps.last = got
    if got.fault:
        raise Unjudged(f"{request.method} {request.url.path}: {got.fault}")
    return got


def integrity(steps: Steps, api: str, data: dict[str, Any]) -> None:
    """Sign, change the element ``data['at']``, and require the request to be refused."""
    spec = steps.api(api)
    found = probe(spec, steps.session.specs.product_of(api).resources)
    if found is None:
        raise Unjudged(f"{api}: no action to probe")
    action, params = found
    # What the probe reads is lent as it is (its subject is the signature, not the resource).
    resources = steps.resources(api)
    for need in setup_for(action, params):
        resources.shared(need.kind, slot=need.slot)
    params = resources.resolve(params)
    method, at = data["method"], data["at"]
    clause = f"{api}.auth"
    control = _send(steps, api, _signed(steps, api, action, params, method), action,
                    params)
    if not control.ok:
        raise Unjudged(f"{action.name} signed with {method}, unchanged: {control.describe()}")
    if at == "window":
        skew = spec.facts.timestamp_skew_seconds
        if skew is None:
            raise Unjudged(f"{api} states no timestamp skew for its window element")
        altered = _signed(steps, api, action, params, method, -(skew + PAST_SKEW))
        expected: tuple[str, ...] = ("signature_expired",)
    elif at == "param:SignatureMethod":
        # The declared algorithm binds the signature: the other HMAC, keeping the declaration.
        key = steps.session.target.credentials.secret_key.reveal()
        altered, alone = other_hmac(_signed(steps, api, action, params, method), key), True
        expected = REFUSED
    else:
        altered, alone = alter(_signed(steps, api, action, params, method), at, spec)
        expected = REFUSED
        if not alone:
            # No other valid value exists (the one Version): any refusal refuses it.
            expected = ()
    got = _send(steps, api, altered, action, params)
    if not expected and not got.ok:
        return
    if not any(c in spec.conditions and steps.accepts(api, c, got) for c in expected):
        conditions = [c for c in expected if c in spec.conditions]
        raise Broken(f"{action.name} signed with {method}, then {at} changed: expected a refusal "
                     f"({'|'.join(conditions)}) ({data.get('source')}); received "
                     f"{got.describe()}", (clause,))


def alter(request: httpx.Request, at: str, api: ApiSpec) -> tuple[httpx.Request, bool]:
    """``request`` with the element ``at`` changed (the signature left as it was), and whether
    the changed value is valid on its own (when it is not, any refusal will do)."""
    alone = True
    headers = httpx.Headers(request.headers)
    headers.pop("Content-Length", None)
    method, url, content = request.method, request.url, request.content
    if at.startswith("header:"):
        name = at.split(":", 1)[1]
        headers[name] = _changed_header(name, headers.get(name, ""))
    elif at == "body":
        # The payload hash covers every byte: one more space keeps the JSON's meaning.
        content = content + b" "
    elif at in ("query", "method") or at.startswith("param:"):
        in_query = method == "GET"
        pairs = decode_pairs((url.query if in_query else content).decode("ascii", "replace"))
        if at.startswith("param:"):
            pairs = _changed_pair(pairs, at.split(":", 1)[1], api)
            alone = dict(pairs).get("Version") != api.facts.version + "x"
        elif at == "query" and pairs:
            pairs = [(pairs[0][0], _changed_value(pairs[0][0], pairs[0][1], api)), *pairs[1:]]
        text = encode_pairs(pairs).encode("ascii")
        if at == "method":
            in_query = not in_query
            method = "GET" if method == "POST" else "POST"
            if method == "GET":
                headers.pop("Content-Type", None)
            else:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
        if in_query:
            url, content = url.copy_with(query=text or None), b""
        else:
            url, content = url.copy_with(query=None), text
    elif at == "auth:algorithm":
        value = headers["Authorization"]
        algorithm, _, rest = value.partition(" ")
        headers["Authorization"] = f"{algorithm.replace('SHA256', 'SHA1')} {rest}"
    elif at == "auth:scope":
        value = headers["Authorization"]
        day = value.split("Credential=", 1)[1].split("/")[1]
        earlier = (datetime.strptime(day, "%Y-%m-%d") - timedelta(days=1)).strftime("%Y-%m-%d")
        headers["Authorization"] = value.replace(f"/{day}/", f"/{earlier}/", 1)
    return httpx.Request(method, url, headers=headers, content=content,
                         extensions=request.extensions), alone


def other_hmac(request: httpx.Request, secret_key: str) -> httpx.Request:
    """A v1 request signed again over the same string with the HMAC its SignatureMethod does not
    declare (the declaration kept)."""
    in_query = request.method == "GET"
    pairs = decode_pairs((request.url.query if in_query else request.content)
                         .decode("ascii", "replace"))
    values = {k: v for k, v in pairs if k != "Signature"}
    declared = values.get("SignatureMethod", "HmacSHA1")
    other = next(m for m in HMAC_METHODS if m != declared)
    to_sign = v1_string_to_sign(request.method, request.headers["Host"],
                                request.url.raw_path.split(b"?")[0].decode("ascii"), values)
    signed = [(k, hmac_base64(secret_key, to_sign, other) if k == "Signature" else v)
              for k, v in pairs]
    headers = httpx.Headers(request.headers)
    headers.pop("Content-Length", None)
    text = encode_pairs(signed).encode("ascii")
    if in_query:
        return httpx.Request("GET", request.url.copy_with(query=text), headers=headers,
                             extensions=request.extensions)
    return httpx.Request(request.method, request.url, headers=headers, content=text,
                         extensions=request.extensions)


def _changed_header(name: str, value: str) -> str:
    if name.lower() == "content-type":
        # The doc's own example (cmq-api.txt:401): a charset the signer did not sign.
        return f"{value}; charset=utf-8"
    if name.lower() == "host":
        return f"signed-elsewhere.{value}"
    if value.isdigit():
        return str(int(value) - 1)
    try:
        moment = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return value + "x"
    return (moment - timedelta(seconds=1)).strftime("%Y%m%dT%H%M%SZ")


def _changed_value(name: str, value: str, api: ApiSpec) -> str:
    if value.isdigit():
        return str(max(int(value) - 1, 0)) if value != "0" else "1"
    if name == "SignatureMethod":
        return "HmacSHA1" if value == "HmacSHA256" else "HmacSHA256"
    if name == "Action":
        others = [a for a in api.actions if a != value]
        return others[0] if others else value + "x"
    if name == "Region":
        others = [r for r in api.facts.region_ids if r != value]
        return others[0] if others else value + "x"
    return value + "x"


def _changed_pair(pairs: list[tuple[str, str]], name: str,
                  api: ApiSpec) -> list[tuple[str, str]]:
    # A struct or array parameter travels flattened (RecordParams.RecordMode): change its first
    # pair.
    index = next((i for i, (k, _) in enumerate(pairs) if k == name or k.startswith(name + ".")),
                 None)
    if index is None:
        raise Unjudged(f"the signed request carries no parameter {name}")
    key, value = pairs[index]
    return [*pairs[:index], (key, _changed_value(key, value, api)), *pairs[index + 1:]]


__all__ = ["SignedElement", "alter", "integrity", "probe", "signature_cases"]
