"""ROMA Connect's scenario fixtures: one query helper over the names the target holds.

The scenarios know no data set: each first reads the whole topic (the topic-only query), then
checks what a time range, a page, a filter or the content query must answer from it. The names
(project, instance, topic) are the specs' recipe values (specs/roma/product.yaml).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from roma_steps import Roma

from cmqconform.session import Session


@pytest.fixture(scope="session")
def roma(cmq_session: Session) -> Roma:
    """Query helper for the roma.v2 surface of the target."""
    return Roma(cmq_session)


@pytest.fixture(scope="session")
def roma_all(roma: Roma) -> list[dict[str, Any]]:
    """Every message of the recipe's topic (skips when it holds too few to test with)."""
    got = roma.ok("topic-only query")
    messages = list(got.data["messages"])
    if len(messages) < roma.MIN_MESSAGES:
        pytest.skip(f"the target's topic holds {len(messages)} messages; the scenarios need "
                    f"{roma.MIN_MESSAGES} (seed it, see docs/adding-a-product.md)")
    return messages


@pytest.fixture
def roma_raw(roma: Roma) -> Callable[..., Any]:
    """Send the query with its URL or method altered (malformed-path scenarios)."""
    return roma.raw
