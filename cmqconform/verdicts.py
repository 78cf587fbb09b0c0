"""Frozen records of the engine: what a case expects, what came back, and the verdict.

``Case`` (generated from the specs) -> ``Exchange`` (one signed request and its decoded answer)
-> ``Verdict``. These depend only on :mod:`cmqconform.models`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cmqconform.models import Cite, ErrorRef, Need

#: Every verdict, in report order. ``error`` is suite or transport trouble, never a fail.
VERDICTS = ("pass", "fail", "error", "skip", "disabled", "xfail", "xpass")
#: Verdicts whose cases exercised their clauses (what run coverage counts as tested).
TESTED = frozenset({"pass", "fail", "xfail", "xpass"})


@dataclass(frozen=True, slots=True)
class Expected:
    """The outcome a case expects: success, or an error answered by any of ``accept``."""

    success: bool
    accept: tuple[ErrorRef, ...] = ()
    #: errors.yaml condition names that decided ``accept``.
    conditions: tuple[str, ...] = ()
    #: Errata ids whose reading decided the codes.
    errata: tuple[str, ...] = ()
    #: The doc line stating the rule the case tests.
    source: Cite | None = None
    #: Where an erratum reads the doc as "ignored or refused": success is acceptable too.
    or_success: bool = False

    @classmethod
    def ok(cls, source: Cite | None = None) -> Expected:
        """A success."""
        return cls(True, source=source)

    def matches(self, code: str | int | None, module: int | None) -> bool:
        """Whether an error (code, module) is acceptable; a ref without a module accepts any."""
        return any(ref.code == code and (ref.module is None or ref.module == module)
                   for ref in self.accept)

    def describe(self) -> str:
        """``success`` or the acceptable codes joined by ``|`` (legacy ``4000/10350``)."""
        if self.success:
            return "success"
        codes = "|".join(dict.fromkeys(str(ref) for ref in self.accept))
        return f"success|{codes}" if self.or_success else codes

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form for results.json."""
        return {
            "outcome": "success" if self.success else
                       ("success-or-error" if self.or_success else "error"),
            "accept": [{"code": r.code, "module": r.module} if r.module is not None
                       else {"code": r.code} for r in self.accept],
            "conditions": list(self.conditions),
            "errata": list(self.errata),
            "source": str(self.source) if self.source else None,
        }


@dataclass(frozen=True, slots=True)
class Case:
    """One generated contract case: an action, its parameters and the outcome the specs give."""

    id: str
    api: str
    action: str
    kind: str
    params: Mapping[str, Any]
    expected: Expected
    clause_ids: tuple[str, ...]
    #: ``VisibilityTimeout=43201``: the input that makes the case, as shown in messages.
    label: str
    #: Common-parameter overrides (Version, Region, Action...), as dialects.call.Call.common.
    common: Mapping[str, str | None] = field(default_factory=dict)
    #: An auth tampering: bad_signature, unknown_secret_id, expired_timestamp, missing_auth.
    tamper: str | None = None
    setup: tuple[Need, ...] = ()
    #: Legacy ``name.n`` index base for this call (None: the spec's first).
    array_base: int | None = None
    #: The signature method to sign with instead of the target's (an auth scheme's own cases).
    signature: str | None = None


@dataclass(frozen=True, slots=True)
class Evidence:
    """Redacted request and response, as kept in reports."""

    method: str = ""
    url: str = ""
    request_headers: Mapping[str, str] = field(default_factory=dict)
    request_body: str = ""
    status: int | None = None
    response_headers: Mapping[str, str] = field(default_factory=dict)
    response_body: str = ""

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form."""
        return {
            "request": {"method": self.method, "url": self.url,
                        "headers": dict(self.request_headers), "body": self.request_body},
            "response": {"status": self.status, "headers": dict(self.response_headers),
                         "body": self.response_body},
        }


class MissingMember(AssertionError):
    """A documented response member the answer lacks: a contract failure naming the member and
    its clause (an AssertionError, so a scenario reading it ends as ``fail``, never ``error``)."""


class Members(dict[str, Any]):
    """Response members as read by a scenario: ``data["msgId"]`` on an answer without ``msgId``
    raises :class:`MissingMember` naming ``<surface>.<Action>.response.msgId``, not a KeyError."""

    def __init__(self, items: Mapping[str, Any], clause: str, path: str = "") -> None:
        super().__init__({k: _wrap(v, clause, f"{path}{k}.") for k, v in items.items()})
        self.clause = clause
        self.path = path

    @classmethod
    def of(cls, items: Mapping[str, Any], api: str, action: str) -> Members:
        """The members of ``action``'s answer on ``api``; nested objects are wrapped too."""
        return cls(items, f"{api}.{action}.response")

    def __missing__(self, key: str) -> Any:
        top = (self.path.split(".", 1)[0] or key) if self.path else key
        raise MissingMember(f"the answer has no member {self.path}{key!r}, which the specs "
                            f"document ({self.clause}.{top})")


def _wrap(value: Any, clause: str, path: str) -> Any:
    if isinstance(value, Mapping):
        return Members(value, clause, path)
    if isinstance(value, list):
        return [_wrap(v, clause, path) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request and its decoded answer; ``fault`` is set when nothing usable came back."""

    ok: bool
    request_id: str | None = None
    #: Success members (v3: the object inside Response; legacy: the whole body).
    data: Mapping[str, Any] = field(default_factory=dict)
    code: str | int | None = None
    module: int | None = None
    message: str = ""
    #: Transport or decoding trouble (timeout, reset, unparseable body); makes an error verdict.
    fault: str | None = None
    evidence: Evidence = field(default_factory=Evidence)
    #: A JSON answer that breaks the envelope (a member missing or of the wrong type), naming
    #: the envelope clause; makes a fail verdict.
    breach: str | None = None

    def describe(self) -> str:
        """``success``, ``InvalidParameter`` or ``4000/10350``, with the message when an error."""
        if self.fault:
            return f"no answer ({self.fault})"
        if self.breach:
            return f"an answer breaking the envelope: {self.breach}"
        if self.ok:
            return "success"
        code = f"{self.code}/{self.module}" if self.module is not None else str(self.code)
        return f"{code} ({self.message})" if self.message else code


@dataclass(frozen=True, slots=True)
class Failure:
    """A check that found the target in breach: a title and a message naming the rule."""

    title: str
    message: str
    clause_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Verdict:
    """The judgement of one case against one target."""

    case_id: str
    verdict: str
    clause_ids: tuple[str, ...]
    expected: str
    received: str
    message: str = ""
    source: str | None = None
    api: str | None = None
    action: str | None = None
    failures: tuple[Failure, ...] = ()
    evidence: Evidence | None = None
    #: The structured outcome the case was judged against (None for a scenario).
    expects: Expected | None = None
    #: The generator's kind of the case (:data:`CASE_KINDS`; None for a scenario).
    case_kind: str | None = None

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}: {self.verdict!r}")
