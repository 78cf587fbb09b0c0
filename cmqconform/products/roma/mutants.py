"""ROMA Connect's emulator mutants: deliberate deviations the roma suites must catch.

The same :class:`~cmqconform.products.cmq.mutants.Mutant` and ``Category`` records as CMQ's
catalog; the store and the REST gateway read ``mutants.active(NAME)``.
"""

from __future__ import annotations

from cmqconform.products.cmq.mutants import Category, Mutant

_Q = "roma.v2.ShowMqsInstanceMessages"

CATEGORIES: dict[str, Category] = {c.name: c for c in (
    Category("roma", "ROMA Connect message query: the generated suite and the scenarios",
             ("generated/ ~roma.v2", "behaviour/roma/")),
)}

CATALOG: tuple[Mutant, ...] = (
    Mutant("time-range-end-exclusive", "roma",
           "the time range leaves out a message stamped exactly end_time (off by one)",
           (f"{_Q}.time_range",)),
    Mutant("asc-ignored", "roma", "asc=true still sorts newest first", (f"{_Q}.asc_order",)),
    Mutant("last-page-dropped", "roma", "the last page of a paged query comes back empty",
           (f"{_Q}.pagination",)),
    Mutant("total-is-page-size", "roma", "total counts the page instead of every match",
           (f"{_Q}.total_and_size",)),
    Mutant("key-filter-ignored", "roma", "key does not filter", (f"{_Q}.key_filter",)),
    Mutant("content-offset-off-by-one", "roma",
           "the content query answers the message after message_offset", (f"{_Q}.content_query",)),
    Mutant("token-unchecked", "roma", "any X-Auth-Token is accepted",
           ("roma.v2.auth.invalid_token",)),
    Mutant("signature-unchecked", "roma", "an AK/SK signature is not verified",
           ("roma.v2.auth.signature_failure",)),
    Mutant("error-as-200", "roma", "a bad request is answered 200 with the error body",
           ("roma.v2.protocol.error_body",)),
    Mutant("unknown-param-ignored", "roma", "an unknown query parameter is ignored",
           ("roma.v2.condition.unknown_parameter",)),
)

BY_NAME: dict[str, Mutant] = {m.name: m for m in CATALOG}
