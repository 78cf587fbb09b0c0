"""The REST gateway: the server side of the ``huawei_rest`` dialect, for any product's surfaces.

A request goes through: route (method + the path templates of the specs' ``http`` routes) ->
authentication (``X-Auth-Token`` or an ``SDK-HMAC-SHA256`` signature) -> parameters (path
placeholders, query, headers, each where the spec's ``in`` puts it; anything else is unknown) ->
spec validation -> the product's handler -> the response members the spec lists, with the
route's status. A refusal is a :class:`Fault`; its condition's first accepted code in
errors.yaml is the HTTP status, and the body is ``{"error_code", "error_msg"}``. Nothing here
names a product, a route, a range or a status.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from cmqconform.dialects import huawei_signing as hs
from cmqconform.dialects.huawei_rest import NAME as HUAWEI_REST
from cmqconform.emulator.asgi import gateway_app
from cmqconform.emulator.auth import AccountKeys
from cmqconform.emulator.faults import Fault
from cmqconform.emulator.handlers import Context
from cmqconform.emulator.product import ProductEmulator
from cmqconform.emulator.validate import validate
from cmqconform.emulator.wire import WireRequest, scalar, shape
from cmqconform.models import ActionSpec, ApiSpec, SpecSet

log = logging.getLogger("cmqconform.emulator")

#: The dialects this gateway serves.
DIALECTS = frozenset({HUAWEI_REST})
JSON = "application/json"
#: A ``{name}`` placeholder of a path template.
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def serves(product: ProductEmulator, specs: SpecSet) -> bool:
    """Whether every surface of ``product`` speaks a dialect this gateway serves."""
    surfaces = specs.surfaces([product.product_id])
    return bool(surfaces) and all(specs.api(s).dialect in DIALECTS for s in surfaces)


@dataclass(frozen=True, slots=True)
class RestRoute:
    """One action's route: method, the template's segments, and its surface."""

    method: str
    segments: tuple[str, ...]
    api: str
    action: ActionSpec

    def match(self, segments: list[str]) -> dict[str, str] | None:
        """The path parameters when ``segments`` (decoded) fit the template, else None."""
        if len(segments) != len(self.segments):
            return None
        params: dict[str, str] = {}
        for want, got in zip(self.segments, segments, strict=True):
            placeholder = _PLACEHOLDER.fullmatch(want)
            if placeholder is not None:
                if not got:
                    return None
                params[placeholder.group(1)] = got
            elif want != got:
                return None
        return params


class RestGateway:
    """Turns REST requests into a product's handler calls (see the module docstring)."""

    def __init__(self, product: ProductEmulator, accounts: AccountKeys, specs: SpecSet) -> None:
        self.product = product
        self.mutants = product.mutants
        self.accounts = accounts
        self.specs = specs
        self.surfaces: dict[str, ApiSpec] = {
            s: specs.api(s) for s in specs.surfaces([product.product_id])}
        self.routes = [RestRoute(a.http.method, tuple(a.http.path.split("/")), api.id, a)
                       for api in self.surfaces.values() for a in api.actions.values()
                       if a.http is not None]
        #: Token -> account: an account given a token authenticates with it alone.
        self.token_owner = {token: account for account, token in accounts.tokens.items()}

    def first_api(self) -> str:
        """The surface answering a request no route matched."""
        return next(iter(self.surfaces))

    async def handle(self, request: Request) -> Response:
        """Answer one HTTP request; logs one line with a request id of its own."""
        started = time.perf_counter()
        request_id = str(uuid.uuid4())
        api, action, outcome = self.first_api(), "-", "ok"
        try:
            route, path_params = self.route(request)
            api, action = route.api, route.action.name
            status, body = await self.dispatch(request, route, path_params)
        except Fault as fault:
            outcome = fault.condition
            status, body = self.error(api, fault)
        except Exception:  # the emulator must answer, and the log must say what broke
            log.exception("%s internal error", request_id)
            outcome = "internal_error"
            status, body = 500, {"error_code": "500", "error_msg": "internal error"}
        log.info("%s %s %s %s %s -> %s %.1fms", request_id, request.method, request.url.path,
                 api, action, outcome, (time.perf_counter() - started) * 1000)
        return Response(json.dumps(body, ensure_ascii=False).encode("utf-8"), status,
                        media_type=JSON)

    def route(self, request: Request) -> tuple[RestRoute, dict[str, str]]:
        """The route and path parameters; Fault ``unknown_action`` / ``unsupported_method``."""
        raw = request.scope.get("raw_path") or request.url.path.encode()
        try:
            segments = [unquote(s, errors="strict") for s in raw.decode("ascii").split("/")]
        except UnicodeError:
            raise Fault("unknown_action", "the path is not valid UTF-8", None) from None
        found = [(r, p) for r in self.routes if (p := r.match(segments)) is not None]
        if not found:
            raise Fault("unknown_action", f"no resource at {request.url.path}", None)
        for route, params in found:
            if route.method == request.method:
                return route, params
        raise Fault("unsupported_method", f"unsupported HTTP method {request.method}; only "
                    f"{', '.join(sorted({r.method for r, _ in found}))}", None)

    async def dispatch(self, request: Request, route: RestRoute,
                       path_params: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """Authenticate, read, validate and run one routed request."""
        body = await request.body()
        query = parse_qsl(request.url.query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in request.headers.items()}
        account = self.authenticate(request, query, headers, body)
        spec = self.surfaces[route.api]
        action = route.action
        params = self.params(action, path_params, query, headers)
        validate(action, params, types=spec.types, mutants=self.mutants)
        handler = self.product.handlers.get(route.api, {}).get(action.name)
        if handler is None:
            raise Fault("unknown_action", f"{action.name} is not served", None)
        wire = WireRequest(HUAWEI_REST, request.method, request.url.path,
                           headers.get("host", ""), headers, request.url.query, body,
                           dict(query))
        ctx = Context(self.product.backend, account, action, spec, wire, self.mutants)
        result = await handler.run(ctx, params)
        assert action.http is not None
        return action.http.status, shape(result, action.response, spec.types)

    def authenticate(self, request: Request, query: list[tuple[str, str]],
                     headers: Mapping[str, str], body: bytes) -> str:
        """The account: by AK/SK signature when one is sent, else by token (HTTP 403 if not)."""
        authorization = headers.get("authorization")
        if authorization:
            parsed = hs.parse_authorization(authorization)
            if parsed is None:
                raise Fault("signature_failure", "the Authorization header is not "
                            f"{hs.ALGORITHM}", "Authorization")
            key = self.accounts.key_of(parsed.access_key)
            if not self.mutants.active("signature-unchecked") and not hs.verify(
                    request.method, request.url.path, query, headers, body, key, parsed):
                raise Fault("signature_failure", "the signature does not match", "Authorization")
            return parsed.access_key
        token = headers.get(hs.TOKEN_HEADER.lower())
        if not token:
            raise Fault("missing_auth", f"no {hs.TOKEN_HEADER} and no Authorization header",
                        hs.TOKEN_HEADER)
        for known, account in self.token_owner.items():
            if hmac.compare_digest(known.encode(), token.encode()):
                return account
        if self.mutants.active("token-unchecked") and self.token_owner:
            return next(iter(self.token_owner.values()))
        raise Fault("invalid_token", f"the {hs.TOKEN_HEADER} is not valid", hs.TOKEN_HEADER)

    def params(self, action: ActionSpec, path_params: Mapping[str, str],
               query: list[tuple[str, str]], headers: Mapping[str, str]) -> dict[str, Any]:
        """Every parameter where the spec puts it, read into the spec's types."""
        where = {p.name: p.location or "query" for p in action.request}
        types = {p.name: p.type for p in action.request}
        out: dict[str, Any] = {k: scalar(v, types.get(k, "string"))
                               for k, v in path_params.items()}
        for name, value in query:
            if where.get(name) != "query":
                if self.mutants.active("unknown-param-ignored"):
                    continue
                raise Fault("unknown_parameter", f"the query parameter {name} is not recognized",
                            name)
            if name in out:
                raise Fault("invalid_type", f"the query parameter {name} is given twice", name)
            out[name] = scalar(value, types[name])
        for param in action.request:
            if param.location == "header" and param.name.lower() in headers:
                out[param.name] = scalar(headers[param.name.lower()], param.type)
        return out

    def error(self, api: str, fault: Fault) -> tuple[int, dict[str, Any]]:
        """The status errors.yaml gives ``fault``'s condition, and the error body."""
        conditions = self.specs.api(api).conditions
        found = conditions.get(fault.condition)
        if found is None:
            log.warning("no %s condition %r in errors.yaml", api, fault.condition)
            found = conditions["rule_violation"]
        status = int(found.accept[0].code)
        facts = self.specs.api(api).facts.envelope
        body = {facts.get("code", "error_code"): str(status),
                facts.get("message", "error_msg"): fault.message}
        if self.mutants.active("error-as-200") and status == 400:
            return 200, body
        return status, body


def create_rest_app(product: ProductEmulator, accounts: AccountKeys, *,
                    specs: SpecSet) -> Starlette:
    """The ASGI app serving every REST route of ``product``; starts and stops its backend."""
    gateway = RestGateway(product, accounts, specs)
    app = gateway_app(["/{path:path}"], gateway.handle, product.backend)
    app.state.gateway = gateway
    return app
