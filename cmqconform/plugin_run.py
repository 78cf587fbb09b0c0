"""The state of one conformance run inside one pytest process (controller or xdist worker).

Kept apart from :mod:`cmqconform.pytest_plugin` so that the plugin module stays a thin layer of
hooks and fixtures. The controller decides the run id, starts the embedded emulator (in a child
process, so its event loop never competes with the suite for the GIL) and hands workers what
they need; credentials travel through the environment, never through the worker channel.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

from cmqconform.cases.resources import Namer, new_run_id
from cmqconform.coverage import coverage, load_ineligible
from cmqconform.dialects import Credentials, get_dialect
from cmqconform.errors import ConfigError
from cmqconform.expectations import Expectation, load_expectations
from cmqconform.models import Clause, SpecSet
from cmqconform.netutil import free_port
from cmqconform.provision import Pool, sweep
from cmqconform.ratelimit import FileRateLimiter
from cmqconform.results import CaseLog, now_iso, read_cases, reset
from cmqconform.session import Sent, Session
from cmqconform.spec import load_specs
from cmqconform.spec.select import select_surfaces
from cmqconform.targets import (
    SECRET_ID_ENV,
    SECRET_KEY_ENV,
    Target,
    default_region,
    load_target,
    needs_region,
    run_seeds,
    target_from_mapping,
    target_from_url,
)
from cmqconform.verdicts import TESTED, Exchange

EMBEDDED = ("emulator", "embedded")
STARTUP_SECONDS = 30.0
#: The embedded emulator scales its push retry waits by this (BACKOFF_RETRY's 10-20 s become
#: 0.1-0.2 s), so the retry scenarios finish in seconds; it declares the factor to the suite.
EMBEDDED_PUSH_TIME_SCALE = 0.01
#: Requests per second per action of the throttled embedded emulator (throttling scenarios).
EMBEDDED_RATE_LIMIT = 5
#: The declared_limits keys of a target's request rate, per surface.
RATE_KEYS = ("v3_requests_per_second", "legacy_requests_per_second")
#: declared_limits the embedded emulator affords: target key -> service.yaml ``limits`` key.
EMBEDDED_LIMITS = {"topics": "topics_per_account",
                   "subscriptions_per_topic": "subscriptions_per_topic"}


def embedded_credentials() -> tuple[str, str]:
    """A random SecretId/SecretKey pair for an embedded emulator."""
    return f"AKIDcmqc{secrets.token_hex(8)}", secrets.token_urlsafe(24)


#: The stderr log of each embedded server by its pid, removed when the server is stopped.
_LOGS: dict[int, Path] = {}


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    """Terminate a child server, killing it when it has not stopped within 10 s; remove the log
    :func:`start_embedded` gave it."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
    log = _LOGS.pop(proc.pid, None)
    if log is not None:
        log.unlink(missing_ok=True)


def start_embedded(secret_id: str, secret_key: str, mutant: str | None = None, *,
                   extra: Sequence[str] = ()) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``cmqconform serve`` (plus ``extra`` options, ``--product`` among them) on a free
    loopback port.

    Returns the process and its URL.
    """
    port = free_port()
    env = dict(os.environ, **{SECRET_ID_ENV: secret_id, SECRET_KEY_ENV: secret_key})
    # A file, not a pipe: an unread pipe fills up and blocks the emulator mid-run.
    handle, name = tempfile.mkstemp(prefix="cmqc-emulator-", suffix=".log")
    log_path = Path(name)
    with os.fdopen(handle, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "cmqconform.cli", "serve", "--host",
                                 "127.0.0.1", "--port", str(port), "--log-level", "warning",
                                 "--exit-with-parent",
                                 *(["--mutant", mutant] if mutant else []), *extra],
                                env=env, stdout=subprocess.DEVNULL, stderr=log)
    _LOGS[proc.pid] = log_path
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = log_path.read_text(errors="replace")[-500:]
            _LOGS.pop(proc.pid, None)
            log_path.unlink(missing_ok=True)
            raise ConfigError(f"the embedded emulator exited at start: {err}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    stop_process(proc)
    raise ConfigError(f"the embedded emulator did not listen within {STARTUP_SECONDS:.0f} s")


def resolve_target(arg: str | None, specs: SpecSet) -> Target:
    """``NAME|URL|FILE`` -> Target (URL credentials from the environment)."""
    assert arg is not None
    if arg.startswith(("http://", "https://")):
        return target_from_url(arg, specs=specs)
    path = Path(arg)
    if path.is_file():
        return load_target(path, specs=specs)
    # A NAME is a file of the project's own targets/ folder (docs/targets.md), where it runs.
    candidate = Path("targets") / f"{arg}.toml"
    if candidate.is_file():
        return load_target(candidate, specs=specs)
    raise ConfigError(f"target {arg!r}: not a URL (http://, https://), an existing target file, "
                      f"or a NAME with targets/{arg}.toml in {Path.cwd()}")


class CmqRun:
    """Run state for one process; everything starts lazily on first use."""

    def __init__(self, config: pytest.Config, shared: dict[str, Any]) -> None:
        self.config = config
        self._shared = shared
        self.active = bool(shared)
        self.worker = str(getattr(config, "workerinput", {}).get("workerid", "main"))
        #: The embedded servers by product (and the throttled ones, started on demand).
        self._servers: dict[str, subprocess.Popen[bytes]] = {}
        self._throttled: dict[str, subprocess.Popen[bytes]] = {}
        self._session: Session | None = None
        self._pool: Pool | None = None
        self._lender: Pool | None = None
        self._extra: dict[str, Session | None] = {}
        self._secrets_dir: str | None = None
        self._log: CaseLog | None = None
        self.started_at = str(shared.get("started_at", now_iso()))
        report = config.option.cmq_report_dir
        self.report_dir = Path(report) if report else None
        self.specs = load_specs()
        self.apis = select_surfaces(self.specs, config.option.cmq_product,
                                    config.option.cmq_api)

    # -- controller -------------------------------------------------------------------------
    def prepare_controller(self) -> None:
        """Decide the run id, start the embedded emulator when no target is given."""
        if self._shared:
            return
        self.active = True
        arg = self.config.option.cmq_target
        url = None
        secrets_file = None
        if arg is None or arg in EMBEDDED:
            (secret_id, secret_key), second = embedded_credentials(), embedded_credentials()
            # The second account is temporary credentials, so the token scenarios can run.
            token = secrets.token_urlsafe(24)
            main = [secret_id, secret_key]
            if self._token_auth(self.run_products()):
                # A dialect authenticating by token alone: the main account is issued one too.
                main.append(secrets.token_urlsafe(24))
            os.environ[SECRET_ID_ENV], os.environ[SECRET_KEY_ENV] = secret_id, secret_key
            # Workers may be running already (xdist starts them before this hook), so the keys
            # reach them in a private file; they never cross the xdist channel.
            secrets_file = self._write_secrets({"main": main, "second": [*second, token]})
            # One server per product of the run: its own emulator, or the mock of its specs.
            # The second account and the tokens reach it in a private file, never on its
            # command line (which any process of the machine can read).
            url = {}
            for product, mutant in self.embedded_products():
                tokens = {second[0]: token}
                if len(main) > 2 and self._token_auth((product,)):
                    tokens[secret_id] = main[2]
                keys = self._private_file(f"serve-{product}.json", {
                    "accounts": {second[0]: second[1]}, "tokens": tokens})
                self._servers[product], url[product] = start_embedded(
                    secret_id, secret_key, mutant,
                    extra=["--product", product, "--accounts-file", keys,
                           "--push-time-scale", str(EMBEDDED_PUSH_TIME_SCALE)])
        elif not str(arg).startswith(("http://", "https://")):
            # A target file may seed a read-only API's data: once, before any worker reads it.
            run_seeds(resolve_target(arg, self.specs), self.apis)
        if arg not in (None, *EMBEDDED) and self.config.option.cmq_preflight:
            from cmqconform.preflight import preflight

            with Session(self.specs, resolve_target(arg, self.specs)) as session:
                preflight(session, self.apis)
        limiter = tempfile.mkdtemp(prefix="cmqc-rate-")
        if self.report_dir is not None:
            reset(self.report_dir)
        self._shared = {"target": arg, "url": url, "run_id": new_run_id(),
                        "limiter_dir": limiter, "started_at": self.started_at,
                        "secrets_file": secrets_file}

    def _write_secrets(self, accounts: Mapping[str, list[str]]) -> str:
        return self._private_file("accounts.json", accounts)

    def _private_file(self, name: str, content: Mapping[str, Any]) -> str:
        """Write ``content`` as JSON to a file only this user can read; its path."""
        if self._secrets_dir is None:
            self._secrets_dir = tempfile.mkdtemp(prefix="cmqc-keys-")  # mode 0700
        path = Path(self._secrets_dir) / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(content, handle)
        return str(path)

    def _embedded_accounts(self) -> dict[str, Credentials]:
        path = Path(str(self._shared["secrets_file"]))
        accounts = json.loads(path.read_text(encoding="utf-8"))
        return {role: Credentials.of(*pair) for role, pair in accounts.items()}

    def shared(self) -> dict[str, Any]:
        """What workers receive (no secrets)."""
        return dict(self._shared)

    def run_products(self) -> tuple[str, ...]:
        """The products whose surfaces the run selects, in specs order."""
        return tuple(dict.fromkeys(self.specs.apis[s].product for s in self.apis))

    def embedded_products(self) -> list[tuple[str, str | None]]:
        """Each product of the run, with the ``--cmq-emulator-mutant`` its server runs.

        The mutant goes to every server whose catalog knows it; a name no product of the run
        knows is a usage error naming the valid ones.
        """
        from cmqconform.products import mutant_catalog  # the registry, by name: never statically

        mutant = self.config.option.cmq_emulator_mutant
        products = self.run_products()
        catalogs = {p: mutant_catalog(p, self.specs) for p in products}
        if mutant and not any(mutant in c for c in catalogs.values()):
            valid = sorted({name for c in catalogs.values() for name in c})
            raise ConfigError(f"unknown mutant {mutant!r} for {', '.join(products)}; valid "
                              f"names: {', '.join(valid)}")
        return [(p, mutant if mutant in catalogs[p] else None) for p in products]

    def embedded_target(self, urls: Mapping[str, str], credentials: Credentials,
                        name: str) -> Target:
        """A target sending each surface of the run to its product's embedded server."""
        surfaces: dict[str, dict[str, str]] = {}
        for api in self.apis:
            facts = self.specs.apis[api].facts
            row = {"url": urls[facts.product]}
            if needs_region(facts) and facts.region_ids:
                row["region"] = facts.region_ids[0]
            surfaces[api] = row
        return target_from_mapping({"name": name, "surfaces": surfaces,
                                    "region": default_region(self.specs)},
                                   source=", ".join(urls.values()), credentials=credentials,
                                   specs=self.specs)

    def _token_auth(self, products: tuple[str, ...]) -> bool:
        """Whether a surface of ``products`` in the run authenticates by a token alone."""
        return any(getattr(get_dialect(self.specs.api(s).dialect), "token_auth", False)
                   for s in self.apis if self.specs.apis[s].product in products)

    # -- lazily built -------------------------------------------------------------------------
    def ensure(self) -> None:
        """Build specs, target and session on first use."""
        if self._session is not None:
            return
        if not self._shared:
            self.prepare_controller()
        url = self._shared.get("url")
        self.embedded = url is not None
        if url:
            accounts = self._embedded_accounts()
            limits = {name: limit.value for product in self.specs.products.values()
                      for name, limit in product.limits.items()}
            self.target = replace(
                self.embedded_target(url, accounts["main"], "embedded emulator"),
                push_time_scale=EMBEDDED_PUSH_TIME_SCALE, second_credentials=accounts["second"],
                declared_limits={key: int(limits[name]) for key, name in EMBEDDED_LIMITS.items()
                                 if name in limits})
        else:
            self.target = resolve_target(self._shared["target"], self.specs)
        limiter = None
        if self.target.rate_limit and not self.embedded:
            limiter = FileRateLimiter(Path(self._shared["limiter_dir"]), self.target.rate_limit)
        self.namer = Namer(self._shared["run_id"], self.worker)
        self._session = Session(self.specs, self.target, limiter=limiter, retry_throttled=True)
        # Strict by default; a target file may relax undocumented-field checking.
        self.strict = self.target.strict_undocumented_fields

    @property
    def session(self) -> Session:
        """The session with the target."""
        self.ensure()
        assert self._session is not None
        return self._session

    @property
    def pool(self) -> Pool:
        """The resources this process lends to its generated cases (resource reuse)."""
        if self._pool is None:
            # It takes the lender's free resources before making its own (never the reverse).
            self._pool = Pool(self.session, self.namer, donor=self.lender, surfaces=self.apis)
        return self._pool

    @property
    def lender(self) -> Pool:
        """The emptied resources this process lends to its scenarios (never to generated
        cases, whose pooled queues may still receive a push from a pooled subscription)."""
        if self._lender is None:
            self._lender = Pool(self.session, self.namer, surfaces=self.apis)
        return self._lender

    def drain_pool(self) -> list[str]:
        """Delete this process's pooled resources; the problems met (never raises)."""
        problems: list[str] = []
        for pool in (self._pool, self._lender):
            if pool is None:
                continue
            try:
                problems += pool.drain()
            except Exception as exc:  # a dying target must not hide the results
                problems.append(f"pool drain failed: {type(exc).__name__}: {exc}")
        return problems

    def calls_made(self) -> int:
        """How many calls the run's main session has sent (0 before it exists)."""
        return self._session.calls if self._session is not None else 0

    def first_fault_since(self, calls: int) -> Exchange | None:
        """The first call of the main session after ``calls`` calls that got no usable answer."""
        return self._session.first_fault_since(calls) if self._session is not None else None

    def sent(self) -> Sent:
        """What the run's main session has sent: its rate units per surface and action and its
        waits for slots (a snapshot)."""
        return self._session.sent.copy() if self._session is not None else Sent()

    def retries_made(self) -> int:
        """How many throttled calls the main session has sent again."""
        return self._session.retries if self._session is not None else 0

    def last_exchange_since(self, calls: int) -> Exchange | None:
        """The main session's latest exchange, when it sent any after ``calls`` calls."""
        if self._session is None or self._session.calls <= calls:
            return None
        return self._session.last

    def second_session(self) -> Session | None:
        """A session with the target's second account; None when it declares none."""
        self.ensure()
        if "second" not in self._extra:
            second = self.target.second_credentials
            self._extra["second"] = None if second is None else Session(
                self.specs, replace(self.target, credentials=second,
                                    name=f"{self.target.name} (second account)"),
                limiter=self.session.limiter)
        return self._extra["second"]

    def throttled_session(self) -> Session | None:
        """A session with a target that declares its rate limit; None when there is none.

        The target itself when it declares a rate (:data:`RATE_KEYS`); for the embedded
        emulator, another one started with ``--rate-limit`` (throttling the main one would
        throttle every other scenario too).
        """
        self.ensure()
        if "throttled" not in self._extra:
            session: Session | None = None
            if any(key in self.target.declared_limits for key in RATE_KEYS):
                session = self.session
            elif self.embedded:
                creds = self.target.credentials
                urls = {}
                for product, mutant in self.embedded_products():
                    self._throttled[product], urls[product] = start_embedded(
                        creds.secret_id, creds.secret_key.reveal(), mutant,
                        extra=["--product", product, "--rate-limit", str(EMBEDDED_RATE_LIMIT)])
                endpoints = self.embedded_target(urls, creds, "throttled").endpoints
                session = Session(self.specs, replace(
                    self.target, name="embedded emulator (throttled)", endpoints=endpoints,
                    declared_limits=dict.fromkeys(RATE_KEYS, EMBEDDED_RATE_LIMIT)))
            self._extra["throttled"] = session
        return self._extra["throttled"]

    @property
    def logging(self) -> bool:
        """Whether results are being written."""
        return self.report_dir is not None

    def log(self, rec: dict[str, Any]) -> None:
        """Append one case record to this process's log."""
        if self.report_dir is None:
            return
        if self._log is None:
            self._log = CaseLog(self.report_dir, f"{self.worker}-{os.getpid()}")
        self._log.write(rec)

    def close_log(self) -> None:
        """Close this process's case log."""
        if self._log is not None:
            self._log.close()

    def expectations(self) -> list[Expectation]:
        """The expectations in force: the option's file, else the target's."""
        path = self.config.option.cmq_expectations
        if path is None and self.active and self._shared.get("target") not in (None, *EMBEDDED):
            self.ensure()
            path = self.target.expectations
        return load_expectations(path)

    def sweep(self, prefix: str) -> list[str]:
        """Delete leftovers named with ``prefix`` in each account; never raises."""
        try:
            deleted = sweep(self.session, prefix)
            second = self.second_session()
            return deleted + (sweep(second, prefix) if second is not None else [])
        except Exception as exc:  # a dying target must not hide the results
            return [f"sweep failed: {type(exc).__name__}: {exc}"]

    def hurry(self, seconds: float) -> None:
        """Bound every later call of the run's sessions (the sweep after an interrupt)."""
        for session in (self._session, *self._extra.values()):
            if session is not None:
                session.hurry(seconds)

    def target_gone(self) -> str | None:
        """Why the target stopped answering (an embedded server exited; the circuit breaker
        open with no answer since), or None."""
        for product, server in self._servers.items():
            if server.poll() is not None:
                return (f"target died: the embedded {product} server exited "
                        f"({server.returncode})")
        return self._session.unreachable if self._session is not None else None

    def target_info(self) -> dict[str, Any]:
        """The target as results.json shows it (never a secret)."""
        self.ensure()
        return {"name": self.target.name, "embedded": self.embedded,
                "url": next(iter(self.target.endpoints.urls.values())),
                "region": self.target.region}

    @cached_property
    def clauses(self) -> dict[str, Clause]:
        """The specs' clauses by id: each results record names its clause kind and errata."""
        self.ensure()
        return {c.id: c for c in self.specs.all_clauses()}

    def coverage(self) -> dict[str, Any]:
        """Clause coverage of what ran."""
        self.ensure()
        tested = {c for rec in read_cases(self.report_dir or Path(".")) if rec["verdict"] in TESTED
                  for c in rec.get("clause_ids", ())}
        return coverage(self.specs, tested, load_ineligible(), self.apis)

    def close(self) -> None:
        """Close the session and stop the embedded emulator."""
        if self._session is not None:
            self._session.close()
        for extra in self._extra.values():
            if extra is not None and extra is not self._session:
                extra.close()
        self._extra.clear()
        for server in (*self._servers.values(), *self._throttled.values()):
            stop_process(server)
        self._servers.clear()
        self._throttled.clear()
        if self._secrets_dir is not None:
            shutil.rmtree(self._secrets_dir, ignore_errors=True)
            self._secrets_dir = None
        limiter_dir = self._shared.get("limiter_dir")
        if self.worker == "main" and limiter_dir:
            # The controller made the shared rate folder; the workers are done with it.
            shutil.rmtree(str(limiter_dir), ignore_errors=True)
