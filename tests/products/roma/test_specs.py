"""specs/roma: the REST surface loads with its routes, locations, readings and clauses."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator
from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

from cmqconform.cases import generate
from cmqconform.models import SpecSet
from cmqconform.spec import load_specs
from cmqconform.spec.lint import needed_conditions
from cmqconform.spec.openapi import openapi_document

API, ACTION = "roma.v2", "ShowMqsInstanceMessages"


@pytest.fixture(scope="module")
def specs() -> SpecSet:
    return load_specs()


def test_the_surface_and_its_route(specs: SpecSet) -> None:
    api = specs.api(API)
    assert (api.dialect, api.product, api.facts.methods) == ("huawei_rest", "roma", ("GET",))
    action = api.action(ACTION)
    assert action.http is not None
    assert (action.http.method, action.http.status) == ("GET", 200)
    assert action.http.path_params == ("project_id", "instance_id")
    where = {p.name: p.location for p in action.request}
    assert [n for n, loc in where.items() if loc == "path"] == ["project_id", "instance_id"]
    assert all(loc == "query" for n, loc in where.items() if n not in action.http.path_params)
    assert [m.name for m in action.error_response] == ["error_code", "error_msg"]
    assert {m.name for m in api.facts.signature_methods} == {"X-Auth-Token", "SDK-HMAC-SHA256"}
    assert "request_id" not in api.facts.envelope


def test_every_doc_slip_has_an_erratum(specs: SpecSet) -> None:
    for erratum in ("roma-timestamp-description", "roma-error-code-type",
                    "roma-example-url-query", "roma-numeric-text", "roma-required-sdk",
                    "roma-number-types"):
        assert len(specs.errata[erratum].sources) >= 2, erratum
    cites = {str(c) for c, _ in specs.errata["roma-required-sdk"].sources}
    assert any(c.startswith("HUAWEI-SDK-NOTES.md") for c in cites)


def test_lint_needs_only_the_conditions_cases_can_expect(specs: SpecSet) -> None:
    needed = needed_conditions(specs.api(API))
    assert {"missing_parameter", "unknown_parameter", "invalid_type", "out_of_range",
            "rule_violation"} <= needed
    assert "array_not_contiguous" not in needed


def test_generated_cases_cover_both_auth_schemes(specs: SpecSet) -> None:
    cases = generate(specs, [API])
    auth = {c.id: (c.signature, c.tamper) for c in cases if c.kind == "auth"}
    assert auth == {
        f"{ACTION}[X-Auth-Token]": ("X-Auth-Token", None),
        f"{ACTION}[X-Auth-Token: missing auth]": ("X-Auth-Token", "missing_auth"),
        f"{ACTION}[X-Auth-Token: bad token]": ("X-Auth-Token", "bad_token"),
        f"{ACTION}[SDK-HMAC-SHA256]": ("SDK-HMAC-SHA256", None),
        f"{ACTION}[SDK-HMAC-SHA256: bad signature]": ("SDK-HMAC-SHA256", "bad_signature"),
        f"{ACTION}[SDK-HMAC-SHA256: unknown SecretId]": ("SDK-HMAC-SHA256",
                                                         "unknown_secret_id"),
        f"{ACTION}[SDK-HMAC-SHA256: missing auth]": ("SDK-HMAC-SHA256", "missing_auth"),
    }
    assert not any("unknown action" in c.id for c in cases)
    codes = {ref.code for c in cases for ref in c.expected.accept}
    assert codes == {400, 403}


def test_openapi_has_the_real_route(specs: SpecSet) -> None:
    document: dict[str, Any] = openapi_document(specs, [API])
    OPENAPI_31_VALIDATOR.validate(document)
    op = document["paths"]["/v2/{project_id}/mqs/instances/{instance_id}/messages"]["get"]
    assert set(op["responses"]) == {"200", "400", "403"}
    assert {p["name"]: p["in"] for p in op["parameters"]}["instance_id"] == "path"
    for response in op["responses"].values():
        Draft202012Validator.check_schema(response["content"]["application/json"]["schema"])
