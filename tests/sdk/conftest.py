"""A live emulator on loopback for the official-client tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cmqconform.emulator.server import EmulatorServer

SID = "AKIDsdkaccount000001"
SKEY = "sdk-secret-key-000001"


@pytest.fixture(scope="module")
def emulator() -> Iterator[str]:
    """Base URL of an emulator serving one account (SID/SKEY), fresh for each module."""
    with EmulatorServer({SID: SKEY}) as base_url:
        yield base_url
