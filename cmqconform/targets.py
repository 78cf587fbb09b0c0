"""Targets: where the suite sends its calls, with which credentials, and how fast.

A target is data, loaded from a TOML file (:func:`load_target`) or a URL shorthand
(:func:`target_from_url`: one address serving both surfaces, e.g. the emulator). The file format
is documented in ``docs/targets.md``. Credentials come from the environment
(``TENCENTCLOUD_SECRET_ID``, ``TENCENTCLOUD_SECRET_KEY``, optional ``TENCENTCLOUD_SESSION_TOKEN``)
or an explicit :class:`~cmqconform.dialects.Credentials`; they never appear in a file, a repr,
a log line or an error message.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from cmqconform.dialects import (
    BOOL_TEXT_DOC,
    Call,
    Clock,
    Credentials,
    NonceSource,
    Prepared,
    get_dialect,
    random_nonce,
    system_clock,
)
from cmqconform.errors import ConfigError
from cmqconform.models import SpecSet, SurfaceFacts
from cmqconform.spec import load_specs

SECRET_ID_ENV = "TENCENTCLOUD_SECRET_ID"
SECRET_KEY_ENV = "TENCENTCLOUD_SECRET_KEY"
TOKEN_ENV = "TENCENTCLOUD_SESSION_TOKEN"
_TOP_KEYS = {"name", "url", "region", "rate_limit", "expectations", "strict_undocumented_fields",
             "surfaces", "credentials", "declared_limits", "push_time_scale",
             "second_credentials"}
_SURFACE_KEYS = {"url", "hosts", "region", "signature"}
_CREDENTIAL_KEYS = {"secret_id_env", "secret_key_env", "token_env"}


def needs_region(facts: SurfaceFacts) -> bool:
    """Whether the surface's requests must carry a region (a required ``Region`` parameter)."""
    return any(p.required and p.name in ("Region", "X-TC-Region") for p in facts.common_params)


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Base URLs per surface id; a surface served by several hosts maps each host."""

    urls: Mapping[str, str]
    #: ``(surface, host) -> base URL`` (legacy CMQ: the ``queue`` and ``topic`` hosts).
    hosts: Mapping[tuple[str, str], str] = field(default_factory=dict)

    def for_call(self, api: str, host: str | None) -> str:
        """The base URL serving ``api`` (and, on a multi-host surface, ``host``)."""
        if host is not None and (api, host) in self.hosts:
            return self.hosts[(api, host)]
        return self.urls[api]


@dataclass(frozen=True, slots=True)
class Target:
    """Everything the suite needs to talk to one compatible service, for each surface."""

    name: str
    endpoints: Endpoints
    #: The region requests carry, per surface (None sends none, as the legacy CMQ SDK does).
    regions: Mapping[str, str | None]
    credentials: Credentials
    #: Signature method per surface id.
    signature: Mapping[str, str]
    #: Requests per second over the whole run; None for no limit.
    rate_limit: float | None = None
    expectations: Path | None = None
    #: Treat response members the doc does not list as failures instead of notes.
    strict_undocumented_fields: bool = True
    #: Limits the operator declares for this account (``queues = 1000``), used by limit tests.
    declared_limits: Mapping[str, int] = field(default_factory=dict)
    #: Where the target came from: a file path or the URL.
    source: str = ""
    #: Factor the target applies to HTTP push retry waits (1 for a real service).
    push_time_scale: float = 1.0
    #: A second, separate account for isolation scenarios; None when the target has none.
    second_credentials: Credentials | None = None

    @property
    def surfaces(self) -> tuple[str, ...]:
        """The surface ids this target serves."""
        return tuple(self.endpoints.urls)

    @property
    def region(self) -> str | None:
        """The first region any surface carries (what reports show as the target's region)."""
        return next((r for r in self.regions.values() if r), None)

    def prepare(self, call: Call, specs: SpecSet, *, host: str | None = None,
                language: str | None = None, clock: Clock = system_clock,
                nonce: NonceSource = random_nonce,
                bool_text: tuple[str, str] = BOOL_TEXT_DOC) -> Prepared:
        """Encode and pair ``call`` with its signer for this target.

        The dialect, version, path, service and wire names come from ``specs``; an action's
        host comes from its spec unless ``host`` overrides it.
        """
        api = specs.api(call.api)
        action = api.actions.get(call.action)
        if host is None and action is not None:
            host = action.host
        return get_dialect(api.dialect).prepare(
            call, api.facts, base_url=self.endpoints.for_call(call.api, host),
            credentials=self.credentials, signature_method=self.signature[call.api],
            region=self.regions.get(call.api), action=action, language=language, clock=clock,
            nonce=nonce, bool_text=bool_text)


class _Problems:
    """Collects every problem of one target so the user gets one error naming each field."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[str] = []

    def add(self, key: str, message: str) -> None:
        self.items.append(f"{key}: {message}")

    def raise_if_any(self) -> None:
        if self.items:
            lines = "\n".join(f"  - {item}" for item in self.items)
            raise ConfigError(f"{self.source}: invalid target ({len(self.items)} "
                              f"problem{'s' if len(self.items) > 1 else ''}):\n{lines}")


def _url(value: Any, key: str, problems: _Problems) -> str | None:
    if not isinstance(value, str):
        problems.add(key, f"expected an http(s) URL string, got {type(value).__name__}")
        return None
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL as exc:
        problems.add(key, f"not a URL ({exc}): {value!r}")
        return None
    if url.scheme not in ("http", "https") or not url.host:
        problems.add(key, f"expected http://host[:port] or https://host[:port], got {value!r}")
        return None
    if url.path not in ("", "/") or url.query or url.fragment:
        problems.add(key, f"give the base URL only (the dialect adds the path), got {value!r}")
        return None
    return str(url.copy_with(path="/")).rstrip("/")


def credentials_from_env(env: Mapping[str, str], *, secret_id_env: str = SECRET_ID_ENV,
                         secret_key_env: str = SECRET_KEY_ENV, token_env: str = TOKEN_ENV,
                         source: str = "<environment>") -> Credentials:
    """Credentials from environment variables; ConfigError naming each missing variable."""
    problems = _Problems(source)
    for name in (secret_id_env, secret_key_env):
        if not env.get(name):
            problems.add("credentials", f"environment variable {name} is not set")
    problems.raise_if_any()
    return Credentials.of(env[secret_id_env], env[secret_key_env], env.get(token_env) or None)


def _str(doc: Mapping[str, Any], key: str, problems: _Problems, prefix: str = "") -> str | None:
    value = doc.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.add(prefix + key, f"expected a non-empty string, got {value!r}")
        return None
    return value


def _table(doc: Mapping[str, Any], key: str, allowed: set[str] | None,
           problems: _Problems) -> dict[str, Any]:
    value = doc.get(key, {})
    if not isinstance(value, dict):
        problems.add(key, f"expected a table, got {type(value).__name__}")
        return {}
    if allowed is not None:
        for extra in sorted(set(value) - allowed):
            problems.add(f"{key}.{extra}", f"unknown key (known: {', '.join(sorted(allowed))})")
    return value


def target_from_mapping(doc: Mapping[str, Any], *, source: str, base_dir: Path | None = None,
                        env: Mapping[str, str] | None = None,
                        credentials: Credentials | None = None,
                        specs: SpecSet | None = None) -> Target:
    """Validate a parsed target document; one ConfigError lists every bad field.

    Surfaces come from ``specs``: a top-level ``url`` serves every surface of every product;
    ``[surfaces."<id>"]`` overrides one surface's url, hosts, region and signature method.
    """
    env = os.environ if env is None else env
    specs = specs or load_specs()
    problems = _Problems(source)
    for extra in sorted(set(doc) - _TOP_KEYS):
        problems.add(extra, f"unknown key (known: {', '.join(sorted(_TOP_KEYS))})")
    shared = _url(doc["url"], "url", problems) if "url" in doc else None
    region = _str(doc, "region", problems)
    surface_doc = _table(doc, "surfaces", set(specs.apis), problems)
    urls: dict[str, str] = {}
    hosts: dict[tuple[str, str], str] = {}
    regions: dict[str, str | None] = {}
    signature: dict[str, str] = {}
    for surface, api in specs.apis.items():
        key = f"surfaces.{surface}"
        own = surface_doc.get(surface, {})
        if not isinstance(own, dict):
            problems.add(key, f"expected a table, got {type(own).__name__}")
            own = {}
        for extra in sorted(set(own) - _SURFACE_KEYS):
            problems.add(f"{key}.{extra}",
                         f"unknown key (known: {', '.join(sorted(_SURFACE_KEYS))})")
        url = _url(own["url"], f"{key}.url", problems) if "url" in own else shared
        if url is None:
            if surface in surface_doc or "url" not in doc:
                problems.add(f"{key}.url", "missing (or give 'url' for every surface)")
            continue
        urls[surface] = url
        host_doc = own.get("hosts", {})
        known_hosts = {e.host for e in api.facts.endpoints if e.host}
        if not isinstance(host_doc, dict):
            problems.add(f"{key}.hosts", f"expected a table, got {type(host_doc).__name__}")
            host_doc = {}
        for host, value in host_doc.items():
            if host not in known_hosts:
                problems.add(f"{key}.hosts.{host}", f"unknown host (known: "
                                                    f"{', '.join(sorted(known_hosts)) or 'none'})")
            elif (host_url := _url(value, f"{key}.hosts.{host}", problems)) is not None:
                hosts[(surface, host)] = host_url
        own_region = _str(own, "region", problems, key + ".")
        regions[surface] = own_region or (region if needs_region(api.facts) else None)
        if regions[surface] is None and needs_region(api.facts):
            problems.add("region", f"missing (requests to {surface} carry a region, e.g. "
                                   f"{api.facts.region_ids[0] if api.facts.region_ids else 'r'})")
        method = own.get("signature", api.facts.default_signature_method)
        if method not in get_dialect(api.dialect).signers or api.facts.signer_of(method) is None:
            methods = [m.name for m in api.facts.signature_methods]
            problems.add(f"{key}.signature", f"expected one of {', '.join(methods)}, "
                                             f"got {method!r}")
        signature[surface] = str(method)
    rate = doc.get("rate_limit")
    if rate is not None and (isinstance(rate, bool) or not isinstance(rate, int | float)
                             or rate <= 0):
        problems.add("rate_limit", f"expected requests per second > 0, got {rate!r}")
        rate = None
    expectations: Path | None = None
    if "expectations" in doc:
        text = _str(doc, "expectations", problems)
        if text is not None:
            expectations = (base_dir or Path.cwd()) / text
            if not expectations.is_file():
                problems.add("expectations", f"no such file: {expectations}")
    strict = doc.get("strict_undocumented_fields", True)
    if not isinstance(strict, bool):
        problems.add("strict_undocumented_fields", f"expected true or false, got {strict!r}")
        strict = False
    limits: dict[str, int] = {}
    for key, value in _table(doc, "declared_limits", None, problems).items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.add(f"declared_limits.{key}", f"expected an integer >= 0, got {value!r}")
        else:
            limits[key] = value
    cred_doc = _table(doc, "credentials", None, problems)
    for key in sorted(cred_doc):
        if key in _CREDENTIAL_KEYS:
            _str(cred_doc, key, problems, "credentials.")
        elif "secret" in key or "token" in key or "key" in key:
            # Never echo the value: it may be the very secret the user pasted.
            problems.add(f"credentials.{key}", f"never put credentials in a target file; set "
                                               f"{SECRET_ID_ENV} / {SECRET_KEY_ENV} instead")
        else:
            problems.add(f"credentials.{key}",
                         f"unknown key (known: {', '.join(sorted(_CREDENTIAL_KEYS))})")
    if credentials is None and not any(
            item.startswith("credentials.") for item in problems.items):
        names = {k: cred_doc.get(k, d) for k, d in (("secret_id_env", SECRET_ID_ENV),
                                                    ("secret_key_env", SECRET_KEY_ENV),
                                                    ("token_env", TOKEN_ENV))}
        try:
            credentials = credentials_from_env(env, source=source, **names)
        except ConfigError as exc:
            problems.items.extend(line.strip()[2:] for line in str(exc).splitlines()[1:])
    scale = doc.get("push_time_scale", 1.0)
    if isinstance(scale, bool) or not isinstance(scale, int | float) or scale <= 0:
        problems.add("push_time_scale", f"expected a factor > 0, got {scale!r}")
        scale = 1.0
    second = _second_credentials(doc, env, source, problems)
    name = _str(doc, "name", problems) or Path(source).stem
    problems.raise_if_any()
    assert credentials is not None
    if not urls:
        raise ConfigError(f"{source}: invalid target: no surface has a URL")
    return Target(name=name, endpoints=Endpoints(urls, hosts), regions=regions,
                  credentials=credentials, signature=signature,
                  rate_limit=float(rate) if rate is not None else None,
                  expectations=expectations, strict_undocumented_fields=strict,
                  declared_limits=limits, source=source, push_time_scale=float(scale),
                  second_credentials=second)


def _second_credentials(doc: Mapping[str, Any], env: Mapping[str, str], source: str,
                        problems: _Problems) -> Credentials | None:
    """``[second_credentials]``: the environment variables holding a second account."""
    if "second_credentials" not in doc:
        return None
    table = _table(doc, "second_credentials", set(_CREDENTIAL_KEYS), problems)
    names = {key: _str(table, key, problems, "second_credentials.") for key in sorted(table)}
    for key in ("secret_id_env", "secret_key_env"):
        if key not in table:
            problems.add(f"second_credentials.{key}", "missing (the environment variable name)")
    if not all(names.values()) or "secret_id_env" not in names or "secret_key_env" not in names:
        return None
    try:
        return credentials_from_env(env, source=source, secret_id_env=str(names["secret_id_env"]),
                                    secret_key_env=str(names["secret_key_env"]),
                                    # "" names no variable: the first account's token is not reused.
                                    token_env=str(names.get("token_env") or ""))
    except ConfigError as exc:
        problems.items.extend("second_" + line.strip()[2:]
                              for line in str(exc).splitlines()[1:])
        return None


def load_target(path: str | Path, *, env: Mapping[str, str] | None = None,
                credentials: Credentials | None = None, specs: SpecSet | None = None) -> Target:
    """Load a target TOML file; ConfigError names the file and every bad field."""
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read target file: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return target_from_mapping(doc, source=str(path), base_dir=path.parent, env=env,
                               credentials=credentials, specs=specs)


def target_from_url(url: str, *, region: str | None = None,
                    env: Mapping[str, str] | None = None,
                    credentials: Credentials | None = None, name: str | None = None,
                    rate_limit: float | None = None, specs: SpecSet | None = None,
                    surfaces: tuple[str, ...] | None = None) -> Target:
    """A target serving every surface (or ``surfaces``) and every host at one address.

    ``region`` defaults to :func:`default_region` of the specs.
    """
    specs = specs or load_specs()
    doc: dict[str, Any] = {"region": region or default_region(specs), "name": name or url}
    if surfaces is None:
        doc["url"] = url
    else:
        doc["surfaces"] = {s: {"url": url} for s in surfaces}
    if rate_limit is not None:
        doc["rate_limit"] = rate_limit
    return target_from_mapping(doc, source=url, env=env, credentials=credentials, specs=specs)


def default_region(specs: SpecSet) -> str:
    """The first region listed by the first surface whose requests carry one."""
    return next((a.facts.region_ids[0] for a in specs.apis.values()
                 if needs_region(a.facts) and a.facts.region_ids), "")
