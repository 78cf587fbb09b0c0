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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from cmqconform.configschema import FieldPath, LineOf, Problems, schema_problems, toml_lines
from cmqconform.dialects import (
    BOOL_TEXT_DOC,
    SIGNATURE_METHODS,
    Call,
    Credentials,
    Prepared,
    prepare,
)
from cmqconform.dialects.call import Clock, NonceSource, random_nonce, system_clock
from cmqconform.errors import ConfigError
from cmqconform.models import LEGACY, V3, SpecSet
from cmqconform.spec import load_specs

SECRET_ID_ENV = "TENCENTCLOUD_SECRET_ID"
SECRET_KEY_ENV = "TENCENTCLOUD_SECRET_KEY"
TOKEN_ENV = "TENCENTCLOUD_SESSION_TOKEN"
#: Endpoint keys, one per surface and legacy host.
SURFACES = ("v3", "legacy_queue", "legacy_topic")
#: ``[signature]`` keys and the surface each names.
_SIGNATURE_KEYS = {"v3": V3, "legacy": LEGACY}


def default_signature_methods(specs: SpecSet | None = None) -> dict[str, str]:
    """Per surface, the signature method service.yaml marks ``default: true``."""
    apis = (specs or load_specs()).service["apis"]
    return {api: next(str(m["name"]) for m in apis[api]["signature_methods"] if m.get("default"))
            for api in (V3, LEGACY)}


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Base URLs per surface: API 3.0, the legacy queue host and the legacy topic host."""

    v3: str
    legacy_queue: str
    legacy_topic: str

    def for_call(self, api: str, host: str | None) -> str:
        """The base URL serving ``api`` (and, for legacy, ``host``: queue or topic)."""
        if api == V3:
            return self.v3
        return self.legacy_topic if host == "topic" else self.legacy_queue


@dataclass(frozen=True, slots=True)
class Target:
    """Everything the suite needs to talk to one CMQ-compatible service."""

    name: str
    endpoints: Endpoints
    #: API 3.0 ``Region`` (``ap-guangzhou``).
    region: str
    credentials: Credentials
    #: Signature method per surface (``cmq.v3`` / ``cmq.legacy``).
    signature: Mapping[str, str] = field(default_factory=default_signature_methods)
    #: Legacy ``Region`` common parameter (``gz``); None sends none, as the official SDK does.
    legacy_region: str | None = None
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
    def signature_methods(self) -> Mapping[str, str]:
        """Signature method per surface (alias of ``signature``)."""
        return self.signature

    def base_url(self, api: str, host: str | None) -> str:
        """The base URL for a surface (and, for legacy, the ``queue`` or ``topic`` host)."""
        return self.endpoints.for_call(api, host)

    def prepare(self, call: Call, specs: SpecSet, *, host: str | None = None,
                language: str | None = None, clock: Clock = system_clock,
                nonce: NonceSource = random_nonce,
                bool_text: tuple[str, str] = BOOL_TEXT_DOC) -> Prepared:
        """Encode and pair ``call`` with its signer for this target.

        Version, path, service and wire names come from ``specs``; a legacy action's host comes
        from its spec unless ``host`` overrides it (unknown actions default to the queue host).
        """
        api = specs.api(call.api)
        facts = specs.service["apis"][call.api]
        action = api.actions.get(call.action)
        if host is None:
            host = action.host if action is not None and action.host else "queue"
        return prepare(call, base_url=self.endpoints.for_call(call.api, host),
                       credentials=self.credentials, signature_method=self.signature[call.api],
                       region=self.region if call.api == V3 else self.legacy_region,
                       version=str(facts["version"]["value"]),
                       service=str(specs.service["service"]),
                       path=str(facts["path"]["value"]), action=action, language=language,
                       clock=clock, nonce=nonce, bool_text=bool_text)


def _base_url(value: str, path: FieldPath, problems: Problems) -> str | None:
    """A base URL the schema accepted, normalised; a problem if httpx cannot parse it."""
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL as exc:
        problems.add(path, f"not a URL ({exc}): {value!r}")
        return None
    return str(url.copy_with(path="/")).rstrip("/")


def _unset(env: Mapping[str, str], names: Iterable[str]) -> list[str]:
    return [f"environment variable {name} is not set" for name in names if not env.get(name)]


def credentials_from_env(env: Mapping[str, str], *, secret_id_env: str = SECRET_ID_ENV,
                         secret_key_env: str = SECRET_KEY_ENV, token_env: str = TOKEN_ENV,
                         source: str = "<environment>") -> Credentials:
    """Credentials from environment variables; ConfigError naming each missing variable."""
    problems = Problems(source, "target")
    problems.extend((("credentials",), text)
                    for text in _unset(env, (secret_id_env, secret_key_env)))
    problems.raise_if_any()
    return Credentials.of(env[secret_id_env], env[secret_key_env], env.get(token_env) or None)


def _env_credentials(table: Mapping[str, Any], key: str, env: Mapping[str, str],
                     problems: Problems, token_env: str) -> Credentials | None:
    """The account whose variables ``table`` names (defaults for those it does not)."""
    names = (table.get("secret_id_env", SECRET_ID_ENV), table.get("secret_key_env", SECRET_KEY_ENV))
    missing = _unset(env, names)
    problems.extend(((key,), text) for text in missing)
    if missing:
        return None
    return Credentials.of(env[names[0]], env[names[1]],
                          env.get(table.get("token_env", token_env)) or None)


def target_from_mapping(doc: Mapping[str, Any], *, source: str, base_dir: Path | None = None,
                        env: Mapping[str, str] | None = None,
                        credentials: Credentials | None = None,
                        line_of: LineOf | None = None) -> Target:
    """Validate a parsed target document; one ConfigError lists every bad field.

    The schema (``schemas/target.schema.json``) checks the shape; here remain what it cannot
    know: URLs httpx refuses, signature methods a surface has no dialect for, a missing
    expectations file, unset environment variables. ``line_of`` places a field in the file.
    """
    env = os.environ if env is None else env
    problems = Problems(source, "target", line_of)
    problems.extend(schema_problems("target", doc))
    shared = None
    if "url" in doc and problems.ok("url"):
        shared = _base_url(doc["url"], ("url",), problems)
    endpoint_doc = doc.get("endpoints", {})
    endpoints: dict[str, str] = {}
    for surface in SURFACES:
        url = shared
        if problems.ok("endpoints", surface) and surface in endpoint_doc:
            url = _base_url(endpoint_doc[surface], ("endpoints", surface), problems)
        if url:
            endpoints[surface] = url
    signature = default_signature_methods()
    for key, api in _SIGNATURE_KEYS.items():
        if not problems.ok("signature", key) or key not in doc.get("signature", {}):
            continue
        method = doc["signature"][key]
        if method not in SIGNATURE_METHODS[api]:
            problems.add(("signature", key), f"expected one of "
                                             f"{', '.join(SIGNATURE_METHODS[api])}, got {method!r}")
        signature[api] = method
    expectations: Path | None = None
    if "expectations" in doc and problems.ok("expectations"):
        expectations = (base_dir or Path.cwd()) / doc["expectations"]
        if not expectations.is_file():
            problems.add(("expectations",), f"no such file: {expectations}")
    if credentials is None and problems.ok("credentials"):
        credentials = _env_credentials(doc.get("credentials", {}), "credentials", env, problems,
                                       TOKEN_ENV)
    second = None
    if "second_credentials" in doc and problems.ok("second_credentials"):
        # No token_env names no variable: the first account's token is not reused.
        second = _env_credentials(doc["second_credentials"], "second_credentials", env,
                                  problems, "")
    problems.raise_if_any()
    assert credentials is not None
    rate = doc.get("rate_limit")
    return Target(name=doc.get("name") or Path(source).stem, endpoints=Endpoints(**endpoints),
                  region=doc["region"], credentials=credentials, signature=signature,
                  legacy_region=doc.get("legacy", {}).get("region"),
                  rate_limit=float(rate) if rate is not None else None,
                  expectations=expectations,
                  strict_undocumented_fields=doc.get("strict_undocumented_fields", True),
                  declared_limits=dict(doc.get("declared_limits", {})), source=source,
                  push_time_scale=float(doc.get("push_time_scale", 1.0)),
                  second_credentials=second)


def load_target(path: str | Path, *, env: Mapping[str, str] | None = None,
                credentials: Credentials | None = None) -> Target:
    """Load a target TOML file; ConfigError names the file and every bad field, with its line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        doc = tomllib.loads(text)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read target file: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return target_from_mapping(doc, source=str(path), base_dir=path.parent, env=env,
                               credentials=credentials, line_of=toml_lines(text))


def target_from_url(url: str, *, region: str, env: Mapping[str, str] | None = None,
                    credentials: Credentials | None = None, name: str | None = None,
                    rate_limit: float | None = None) -> Target:
    """A target serving API 3.0 and both legacy hosts at one address (``--cmq-target URL``)."""
    doc: dict[str, Any] = {"url": url, "region": region, "name": name or url}
    if rate_limit is not None:
        doc["rate_limit"] = rate_limit
    return target_from_mapping(doc, source=url, env=env, credentials=credentials)


def default_region(specs: SpecSet) -> str:
    """The first API 3.0 region service.yaml lists, for URL targets given none."""
    return str(specs.service["apis"][V3]["regions"][0]["id"])
