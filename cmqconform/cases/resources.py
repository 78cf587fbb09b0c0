"""Run-prefixed resource names.

What each action needs before it can succeed, and which members name which resource kind, are
product data (``product.yaml`` ``resources`` and ``recipes``), read into
:attr:`~cmqconform.models.ActionSpec.recipe` and :attr:`~cmqconform.models.ParamSpec.resource`.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass

#: Every resource the suite creates starts with this; the sweeper touches nothing else.
SUITE_PREFIX = "cmqc"

_SAFE = re.compile(r"[^a-z0-9]")


def new_run_id() -> str:
    """A short random run id: lower-case letters and digits."""
    return secrets.token_hex(3)


@dataclass(slots=True)
class Namer:
    """Hands out unique, run-prefixed resource names: ``cmqc-<run>-<worker>-<n>``.

    Names begin with a letter and use only letters, digits and dashes, so they satisfy the name
    pattern; padded names keep the prefix so that even a refused over-long name could be swept.
    """

    run_id: str
    worker: str = "w0"
    counter: int = 0

    @property
    def run_prefix(self) -> str:
        """The prefix of every name of this run."""
        return f"{SUITE_PREFIX}-{self.run_id}-"

    def name(self, length: int | None = None, tail: str = "") -> str:
        """A fresh name, exactly ``length`` characters long (before ``tail``) when asked."""
        self.counter += 1
        worker = _SAFE.sub("", self.worker.lower()) or "w"
        base = f"{self.run_prefix}{worker}-{self.counter}-{os.getpid() % 1000}"
        if length is not None:
            base = (base + "x" * length)[:length] if length >= len(base) else base[:length]
        return base + tail
