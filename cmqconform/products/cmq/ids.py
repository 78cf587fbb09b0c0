"""Resource ids in the shapes the doc's examples show (queue-kc7m75to, msgId 123345346...)."""

from __future__ import annotations

import hashlib
import secrets
import string

_ALNUM = string.ascii_lowercase + string.digits


def resource_id(prefix: str) -> str:
    """``<prefix>-`` and 8 lowercase letters or digits, e.g. ``queue-kc7m75to``."""
    return prefix + "-" + "".join(secrets.choice(_ALNUM) for _ in range(8))


def numeric_id() -> str:
    """A 15-digit decimal string, the shape of legacy msgId and receiptHandle values."""
    return str(secrets.randbelow(9 * 10**14) + 10**14)


def app_id(account: str) -> str:
    """A stable numeric APPID for an account key (the key itself when it is already a number).

    The push body's TopicOwner is a number (cmq-api.txt:6126); accounts are keyed by SecretId,
    which must not be echoed into pushes, so other keys map to a digest-derived number.
    """
    if account.isdigit():
        return account
    digest = hashlib.sha256(account.encode()).digest()
    return str(int.from_bytes(digest[:4], "big") + 10**9)
