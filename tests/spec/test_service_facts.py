"""The specs hold every service fact the doc states (issue "Specs"): product.yaml surfaces,
the shared Tencent API 3.0 facts and service.yaml limits, loaded as typed facts."""

from __future__ import annotations

import pytest

from cmqconform.models import SpecSet
from cmqconform.spec import load_specs
from tests.surfaces import LEGACY, V3


@pytest.fixture(scope="module")
def specs() -> SpecSet:
    """The spec set as loaded."""
    return load_specs()


def test_v3_hosts_cover_every_region_and_the_nearest_host(specs: SpecSet) -> None:
    facts = specs.api(V3).facts
    hosts = {e.region: e.url for e in facts.endpoints if e.region is not None}
    assert len(hosts) == 14 and set(hosts) == set(facts.region_ids)
    assert all(url == f"https://cmq.{rid}.tencentcloudapi.com" for rid, url in hosts.items())
    assert any(e.url == "https://cmq.intl.tencentcloudapi.com" for e in facts.endpoints)
    # The Region List names four regions; the others are in the host table only (an erratum).
    region_list = {"ap-beijing", "ap-chongqing", "ap-guangzhou", "ap-shanghai"}
    assert {r.id for r in facts.regions if r.errata is None} == region_list
    assert all(r.errata == "v3-region-list" for r in facts.regions if r.id not in region_list)
    assert specs.errata["v3-region-list"].sources


def test_legacy_regions_and_hosts(specs: SpecSet) -> None:
    facts = specs.api(LEGACY).facts
    assert set(facts.region_ids) == {
        "gz", "sh", "bj", "hk", "cd", "ca", "usw", "use", "th", "sg", "shjr", "szjr"}
    urls = {(e.host, e.network): e.url for e in facts.endpoints}
    assert urls[("queue", "public")] == "https://cmq-queue-{region}.api.qcloud.com"
    assert urls[("queue", "private")] == "http://cmq-queue-{region}.api.tencentyun.com"
    assert urls[("topic", "public")] == "https://cmq-topic-{region}.api.qcloud.com"
    assert urls[("topic", "private")] == "http://cmq-topic-{region}.api.tencentyun.com"
    assert facts.path == "/v2/index.php"
    assert facts.methods == ("POST", "GET")


def test_v3_shares_the_tencent_api3_facts(specs: SpecSet) -> None:
    v3, legacy = specs.api(V3).facts, specs.api(LEGACY).facts
    assert (v3.shares, v3.dialect, v3.service, v3.product) == (
        "tencent.api3", "tencent_v3", "cmq", "cmq")
    assert (legacy.shares, legacy.dialect) == (None, "cmq_legacy")
    assert v3.version == "2019-03-04" and v3.path == "/" and v3.methods == ("POST", "GET")
    media = ["application/json", "text/plain"]
    assert v3.envelope == {"wrapper": "Response", "request_id": "RequestId", "error": "Error",
                           "code": "Code", "message": "Message", "status": 200,
                           "media_types": media}
    assert legacy.envelope == {"code": "code", "message": "message",
                               "request_id": "requestId", "success_code": 0, "status": 200,
                               "media_types": media}
    assert (v3.array_encoding, v3.wire_types, v3.unknown_params) == ("json", "json", "refused")
    assert (legacy.array_encoding, legacy.wire_types, legacy.unknown_params) == (
        "name.n", "text", "ignored")
    assert legacy.errata["unknown_params"] == "legacy-unknown-parameter"
    assert specs.product_of(V3) is specs.product_of(LEGACY) is specs.product("cmq")
    assert specs.product("cmq").surfaces == (V3, LEGACY)


def test_sizes_skew_and_signature_methods(specs: SpecSet) -> None:
    v3, legacy = specs.api(V3).facts, specs.api(LEGACY).facts
    assert dict(v3.request_size_bytes) == {
        "get": 32 * 1024, "post_v1": 1024 * 1024, "post_tc3": 10 * 1024 * 1024}
    assert legacy.request_size_bytes["post"] == 1024 * 1024
    assert v3.timestamp_skew_seconds == 300
    assert [m.name for m in legacy.signature_methods if m.default] == ["HmacSHA1"]
    assert legacy.default_signature_method == "HmacSHA1"
    assert {m.name: m.signer for m in v3.signature_methods} == {
        "TC3-HMAC-SHA256": "tc3", "HmacSHA1": "tcv1", "HmacSHA256": "tcv1"}
    assert v3.default_signature_method == "TC3-HMAC-SHA256"
    assert {m.signer for m in legacy.signature_methods} == {"cmq_legacy"}


def test_common_params_per_signer(specs: SpecSet) -> None:
    def names(api: str, signer: str) -> set[str]:
        return {p.name for p in specs.api(api).facts.common_params if signer in p.signers}

    assert names(V3, "tc3") == {"X-TC-Action", "X-TC-Region", "X-TC-Timestamp", "X-TC-Version",
                                "Authorization", "X-TC-Token", "X-TC-Language"}
    assert all(p.location == "header" for p in specs.api(V3).facts.common_params
               if "tc3" in p.signers)
    assert {"Action", "Region", "Timestamp", "Nonce", "SecretId", "Signature", "Version",
            "SignatureMethod", "Token"} <= names(V3, "tcv1")
    assert {"Action", "Region", "Timestamp", "Nonce", "SecretId", "Signature",
            "SignatureMethod", "Token"} <= names(LEGACY, "cmq_legacy")


@pytest.mark.parametrize(("limit", "value"), [
    ("batch_max_messages", 16), ("message_tags_max", 5), ("message_tag_max_length", 16),
    ("filter_tags_max", 5), ("filter_tag_max_length", 16), ("binding_keys_max", 5),
    ("binding_key_max_bytes", 64), ("binding_key_max_dots", 15), ("routing_key_max_bytes", 64),
    ("routing_key_max_dots", 15), ("topics_per_account", 1000),
    ("subscriptions_per_topic", 100), ("name_release_window_seconds", 30),
    ("v3_requests_per_second", 20), ("queue_qps_default", 5000), ("queue_bps_default", 52428800),
])
def test_limits(specs: SpecSet, limit: str, value: int) -> None:
    cmq = specs.product("cmq")
    assert cmq.limits[limit].value == value
    assert cmq.limit(limit) == value
    assert cmq.limits[limit].source.doc == "cmq-api.txt"


def test_patterns(specs: SpecSet) -> None:
    patterns = specs.product("cmq").patterns
    assert patterns["resource_name"].regex == "^[A-Za-z][A-Za-z0-9-]{0,63}$"
    assert patterns["http_endpoint"].errata == "http-endpoint-scheme"


def test_surface_clauses_are_loaded_with_full_ids() -> None:
    specs = load_specs()
    wanted = {
        V3: ["auth.signature_failure", "auth.secret_id_not_found", "auth.signature_expired",
             "auth.missing_auth", "auth.signing_host", "protocol.unknown_action",
             "protocol.unsupported_version", "protocol.unsupported_region",
             "protocol.request_size", "protocol.content_type_json"],
        LEGACY: ["auth.signature_failure", "auth.secret_id_not_found", "auth.signature_expired",
                 "auth.missing_auth", "auth.signing_host", "protocol.unknown_action",
                 "protocol.request_size", "protocol.envelope", "protocol.get_post",
                 "protocol.array_encoding"],
    }
    for api, suffixes in wanted.items():
        ids = {c.id: c for c in specs.api(api).clauses}
        for suffix in suffixes:
            clause = ids[f"{api}.{suffix}"]
            assert clause.category in {"auth", "limit", "semantics"}
            assert clause.source.doc == "cmq-api.txt"


def test_errata_of_the_issue_are_recorded() -> None:
    errata = load_specs().errata
    for erratum in ("legacy-maxmsgsize", "polling-wait-range", "legacy-rewind-seconds-range",
                    "name-release-window", "subscription-limit",
                    "v3-deadletter-offset-limit-swapped", "legacy-module-10470", "ocr-queueld",
                    "ocr-msq-in-examples", "legacy-signature-example", "v3-common-error-tables"):
        assert erratum in errata
        assert len(errata[erratum].sources) >= 2
