"""The two fixtures the behaviour suites need that cmqconform.pytest_plugin does not offer yet.

Everything else (cmq_specs, cmq_target, cmq_session, cmq_resources, the clause marker, results)
comes from the plugin. These placeholders answer for the plugin's embedded emulator, which it
starts with one account and unscaled push waits; they belong in the plugin (issue 6 report).
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def cmq_push_time_scale() -> float:
    """Factor the target applies to push retry waits: 1.0, the plugin starts no scaled emulator."""
    return 1.0


@pytest.fixture(scope="session")
def cmq_second_session() -> None:
    """A session with a second account of the target: none, the plugin declares no second one."""
    return None
