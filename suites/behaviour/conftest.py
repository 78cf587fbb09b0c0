"""Temporary fixture shim for the behaviour suites until cmqconform.pytest_plugin lands.

It provides only what the plugin is specified to provide (a target, a session per account,
run-prefixed resource factories with cleanup, the ``clause`` marker); delete it once the plugin
is enabled. The embedded emulator gets a small push time scale so push retries run in seconds.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator

import pytest

from cmqconform.cases.resources import Namer, new_run_id
from cmqconform.dialects import Credentials
from cmqconform.emulator.server import EmulatorServer, ServerOptions
from cmqconform.models import SpecSet
from cmqconform.provision import Resources
from cmqconform.session import Session, url_target
from cmqconform.spec import load_specs
from cmqconform.targets import Target

#: Push waits of the embedded emulator are multiplied by this (BACKOFF 10-20 s -> 0.1-0.2 s).
PUSH_TIME_SCALE = 0.01


def pytest_configure(config: pytest.Config) -> None:
    """Register the clause marker (the plugin will own it)."""
    config.addinivalue_line("markers", "clause(*ids): the spec clause ids a test checks")


@pytest.fixture(scope="session")
def cmq_specs() -> SpecSet:
    """The loaded specs."""
    return load_specs()


@pytest.fixture(scope="session")
def _accounts() -> dict[str, str]:
    return {f"AKIDcmqcBehaviour{n}{secrets.token_hex(8)}": secrets.token_hex(16)
            for n in ("A", "B")}


@pytest.fixture(scope="session")
def _emulator(_accounts: dict[str, str], cmq_specs: SpecSet) -> Iterator[str]:
    server = EmulatorServer(_accounts, options=ServerOptions(push_time_scale=PUSH_TIME_SCALE),
                            specs=cmq_specs)
    with server as url:
        yield url


@pytest.fixture(scope="session")
def cmq_target(_emulator: str, _accounts: dict[str, str], cmq_specs: SpecSet) -> Target:
    """The target under test (the embedded emulator, first account)."""
    secret_id, key = next(iter(_accounts.items()))
    return url_target(_emulator, Credentials.of(secret_id, key), cmq_specs,
                      name="reference-emulator")


@pytest.fixture(scope="session")
def cmq_push_time_scale() -> float:
    """Factor the target applies to push retry waits (1.0 for a real service)."""
    return PUSH_TIME_SCALE


@pytest.fixture(scope="session")
def cmq_session(cmq_specs: SpecSet, cmq_target: Target) -> Iterator[Session]:
    """A session with the target's first account."""
    with Session(cmq_specs, cmq_target) as session:
        yield session


@pytest.fixture(scope="session")
def cmq_second_session(cmq_specs: SpecSet, _emulator: str,
                       _accounts: dict[str, str]) -> Iterator[Session | None]:
    """A session with a second, separate account of the target (None when there is none)."""
    secret_id, key = list(_accounts.items())[1]
    target = url_target(_emulator, Credentials.of(secret_id, key), cmq_specs, name="second")
    with Session(cmq_specs, target) as session:
        yield session


@pytest.fixture(scope="session")
def cmq_namer() -> Namer:
    """Run-prefixed names, unique per xdist worker."""
    return Namer(new_run_id(), worker=os.environ.get("PYTEST_XDIST_WORKER", "w0"))


@pytest.fixture
def cmq_resources(cmq_session: Session,
                  cmq_namer: Namer) -> Iterator[Callable[[str], Resources]]:
    """A factory of per-surface resource sets, all cleaned up after the test."""
    made: list[Resources] = []

    def factory(api: str) -> Resources:
        res = Resources(cmq_session, api, cmq_namer)
        made.append(res)
        return res

    yield factory
    for res in made:
        res.cleanup()
