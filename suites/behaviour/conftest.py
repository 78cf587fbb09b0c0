"""CMQ's scenario fixtures: a client per CMQ surface and factories of CMQ's resource kinds.

The plugin's fixtures are product-neutral; these name CMQ's surfaces (``specs/cmq``).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from behaviour_steps import LEGACY, V3

from cmqconform.pytest_plugin import Client, resource_factory


@pytest.fixture(scope="session")
def cmq_v3(cmq_client: Callable[[str], Client]) -> Client:
    """A CMQ API 3.0 client."""
    return cmq_client(V3)


@pytest.fixture(scope="session")
def cmq_legacy(cmq_client: Callable[[str], Client]) -> Client:
    """A CMQ legacy API client."""
    return cmq_client(LEGACY)


cmq_queue = resource_factory("queue", V3)
cmq_topic = resource_factory("topic", V3)
cmq_subscription = resource_factory("subscription", V3)
