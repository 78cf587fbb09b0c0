"""Run the emulator on a real loopback port: embedded in a background thread, or in the foreground.

Embedding (the suite's default target, tests, the benchmark)::

    with EmulatorServer({"AKIDtest": "secret"}) as base_url:
        ...  # http://127.0.0.1:PORT serves both API surfaces

The product (``cmq`` unless :class:`ServerOptions` names another) is built through the registry
by id, with the mutants the options name.

``serve`` runs it in the foreground until SIGINT or SIGTERM (uvicorn's own handlers: it stops
accepting, finishes in-flight requests, then runs the lifespan shutdown).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from starlette.applications import Starlette

from cmqconform.emulator.app import create_app
from cmqconform.emulator.asgi import ThreadServer, guarded_options
from cmqconform.emulator.auth import AccountKeys
from cmqconform.emulator.clock import ServerClock
from cmqconform.emulator.product import (
    DEFAULT_PRODUCT,
    NO_MUTANTS,
    Mutants,
    ProductEmulator,
    build_product,
)
from cmqconform.models import SpecSet
from cmqconform.spec import load_specs

log = logging.getLogger("cmqconform.emulator")
#: How often an emulator started with ``exit_with_parent`` looks at its parent (seconds).
PARENT_POLL_SECONDS = 0.5



@dataclass(frozen=True, slots=True)
class ServerOptions:
    """The knobs of ``cmqconform serve`` beyond host, port and accounts."""

    #: The product whose emulator serves (its package under :mod:`cmqconform.products`).
    product: str = DEFAULT_PRODUCT
    #: The deliberate deviations to run with (checked against the product's catalog).
    mutants: Mutants = NO_MUTANTS
    rate_limit: int | None = None
    #: A file to append one JSON line per request to (the bench counts requests from it).
    request_log: Path | None = None
    name_release_seconds: float | None = None
    push_time_scale: float = 1.0
    #: SecretId -> session token: those accounts are temporary credentials.
    tokens: Mapping[str, str] = field(default_factory=dict)


def build_app(accounts: Mapping[str, str], options: ServerOptions, *,
              specs: SpecSet | None = None, clock: ServerClock | None = None,
              emulator: ProductEmulator | None = None) -> Starlette:
    """A fresh product emulator (or ``emulator``, already built) and the ASGI app serving it
    for ``accounts`` (SecretId -> SecretKey); ConfigError when the product or a mutant is
    unknown."""
    specs = specs or load_specs()
    product = emulator or build_product(
        options.product, specs, mutants=options.mutants, clock=clock,
        name_release_seconds=options.name_release_seconds,
        push_time_scale=options.push_time_scale)
    return create_app(product, AccountKeys(dict(accounts), dict(options.tokens)), specs=specs,
                      rate_limit=options.rate_limit, clock=clock,
                      request_log=options.request_log)


class EmulatorServer(ThreadServer):
    """The emulator on ``host:port`` in a daemon thread; ``port=0`` picks a free port.

    ``options.product`` picks the product (through the registry); ``emulator`` serves one
    already built instead (the mock of a product that has its own, in tests).
    """

    def __init__(self, accounts: Mapping[str, str], host: str = "127.0.0.1", port: int = 0,
                 options: ServerOptions | None = None, *, specs: SpecSet | None = None,
                 clock: ServerClock | None = None, log_level: str = "warning",
                 emulator: ProductEmulator | None = None) -> None:
        super().__init__(build_app(accounts, options or ServerOptions(), specs=specs,
                                   clock=clock, emulator=emulator),
                         host, port, log_level=log_level, name="emulator")


def _stop_when_orphaned(parent: int) -> None:
    """SIGTERM this process (uvicorn's graceful stop) once ``parent`` is no longer its parent:
    a run killed outright (SIGKILL, a CI timeout) leaves no emulator behind."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    log.warning("the process that started this emulator is gone: stopping")
    os.kill(os.getpid(), signal.SIGTERM)


def serve(accounts: Mapping[str, str], host: str, port: int, options: ServerOptions,
          log_level: str = "info", *, exit_with_parent: bool = False) -> None:
    """Serve in the foreground until SIGINT or SIGTERM (with the control endpoints), or, with
    ``exit_with_parent``, until the process that started it exits."""
    from cmqconform.emulator.control import ControlApp

    specs = load_specs()

    def make() -> tuple[ProductEmulator, Starlette]:
        product = build_product(options.product, specs, mutants=options.mutants,
                                name_release_seconds=options.name_release_seconds,
                                push_time_scale=options.push_time_scale)
        return product, build_app(accounts, options, specs=specs, emulator=product)

    app = ControlApp(make)
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(message)s")
    log.info("cmqconform %s emulator on http://%s:%d (%d account(s)); Ctrl-C stops it; "
             "GET /_cmqconform/health, POST /_cmqconform/reset", options.product, host, port,
             len(accounts))
    if options.mutants:
        log.warning("MUTANT %s is active: this emulator deviates from the specs on purpose",
                    options.mutants)
    # uvicorn re-raises the signal it stopped on once shut down; a no-op handler turns that
    # into a normal return, so a clean stop exits 0.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    if exit_with_parent:
        threading.Thread(target=_stop_when_orphaned, args=(os.getppid(),), daemon=True,
                         name="exit-with-parent").start()
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False,
                log_config=None, lifespan="on", **guarded_options())
