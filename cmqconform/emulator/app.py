"""The emulator's ASGI app: one pipeline for every surface of one product, on ``/`` and on each
surface's own path (legacy CMQ's ``/v2/index.php``).

A request goes through: size limit -> signer detection -> the surface (by path, else by signer)
-> common parameters (Action, Version, Region, as the surface's facts require them) ->
signature -> action lookup -> rate limit -> typed parameters -> spec validation -> the action's
handler from the product's table for that surface (a
:class:`~cmqconform.emulator.product.ProductEmulator`) -> the envelope the surface's facts
describe. Every refusal is a :class:`Fault` whose condition becomes the first code
errors.yaml accepts for it on that surface; no code is written here.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from cmqconform.emulator import rest
from cmqconform.emulator.asgi import gateway_app
from cmqconform.emulator.auth import AccountKeys, NonceLedger, verify
from cmqconform.emulator.clock import RealClock, ServerClock
from cmqconform.emulator.faults import Fault
from cmqconform.emulator.handlers import Context, Handler
from cmqconform.emulator.product import Mutants, ProductEmulator, build_product
from cmqconform.emulator.validate import validate
from cmqconform.emulator.wire import (
    CMQ_LEGACY,
    TC3,
    TCV1,
    WireRequest,
    decode_params,
    read_request,
    shape,
    with_payload,
)
from cmqconform.models import ApiSpec, SpecSet, SurfaceFacts
from cmqconform.spec import load_specs

log = logging.getLogger("cmqconform.emulator")

#: The JSON media type without a charset: the API 3.0 Python SDK ignores errors otherwise.
JSON = "application/json"
#: Common parameters whose absence is an authentication failure, not a missing parameter.
AUTH_PARAMS = frozenset({"SecretId", "Signature", "Authorization"})


#: The rate units the request being handled counted (0 until it reaches the rate limit); a
#: context variable, so each request's task has its own.
_COUNTED: ContextVar[int] = ContextVar("cmqconform_counted", default=0)


@dataclass(slots=True)
class RateLimiter:
    """At most ``per_second`` requests per (account, surface, action) in each wall second."""

    per_second: int
    _windows: dict[tuple[str, str, str], tuple[int, int]] = field(default_factory=dict)

    def admit(self, key: tuple[str, str, str], now: float, cost: int = 1) -> bool:
        """Count one request of ``cost`` units; False when it is over the limit."""
        second = int(now)
        window, count = self._windows.get(key, (second, 0))
        if window != second:
            window, count = second, 0
        self._windows[key] = (window, count + cost)
        return count + cost <= self.per_second


class Gateway:
    """Turns HTTP requests into a product's handler calls and their results into envelopes.

    The gateway's own hooks read the product's ``mutants``: one value per emulator.
    """

    def __init__(self, product: ProductEmulator, accounts: AccountKeys, specs: SpecSet, *,
                 rate_limit: int | None = None, clock: ServerClock | None = None,
                 request_log: Path | None = None) -> None:
        self.product = product
        self.mutants: Mutants = product.mutants
        self.accounts = accounts
        self.specs = specs
        self.clock = clock or RealClock()
        self.limiter = RateLimiter(rate_limit) if rate_limit else None
        #: One JSON line per request (time, surface, action, rate units, outcome): what the
        #: bench counts requests from, at the server (``serve --request-log``).
        self.request_log = request_log
        self.nonces = NonceLedger()
        #: The surfaces served (those of the product), by id.
        self.surfaces: dict[str, ApiSpec] = {
            s: specs.api(s) for s in specs.surfaces([product.product_id])}
        #: The surface each signer (wire variant) speaks to.
        self.by_signer = {m.signer: api.id for api in self.surfaces.values()
                          for m in api.facts.signature_methods}
        #: Paths other than ``/`` that belong to one surface (legacy CMQ's ``/v2/index.php``).
        self.paths = {api.facts.path: api.id for api in self.surfaces.values()
                      if api.facts.path != "/"}
        #: Per signer: the common parameters carried with the action's own (never unknown).
        self.envelope = {signer: self.facts(api).common_names(signer)
                         for signer, api in self.by_signer.items()}
        self.handlers: Mapping[str, Mapping[str, Handler]] = product.handlers

    def facts(self, api: str) -> SurfaceFacts:
        """The facts of a served surface."""
        return self.surfaces[api].facts

    def surface_of(self, wire: WireRequest) -> str:
        """The surface a decoded request speaks to: by its path, else by its signer.

        A request in a wire variant no surface of the product speaks (a bare form POST to an
        API 3.0-only product) is refused as unauthenticated, in the first surface's envelope.
        """
        found = self.paths.get(wire.path) or self.by_signer.get(wire.dialect)
        if found is None:
            raise Fault("missing_auth", "the request carries no signature a surface of this "
                        "product accepts (TC3 Authorization header or v1 Signature)", None)
        return found

    def _by_signer(self, signer: str) -> str:
        """The surface ``signer`` speaks to, else the product's first surface."""
        return self.by_signer.get(signer) or next(iter(self.surfaces))

    # -- the pipeline ------------------------------------------------------------------------
    async def handle(self, request: Request) -> Response:
        """Answer one HTTP request; logs one line with its request id."""
        started = time.perf_counter()
        arrived = time.time()
        request_id = str(uuid.uuid4())
        api, action, outcome = self._surface_guess(request), "-", "ok"
        status = 200
        _COUNTED.set(0)
        try:
            wire = await self._read(request)
            api = self.surface_of(wire)
            action = wire.action or "-"
            body = await self._dispatch(wire, api, request_id)
        except Fault as fault:
            outcome = fault.condition
            body = self._error(api, fault, request_id)
            if self.mutants.active("error-http-400"):
                status = 400
        except Exception:  # the emulator must answer, and the log must say what broke
            log.exception("%s internal error", request_id)
            outcome = "internal_error"
            body = self._error(api, Fault("internal_error", "internal error"), request_id)
        log.info("%s %s %s %s %s -> %s %.1fms", request_id, request.method, request.url.path,
                 api, action, outcome, (time.perf_counter() - started) * 1000)
        if self.request_log is not None:
            self._log_request(arrived, api, action, outcome)
        media = f"{JSON}; charset=utf-8" if self.mutants.active("content-type-charset") else JSON
        return Response(json.dumps(body, ensure_ascii=False).encode("utf-8"), status,
                        media_type=media)

    def _log_request(self, arrived: float, api: str, action: str, outcome: str) -> None:
        """Append one line to the request log: the rate units the limiter counted (0 for a
        request refused before it: unauthenticated, an unknown action)."""
        assert self.request_log is not None
        line = json.dumps({"t": round(arrived, 4), "api": api, "action": action,
                           "cost": _COUNTED.get(), "outcome": outcome})
        # Opened per line (a bench option): nothing is left open when the app is dropped.
        with self.request_log.open("a", encoding="utf-8") as log:
            log.write(line + "\n")

    def _surface_guess(self, request: Request) -> str:
        """The surface to answer in before the request could be read."""
        if request.url.path in self.paths:
            return self.paths[request.url.path]
        if "x-tc-action" in request.headers or "Version" in request.query_params:
            return self._by_signer(TC3)
        return self._by_signer(CMQ_LEGACY) if request.url.path != "/" \
            else self._by_signer(TC3)

    def _size_limit(self, api: str, key: str) -> int | None:
        sizes = self.facts(api).request_size_bytes
        if key in sizes:
            return sizes[key]
        return max(sizes.values(), default=None)

    async def _read(self, request: Request) -> WireRequest:
        allowed = self.facts(self._surface_guess(request)).methods
        if request.method not in allowed:
            raise Fault("unsupported_method",
                        f"unsupported HTTP method {request.method}; only {', '.join(allowed)}",
                        None)
        ceiling = max(self._size_limit(api, "") or 0 for api in self.surfaces)
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if ceiling and len(body) > ceiling:
                raise Fault("request_too_large", f"the request exceeds {ceiling} bytes", None)
        headers = {k.lower(): v for k, v in request.headers.items()}
        if self.mutants.active("signing-host-ignored") and request.scope.get("server"):
            headers["host"] = ":".join(map(str, request.scope["server"]))
        # The JSON body is read after the signature is checked (it signs the raw bytes): an
        # unauthenticated request never reaches the parser.
        wire = read_request(request.method, request.url.path, request.url.query, headers,
                            bytes(body), frozenset(self.paths), parse_json=False)
        api = self.surface_of(wire)
        if request.method == "GET":
            key, size = "get", len(request.url.query.encode())
        else:
            key = {TC3: "post_tc3", TCV1: "post_v1", CMQ_LEGACY: "post"}[wire.dialect]
            size = len(body)
        limit = self._size_limit(api, key)
        if limit is not None and size > limit:
            raise Fault("request_too_large",
                        f"the request is {size} bytes; at most {limit} are accepted", None)
        return wire

    async def _dispatch(self, wire: WireRequest, api: str, request_id: str) -> dict[str, Any]:
        spec = self.specs.api(api)
        name = wire.action
        if not name:
            raise Fault("missing_parameter", "the common parameter Action is missing", "Action")
        facts = spec.facts
        self._check_version_and_region(wire, spec)
        self._check_required_common(wire, api)
        account = verify(wire, self.accounts, self.clock.now(),
                         facts.timestamp_skew_seconds or 0, mutants=self.mutants,
                         nonces=self.nonces if "replayed_nonce" in spec.conditions else None)
        wire = with_payload(wire)
        action = spec.actions.get(name)
        handler = self.handlers.get(api, {}).get(name)
        if action is None or handler is None:
            raise Fault("unknown_action", f"action name {name} is not existed", "Action")
        region = wire.common("Region")
        if action.regions is not None and region and region not in action.regions \
                and not self.mutants.active("region-unchecked"):
            raise Fault("unsupported_region",
                        f"{name} does not support the region {region}; only "
                        f"{', '.join(action.regions)}", "Region")
        # A batch counts its items, as the action's spec says (``rate_cost``).
        cost = action.request_cost(wire.flat)
        _COUNTED.set(cost)
        if self.limiter is not None and not self.limiter.admit((account, api, name),
                                                               self.clock.now(), cost) \
                and not self.mutants.active("throttle-never"):
            raise Fault("topic_quota" if self.mutants.active("throttle-quota-code")
                        else "rate_limited",
                        f"{name}: more than {self.limiter.per_second} requests per second", None)
        decoded = decode_params(wire, action, spec.types, self.envelope[wire.dialect])
        if decoded.unknown and facts.unknown_params == "refused":
            # Legacy ignores unknown parameters (errata legacy-unknown-parameter).
            raise Fault("unknown_parameter",
                        f"the parameter {decoded.unknown[0]} is not recognized",
                        decoded.unknown[0])
        ctx = Context(self.product.backend, account, action, spec, wire, self.mutants)
        fallback = handler.current(ctx, decoded.params) if handler.current else None
        validate(action, decoded.params, fallback=fallback, types=spec.types,
                 mutants=self.mutants)
        result = await handler.run(ctx, decoded.params)
        shape_of = facts.envelope
        if "wrapper" in shape_of:
            shaped = shape(result, action.response, spec.types)
            if self.mutants.active("total-count-stringified") and "TotalCount" in shaped:
                shaped["TotalCount"] = str(shaped["TotalCount"])
            if self.mutants.active("listed-integers-as-floats"):
                shaped = {k: [_floats(i) for i in v] if isinstance(v, list) else v
                          for k, v in shaped.items()}
            shaped = deviate(shaped, shape_of["request_id"], self.mutants)
            if self.mutants.active("request-id-missing"):
                return {shape_of["wrapper"]: shaped}
            return {shape_of["wrapper"]: {**shaped, shape_of["request_id"]: request_id}}
        # A flat envelope: the members sit beside the code, message and request id, which the
        # SDKs need whatever the spec's member list says.
        head = {shape_of["code"]: shape_of.get("success_code", 0), shape_of["message"]: "",
                shape_of["request_id"]: request_id}
        shaped = shape({**result, **head}, action.response, spec.types)
        if self.mutants.active("legacy-msgid-renamed") and "msgId" in shaped:
            shaped["MsgId"] = shaped.pop("msgId")
        answer = {**head, **shaped}
        if self.mutants.active("legacy-code-stringified"):
            answer[shape_of["code"]] = str(answer[shape_of["code"]])
        if self.mutants.active("legacy-request-id-missing"):
            del answer[shape_of["request_id"]]
        return answer

    def _check_version_and_region(self, wire: WireRequest, spec: ApiSpec) -> None:
        """A surface whose signer must send Version and Region: both present and served."""
        required = {p.name.removeprefix("X-TC-") for p in spec.facts.common_params
                    if p.required and wire.dialect in p.signers}
        if "Version" not in required:
            return
        version = wire.common("Version")
        if not version:
            raise Fault("missing_parameter", "the common parameter Version is missing",
                        "Version")
        if version != spec.version:
            raise Fault("unsupported_version",
                        f"Version {version} is not supported; expected {spec.version}",
                        "Version")
        region = wire.common("Region")
        if not region:
            if "Region" not in required:
                return  # a surface whose Region is optional (TDMQ's SendMessages)
            raise Fault("missing_parameter", "the common parameter Region is missing", "Region")
        regions = spec.facts.region_ids
        if regions and region not in regions:
            raise Fault("unsupported_region", f"Region {region} is not supported", "Region")

    def _check_required_common(self, wire: WireRequest, api: str) -> None:
        for param in self.facts(api).common_params:
            if not param.required or wire.dialect not in param.signers:
                continue
            name = param.name
            if name in AUTH_PARAMS:
                continue  # auth answers missing_auth for these
            if param.location == "header":
                value = wire.headers.get(name.lower())
            else:
                value = wire.flat.get(name)
            if value in (None, ""):
                raise Fault("missing_parameter", f"the common parameter {name} is missing", name)

    # -- errors ------------------------------------------------------------------------------
    def _error(self, api: str, fault: Fault, request_id: str) -> dict[str, Any]:
        code, module = self.code_of(api, fault.condition)
        shape_of = self.facts(api).envelope
        if "error" in shape_of:
            error: dict[str, Any] = {shape_of["error"]: {shape_of["code"]: code,
                                                         shape_of["message"]: fault.message}}
            if self.mutants.active("v3-error-message-missing"):
                del error[shape_of["error"]][shape_of["message"]]
            if not self.mutants.active("v3-error-request-id-missing"):
                error[shape_of["request_id"]] = request_id
            return {shape_of["wrapper"]: error} if "wrapper" in shape_of else error
        message = legacy_message(module, fault.message, self.mutants)
        body: dict[str, Any] = {shape_of["code"]: code, shape_of["message"]: message,
                                shape_of["request_id"]: request_id}
        if self.mutants.active("legacy-code-stringified"):
            body[shape_of["code"]] = str(code)
        if fault.errors:
            body["errorList"] = [
                {"code": self.code_of(api, item.condition)[0],
                 "message": legacy_message(self.code_of(api, item.condition)[1], item.message,
                                           self.mutants),
                 "receiptHandle": item.key}
                for item in fault.errors
            ]
        return body

    def code_of(self, api: str, condition: str) -> tuple[Any, int | None]:
        """The first code errors.yaml accepts for ``condition`` on ``api``: (code, module)."""
        conditions = self.specs.api(api).conditions
        if self.mutants.active("not-found-invalid-parameter") and condition == "queue_not_found":
            condition = "out_of_range"
        if self.mutants.active("receipt-handle-generic-code") \
                and condition == "receipt_handle_invalid":
            condition = "rule_violation"
        if self.mutants.active("out-of-range-wrong-code") and condition == "out_of_range":
            condition = "missing_parameter"
        found = conditions.get(condition)
        if found is None:
            # A condition this surface does not define (a state fault meant for the other one):
            # answer as a request the surface cannot perform.
            log.warning("no %s condition %r in errors.yaml", api, condition)
            found = conditions["rule_violation"]
        first = found.accept[0]
        return first.code, first.module


def deviate(shaped: dict[str, Any], request_id: str, mutants: Mutants) -> dict[str, Any]:
    """The success members as a response-member mutant spoils them (unchanged when none is):
    the first member other than the request id dropped, renamed or given another JSON type."""
    first = next((name for name in shaped if name != request_id), None)
    if first is None:
        return shaped
    out = dict(shaped)
    if mutants.active("response-member-dropped"):
        del out[first]
    elif mutants.active("response-member-renamed"):
        out[first[:1].lower() + first[1:] + ("_" if first[:1].islower() else "")] = out.pop(first)
    elif mutants.active("response-member-retyped"):
        value = out[first]
        out[first] = [value] if not isinstance(value, list) else {"items": value}
    return out


def legacy_message(module: int | None, text: str, mutants: Mutants) -> str:
    """The legacy message: the module code in parentheses, then the text (cmq-api.txt:4639)."""
    if mutants.active("legacy-module-code-missing"):
        return text
    return f"({module}) {text}" if module is not None else text


def create_app(product: ProductEmulator | str, accounts: AccountKeys, *,
               specs: SpecSet | None = None,
               mutants: Mutants | None = None, rate_limit: int | None = None,
               clock: ServerClock | None = None,
               request_log: Path | None = None) -> Starlette:
    """The ASGI app serving every surface of ``product``; starts and stops its backend with the
    app's lifespan.

    ``product`` is a built :class:`ProductEmulator` (which carries its mutants), or a product id
    the registry builds a fresh one for, running with ``mutants``. A product whose surfaces speak
    a REST dialect is served by the sibling gateway in :mod:`.rest`.
    """
    specs = specs or load_specs()
    if isinstance(product, str):
        product = build_product(product, specs, mutants=mutants or Mutants(), clock=clock)
    elif mutants is not None and mutants != product.mutants:
        raise ValueError("a built product carries its own mutants: give them to the registry")
    if rest.serves(product, specs):
        return rest.create_rest_app(product, accounts, specs=specs)
    gateway = Gateway(product, accounts, specs, rate_limit=rate_limit,
                      clock=clock, request_log=request_log)
    app = gateway_app(("/", *gateway.paths), gateway.handle, product.backend)
    app.state.gateway = gateway
    return app


def _floats(item: Any) -> Any:
    """A listed item with its integer members as JSON numbers (30 -> 30.0): mutant
    ``listed-integers-as-floats``."""
    if not isinstance(item, dict):
        return item
    return {k: float(v) if isinstance(v, int) and not isinstance(v, bool) else v
            for k, v in item.items()}
