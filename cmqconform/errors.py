"""Engine faults: errors of the suite itself, never verdicts about a target."""

from __future__ import annotations


class CmqConformError(Exception):
    """Base class of every fault raised by cmqconform."""


class SpecError(CmqConformError):
    """A spec file is malformed or inconsistent; names ``file:line`` and the rule broken."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 rule: str | None = None) -> None:
        self.file = file
        self.line = line
        self.rule = rule
        self.detail = message
        super().__init__(self.__str__())

    @property
    def location(self) -> str:
        """``file:line`` (or just the file) where the problem is."""
        if self.file is None:
            return "<specs>"
        return f"{self.file}:{self.line}" if self.line else self.file

    def __str__(self) -> str:
        rule = f" [{self.rule}]" if self.rule else ""
        return f"{self.location}: {self.detail}{rule}"


class ConfigError(CmqConformError):
    """Bad user configuration (target file, CLI option); names the field."""


class TransportError(CmqConformError):
    """The transport to a target failed (timeout, reset, refused)."""
