"""Credentials and the Secret wrapper that keeps key material out of every repr, log and error."""

from __future__ import annotations

from dataclasses import dataclass

MASK = "***"


class Secret:
    """A string that never shows itself: repr, str and format give ``***``; ``reveal()`` gives it.

    Equality compares the hidden values, so tests can assert on credentials without printing them.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"Secret wraps a str, got {type(value).__name__}")
        self._value = value

    def reveal(self) -> str:
        """The hidden value; call it only where the value is consumed (an HMAC key, a header)."""
        return self._value

    def __repr__(self) -> str:
        return MASK

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would write the key to disk or to an xdist worker channel in clear text.
        raise TypeError("a Secret cannot be pickled")


def mask_id(secret_id: str) -> str:
    """A SecretId shortened for display: its first 4 characters and a mask."""
    return f"{secret_id[:4]}{MASK}" if secret_id else ""


@dataclass(frozen=True, slots=True)
class Credentials:
    """A SecretId, its SecretKey and an optional session token (temporary credentials)."""

    secret_id: str
    secret_key: Secret
    token: Secret | None = None

    @classmethod
    def of(cls, secret_id: str, secret_key: str, token: str | None = None) -> Credentials:
        """Build from plain strings, wrapping the secret parts."""
        return cls(secret_id, Secret(secret_key), Secret(token) if token else None)

    def secrets(self) -> tuple[str, ...]:
        """The revealed secret values, for scrubbing evidence by value."""
        return tuple(s.reveal() for s in (self.secret_key, self.token) if s is not None and s)

    def __repr__(self) -> str:
        token = MASK if self.token is not None else None
        return (f"Credentials(secret_id={mask_id(self.secret_id)!r}, secret_key={MASK}, "
                f"token={token})")

    __str__ = __repr__
