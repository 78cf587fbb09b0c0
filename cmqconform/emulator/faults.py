"""The one exception the emulator's state raises: a named condition from errors.yaml."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ItemError:
    """One failed item of a batch (BatchDeleteMessage's ``errorList``)."""

    #: The receipt handle (or other item key) that failed.
    key: str
    condition: str
    message: str


class Fault(Exception):
    """A request the state refuses, named by an errors.yaml ``conditions`` key.

    The HTTP layer answers with the surface's first accepted code for ``condition``. ``param``
    names the offending request parameter when there is one; ``errors`` carries the per-item
    failures of a partially failed batch (condition ``batch_delete_partial``).
    """

    def __init__(self, condition: str, message: str, param: str | None = None,
                 errors: tuple[ItemError, ...] = ()) -> None:
        super().__init__(message)
        self.condition = condition
        self.message = message
        self.param = param
        self.errors = errors

    def __repr__(self) -> str:
        return f"Fault({self.condition!r}, {self.message!r}, param={self.param!r})"
