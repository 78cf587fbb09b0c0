"""Resource ids in the shapes the doc's examples show (queue-kc7m75to, msgId 123345346...)."""

from __future__ import annotations

import secrets
import string

_ALNUM = string.ascii_lowercase + string.digits


def resource_id(prefix: str) -> str:
    """``<prefix>-`` and 8 lowercase letters or digits, e.g. ``queue-kc7m75to``."""
    return prefix + "-" + "".join(secrets.choice(_ALNUM) for _ in range(8))


def numeric_id() -> str:
    """A 15-digit decimal string, the shape of legacy msgId and receiptHandle values."""
    return str(secrets.randbelow(9 * 10**14) + 10**14)
