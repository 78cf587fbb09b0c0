"""Classification audit: a target whose answers are systematically altered must get ``fail``
verdicts naming the broken clause, never only ``error``.

The reference emulator runs behind a small altering transport (issue 20): each alteration drops,
retypes or renames a member of every answer it applies to, or breaks the envelope's types. The
generated cases of a few actions per CMQ surface run through it as ``cmqconform run`` runs them
(:func:`cmqconform.runner.execute`). Only a body that is not JSON at all stays an ``error``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from cmqconform.cases import generate
from cmqconform.cases.resources import Namer, new_run_id
from cmqconform.dialects import Credentials
from cmqconform.emulator.server import EmulatorServer
from cmqconform.models import SpecSet
from cmqconform.runner import execute
from cmqconform.session import Session, url_target
from cmqconform.spec import load_specs
from cmqconform.verdicts import MissingMember, Verdict
from tests.surfaces import LEGACY, V3

SID, SKEY = "AKIDcmqcaudit", "audit-key"
#: The cases audited per surface: successes (members to spoil) and an error answer (envelope).
AUDITED = {
    V3: ("CreateQueue[baseline]", "DescribeQueueDetail[baseline]", "ClearQueue[baseline]",
         "ClearQueue[QueueName=unknown]", "CreateQueue[unknown action]"),
    LEGACY: ("CreateQueue[baseline]", "GetQueueAttributes[baseline]", "ListQueue[baseline]",
             "SendMessage[baseline]", "GetQueueAttributes[queueName=unknown]"),
}
#: Each surface's envelope clause, as its dialect names it.
ENVELOPE = {V3: "cmq.v3.protocol.content_type_json", LEGACY: "cmq.legacy.protocol.envelope"}

Doc = dict[str, Any]


def _inner(doc: Doc) -> Doc:
    """The object holding an answer's members: ``Response`` (API 3.0) or the body (legacy)."""
    inner = doc.get("Response")
    return inner if isinstance(inner, dict) else doc


def _first_member(doc: Doc) -> str | None:
    inner = _inner(doc)
    if "Error" in inner or inner.get("code", 0) != 0:
        return None  # an error answer has no success members
    envelope = {"RequestId", "code", "message", "requestId"}
    return next((k for k in inner if k not in envelope), None)


def drop_member(doc: Doc) -> Doc:
    """The first success member left out."""
    name = _first_member(doc)
    if name is not None:
        del _inner(doc)[name]
    return doc


def retype_member(doc: Doc) -> Doc:
    """The first success member sent as another JSON type (a number as text, else a list)."""
    name = _first_member(doc)
    if name is not None:
        value = _inner(doc)[name]
        _inner(doc)[name] = str(value) if isinstance(value, int) else [value]
    return doc


def rename_member(doc: Doc) -> Doc:
    """The first success member spelled differently."""
    name = _first_member(doc)
    if name is not None:
        _inner(doc)[name + "_"] = _inner(doc).pop(name)
    return doc


def _envelope_edit(edit: Callable[[Doc], None]) -> Callable[[Doc], Doc]:
    def alter(doc: Doc) -> Doc:
        edit(doc)
        return doc
    alter.__doc__ = edit.__doc__
    return alter


@_envelope_edit
def drop_error_message(doc: Doc) -> None:
    """API 3.0: Error.Message left out."""
    error = _inner(doc).get("Error")
    if isinstance(error, dict):
        error.pop("Message", None)


@_envelope_edit
def drop_request_id(doc: Doc) -> None:
    """The request id left out (both surfaces)."""
    _inner(doc).pop("RequestId", None)
    doc.pop("requestId", None)


@_envelope_edit
def retype_request_id(doc: Doc) -> None:
    """The request id sent as a number."""
    for holder in (_inner(doc), doc):
        for name in ("RequestId", "requestId"):
            if name in holder:
                holder[name] = 12345


@_envelope_edit
def rename_legacy_request_id(doc: Doc) -> None:
    """Legacy: requestId spelled RequestId."""
    if "requestId" in doc:
        doc["RequestId"] = doc.pop("requestId")


@_envelope_edit
def stringify_code(doc: Doc) -> None:
    """Legacy: code sent as a string ("0")."""
    if "code" in doc:
        doc["code"] = str(doc["code"])


@_envelope_edit
def drop_legacy_message(doc: Doc) -> None:
    """Legacy: message left out."""
    doc.pop("message", None)


@_envelope_edit
def retype_error_code(doc: Doc) -> None:
    """API 3.0: Error.Code sent as a number."""
    error = _inner(doc).get("Error")
    if isinstance(error, dict):
        error["Code"] = 4000


@_envelope_edit
def wrap_in_list(doc: Doc) -> None:
    """API 3.0: Response sent as a list holding the object."""
    if "Response" in doc:
        doc["Response"] = [doc["Response"]]


@dataclass(frozen=True)
class Alteration:
    """One systematic change to every answer, the surface it applies to, and the clause the
    resulting fails must name (``response`` for the altered action's response clause)."""

    name: str
    api: str
    alter: Callable[[Doc], Doc]
    clause: str


ALTERATIONS = (
    Alteration("v3-error-message-dropped", V3, drop_error_message, "envelope"),
    Alteration("v3-request-id-dropped", V3, drop_request_id, "envelope"),
    Alteration("v3-request-id-retyped", V3, retype_request_id, "envelope"),
    Alteration("v3-error-code-retyped", V3, retype_error_code, "envelope"),
    Alteration("v3-response-not-object", V3, wrap_in_list, "envelope"),
    Alteration("v3-member-dropped", V3, drop_member, "response"),
    Alteration("v3-member-retyped", V3, retype_member, "response"),
    Alteration("v3-member-renamed", V3, rename_member, "response"),
    Alteration("legacy-code-stringified", LEGACY, stringify_code, "envelope"),
    Alteration("legacy-message-dropped", LEGACY, drop_legacy_message, "envelope"),
    Alteration("legacy-request-id-dropped", LEGACY, drop_request_id, "envelope"),
    Alteration("legacy-request-id-renamed", LEGACY, rename_legacy_request_id, "envelope"),
    Alteration("legacy-request-id-retyped", LEGACY, retype_request_id, "envelope"),
    Alteration("legacy-member-dropped", LEGACY, drop_member, "response"),
    Alteration("legacy-member-retyped", LEGACY, retype_member, "response"),
    Alteration("legacy-member-renamed", LEGACY, rename_member, "response"),
)


class AlteringTransport(httpx.BaseTransport):
    """Forwards to the real target and rewrites every JSON answer with ``alter`` (a body that is
    not JSON is replaced by ``raw`` when given)."""

    def __init__(self, alter: Callable[[Doc], Doc] | None, raw: bytes | None = None) -> None:
        self.inner = httpx.HTTPTransport()
        self.alter = alter
        self.raw = raw

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """The target's answer, altered."""
        response = self.inner.handle_request(request)
        body = response.read()
        response.close()
        if self.raw is not None:
            body = self.raw
        elif self.alter is not None:
            body = json.dumps(self.alter(json.loads(body))).encode()
        headers = [(k, v) for k, v in response.headers.multi_items()
                   if k.lower() != "content-length"]
        return httpx.Response(response.status_code, headers=headers, content=body,
                              request=request)

    def close(self) -> None:
        """Close the forwarding transport."""
        self.inner.close()


@pytest.fixture(scope="module")
def specs() -> SpecSet:
    """The specs, loaded once."""
    return load_specs()


@pytest.fixture(scope="module")
def target_url() -> Iterator[str]:
    """The reference emulator on a free loopback port."""
    with EmulatorServer({SID: SKEY}) as url:
        yield url


def run_cases(specs: SpecSet, url: str, api: str, transport: httpx.BaseTransport) -> list[Verdict]:
    """The audited cases of ``api``, run against ``url`` through ``transport``."""
    cases = [c for c in generate(specs, [api]) if c.id in AUDITED[api]]
    assert len(cases) == len(AUDITED[api]), sorted(c.id for c in cases)
    namer = Namer(new_run_id())
    with Session(specs, url_target(url, Credentials.of(SID, SKEY), specs),
                 transport=transport) as session:
        return [execute(case, session, namer) for case in cases]


def _named(verdict: Verdict) -> set[str]:
    return {c for f in verdict.failures for c in f.clause_ids} | set(verdict.clause_ids)


def test_reference_passes_through_the_transport(specs: SpecSet, target_url: str) -> None:
    """The audited cases pass when nothing is altered (the audit measures the alterations)."""
    for api in AUDITED:
        verdicts = run_cases(specs, target_url, api, AlteringTransport(None))
        assert [(v.case_id, v.message) for v in verdicts if v.verdict != "pass"] == []


@pytest.mark.parametrize("alteration", ALTERATIONS, ids=[a.name for a in ALTERATIONS])
def test_each_alteration_fails_naming_its_clause(specs: SpecSet, target_url: str,
                                                 alteration: Alteration) -> None:
    """Every alteration yields fails naming the broken clause, and no error at all."""
    verdicts = run_cases(specs, target_url, alteration.api, AlteringTransport(alteration.alter))
    errors = [(v.case_id, v.message) for v in verdicts if v.verdict == "error"]
    assert errors == [], f"{alteration.name}: errors instead of fails"
    fails = [v for v in verdicts if v.verdict == "fail"]
    assert fails, f"{alteration.name}: no case failed"
    for verdict in fails:
        named = _named(verdict)
        if alteration.clause == "envelope":
            assert ENVELOPE[alteration.api] in named, (verdict.case_id, verdict.message)
        else:
            prefix = f"{alteration.api}.{verdict.action}.response."
            assert any(c.startswith(prefix) for c in named), (verdict.case_id, verdict.message)


def test_a_body_that_is_not_json_stays_an_error(specs: SpecSet, target_url: str) -> None:
    """The control: an answer that is not JSON at all is a fault (error), not a fail."""
    verdicts = run_cases(specs, target_url, LEGACY, AlteringTransport(None, raw=b"<html>"))
    assert {v.verdict for v in verdicts} == {"error"}


def test_a_scenario_reading_a_missing_member_fails_naming_it(specs: SpecSet,
                                                             target_url: str) -> None:
    """A scenario reading a documented member the answer lacks gets MissingMember (a fail)
    naming the member's clause, not a KeyError (an error)."""
    with Session(specs, url_target(target_url, Credentials.of(SID, SKEY), specs),
                 transport=AlteringTransport(drop_member)) as session:
        got = session.call(V3, "DescribeQueueDetail", {})
        assert got.ok, got.describe()
        with pytest.raises(MissingMember, match=r"cmq\.v3\.DescribeQueueDetail\.response\."):
            got.data["TotalCount"]
