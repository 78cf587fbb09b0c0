"""Targets: where the suite sends its calls, with which credentials, and how fast.

A target is data, loaded from a TOML file (:func:`load_target`) or a URL shorthand
(:func:`target_from_url`: one address serving every surface, e.g. the emulator). The file format
is documented in ``docs/targets.md``. Credentials come from the environment
(``TENCENTCLOUD_SECRET_ID``, ``TENCENTCLOUD_SECRET_KEY``, optional ``TENCENTCLOUD_SESSION_TOKEN``)
or an explicit :class:`~cmqconform.dialects.Credentials`; they never appear in a file, a repr,
a log line or an error message.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from cmqconform.configschema import FieldPath, LineOf, Problems, schema_problems, toml_lines
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
    #: Per surface: parameter -> the value this target holds where the specs' recipes name one
    #: (what a real instance holds: ``project_id``, ``instance_id``, ``topic``...).
    values: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: Per surface: a command that seeds the target with what the suite reads (argv).
    seed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: The folder seed commands run in (the target file's).
    base_dir: Path | None = None

    def recipe_values(self, specs: SpecSet, api: str, action: str) -> dict[str, Any]:
        """The recipe's values of ``action`` with this target's own in their place."""
        spec = specs.api(api).actions.get(action)
        base = {p.name: spec.recipe.values[p.name.lower()] for p in spec.request
                if p.name.lower() in spec.recipe.values} if spec is not None else {}
        own = self.values.get(api, {})
        return {name: own.get(name, value) for name, value in base.items()}

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
        host comes from its spec unless ``host`` overrides it. An action the doc restricts to
        some regions is called in the first of them when the target's region is not one.
        """
        api = specs.api(call.api)
        action = api.actions.get(call.action)
        if host is None and action is not None:
            host = action.host
        region = self.regions.get(call.api)
        if region and action is not None and action.regions and region not in action.regions:
            # The doc restricts this action to some regions: call it in the first of them.
            region = action.regions[0]
        return get_dialect(api.dialect).prepare(
            call, api.facts, base_url=self.endpoints.for_call(call.api, host),
            credentials=self.credentials, signature_method=self.signature[call.api],
            region=region, action=action, language=language, clock=clock,
            nonce=nonce, bool_text=bool_text)


#: ``user:password@`` in a URL (the password is never shown, stored or sent).
_USERINFO = re.compile(r"(?<=://)[^/?#@\s]*@")


def without_userinfo(text: str) -> str:
    """``text`` with the ``user:password@`` part of any URL in it masked."""
    return _USERINFO.sub("***@", text)


def _base_url(value: str, path: FieldPath, problems: Problems) -> str | None:
    """A base URL the schema accepted, normalised; a problem if httpx cannot parse it.

    User info (``user:password@``) is refused: no dialect authenticates with it, and a URL is
    stored in the run's records and reports; credentials come from the environment.
    """
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL as exc:
        problems.add(path, f"not a URL ({without_userinfo(str(exc))}): "
                           f"{without_userinfo(value)!r}")
        return None
    if url.userinfo:
        problems.add(path, f"{without_userinfo(value)}: a user or password in the URL is not "
                           "supported (it would be kept in the run's records); give the "
                           "credentials in the environment (TENCENTCLOUD_SECRET_ID / "
                           "TENCENTCLOUD_SECRET_KEY, or the variables [credentials] names)")
        return None
    return str(url.copy_with(path="/")).rstrip("/")


#: What an environment variable name looks like: a value that does not is never echoed (it
#: may be the credential itself, written where its variable's name belongs).
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,63}")


def _unset(env: Mapping[str, str], names: Iterable[str]) -> list[str]:
    return [f"environment variable {name} is not set" if _ENV_NAME.fullmatch(name) else
            "the environment variable it names is not set, and the name does not look like "
            "one (upper case, digits, _): is a credential written there instead of its "
            "variable's name? (the value is not shown)"
            for name in names if not env.get(name)]


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
    fields = ("secret_id_env", "secret_key_env")
    names = (table.get(fields[0], SECRET_ID_ENV), table.get(fields[1], SECRET_KEY_ENV))
    missing = False
    for field_name, name in zip(fields, names, strict=True):
        for text in _unset(env, (name,)):
            missing = True
            problems.add((key, field_name) if field_name in table else (key,), text)
    if missing:
        return None
    return Credentials.of(env[names[0]], env[names[1]],
                          env.get(table.get("token_env", token_env)) or None)


def _surfaces(doc: Mapping[str, Any], specs: SpecSet, problems: Problems
              ) -> tuple[Endpoints, dict[str, str | None], dict[str, str]]:
    """Endpoints, regions and signature methods per surface of the specs."""
    shared = _base_url(doc["url"], ("url",), problems) \
        if "url" in doc and problems.ok("url") else None
    region = doc.get("region")
    surface_doc = doc.get("surfaces", {})
    if not isinstance(surface_doc, Mapping):  # the schema names it; the rest is still checked
        surface_doc = {}
    for unknown in sorted(set(surface_doc) - set(specs.apis)):
        problems.add(("surfaces", unknown), f"no such surface (the specs define "
                                            f"{', '.join(specs.apis)})")
    urls: dict[str, str] = {}
    hosts: dict[tuple[str, str], str] = {}
    regions: dict[str, str | None] = {}
    signature: dict[str, str] = {}
    regionless: list[str] = []
    for surface, api in specs.apis.items():
        own = surface_doc.get(surface, {})
        if not problems.ok("surfaces", surface):
            continue
        url = _base_url(own["url"], ("surfaces", surface, "url"), problems) \
            if "url" in own else shared
        if url is None:
            if surface in surface_doc:
                problems.add(("surfaces", surface, "url"),
                             "missing (or give 'url' for every surface)")
            continue
        urls[surface] = url
        known_hosts = {e.host for e in api.facts.endpoints if e.host}
        for host, value in own.get("hosts", {}).items():
            if host not in known_hosts:
                problems.add(("surfaces", surface, "hosts", host),
                             f"unknown host (known: {', '.join(sorted(known_hosts)) or 'none'})")
            elif (host_url := _base_url(value, ("surfaces", surface, "hosts", host),
                                        problems)) is not None:
                hosts[(surface, host)] = host_url
        regions[surface] = own.get("region") or (region if needs_region(api.facts) else None)
        if regions[surface] is None and needs_region(api.facts):
            regionless.append(surface)
        method = own.get("signature", api.facts.default_signature_method)
        if method not in get_dialect(api.dialect).signers or api.facts.signer_of(method) is None:
            methods = ", ".join(m.name for m in api.facts.signature_methods)
            problems.add(("surfaces", surface, "signature"),
                         f"expected one of {methods}, got {method!r}")
        signature[surface] = str(method)
    if regionless:
        example = (specs.api(regionless[0]).facts.region_ids or ("ap-guangzhou",))[0]
        problems.add(("region",), f"missing (requests to {', '.join(regionless)} carry a "
                                  f"region, e.g. {example})")
    if not urls and "url" not in doc:
        problems.add(("url",), "missing (give 'url' for every surface, or a [surfaces] table)")
    return Endpoints(urls, hosts), regions, signature


def target_from_mapping(doc: Mapping[str, Any], *, source: str, base_dir: Path | None = None,
                        env: Mapping[str, str] | None = None,
                        credentials: Credentials | None = None,
                        line_of: LineOf | None = None, specs: SpecSet | None = None) -> Target:
    """Validate a parsed target document; one ConfigError lists every bad field.

    The schema (``schemas/target.schema.json``) checks the shape; here remain what it cannot
    know: the surfaces of the specs (a top-level ``url`` serves every one;
    ``[surfaces."<id>"]`` overrides one's url, hosts, region and signature method), URLs httpx
    refuses, signature methods a surface does not document, a missing expectations file,
    unset environment variables. ``line_of`` places a field in the file.
    """
    env = os.environ if env is None else env
    specs = specs or load_specs()
    problems = Problems(source, "target", line_of)
    problems.extend(schema_problems("target", doc))
    endpoints, regions, signature = _surfaces(doc, specs, problems)
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
    own_tables = {s: own for s, own in doc.get("surfaces", {}).items() if isinstance(own, Mapping)}
    values = {s: dict(own["values"]) for s, own in own_tables.items() if "values" in own}
    seed = {s: tuple(own["seed"]) for s, own in own_tables.items() if "seed" in own}
    return Target(name=doc.get("name") or Path(source).stem, endpoints=endpoints,
                  regions=regions, credentials=credentials, signature=signature,
                  rate_limit=float(rate) if rate is not None else None,
                  expectations=expectations,
                  strict_undocumented_fields=doc.get("strict_undocumented_fields", True),
                  declared_limits=dict(doc.get("declared_limits", {})), source=source,
                  push_time_scale=float(doc.get("push_time_scale", 1.0)),
                  second_credentials=second, values=values, seed=seed, base_dir=base_dir)


def load_target(path: str | Path, *, env: Mapping[str, str] | None = None,
                credentials: Credentials | None = None, specs: SpecSet | None = None) -> Target:
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
                               credentials=credentials, line_of=toml_lines(text), specs=specs)


def target_from_url(url: str, *, region: str | None = None,
                    env: Mapping[str, str] | None = None,
                    credentials: Credentials | None = None, name: str | None = None,
                    rate_limit: float | None = None, specs: SpecSet | None = None,
                    surfaces: tuple[str, ...] | None = None) -> Target:
    """A target serving every surface (or ``surfaces``) and every host at one address.

    ``region`` defaults to :func:`default_region` of the specs.
    """
    specs = specs or load_specs()
    doc: dict[str, Any] = {"region": region or default_region(specs),
                           "name": name or without_userinfo(url)}
    if surfaces is None:
        doc["url"] = url
    else:
        doc["surfaces"] = {s: {"url": url} for s in surfaces}
    if rate_limit is not None:
        doc["rate_limit"] = rate_limit
    return target_from_mapping(doc, source=without_userinfo(url), env=env,
                               credentials=credentials, specs=specs)


def default_region(specs: SpecSet) -> str:
    """The first region listed by the first surface whose requests carry one."""
    return next((a.facts.region_ids[0] for a in specs.apis.values()
                 if needs_region(a.facts) and a.facts.region_ids), "")


#: Longest a seed command may run.
SEED_TIMEOUT = 300.0


def run_seeds(target: Target, apis: Iterable[str]) -> None:
    """Run the seed command of each of ``apis`` that has one, once; ConfigError when one fails
    (its exit status and the tail of its output, never the environment it ran with)."""
    import subprocess

    for api in dict.fromkeys(a for a in apis if a in target.seed):
        argv = list(target.seed[api])
        try:
            proc = subprocess.run(argv, cwd=target.base_dir, capture_output=True, text=True,
                                  timeout=SEED_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ConfigError(f"{target.source}: seed command of {api} {argv[0]!r} did not "
                              f"run: {exc.__class__.__name__}: {exc}") from None
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout)[-300:].strip()
            raise ConfigError(f"{target.source}: seed command of {api} {argv[0]!r} exited "
                              f"{proc.returncode}: {tail}")
