"""service.yaml holds every service fact the doc states (issue "Specs")."""

from __future__ import annotations

from typing import Any

import pytest

from cmqconform.spec import load_specs
from tests.surfaces import LEGACY, V3


@pytest.fixture(scope="module")
def service() -> Any:
    """The service facts as loaded."""
    return load_specs().service


def test_v3_hosts_cover_every_region_and_the_nearest_host(service: Any) -> None:
    surface = service["apis"][V3]
    hosts = {e["region"]: e["url"] for e in surface["endpoints"] if "region" in e}
    regions = {r["id"] for r in surface["regions"]}
    assert len(hosts) == 14 and set(hosts) == regions
    assert all(url == f"https://cmq.{rid}.tencentcloudapi.com" for rid, url in hosts.items())
    assert any(e["url"] == "https://cmq.intl.tencentcloudapi.com" for e in surface["endpoints"])
    region_list = {r["id"] for r in surface["regions"] if "region_list" in r["listed_in"]}
    assert region_list == {"ap-beijing", "ap-chongqing", "ap-guangzhou", "ap-shanghai"}
    assert all(r.get("errata") == "v3-region-list" for r in surface["regions"]
               if r["id"] not in region_list)


def test_legacy_regions_and_hosts(service: Any) -> None:
    surface = service["apis"][LEGACY]
    ids = {r["id"] for r in surface["regions"]}
    assert ids == {"gz", "sh", "bj", "hk", "cd", "ca", "usw", "use", "th", "sg", "shjr", "szjr"}
    urls = {(e["host"], e["network"]): e["url"] for e in surface["endpoints"]}
    assert urls[("queue", "public")] == "https://cmq-queue-{region}.api.qcloud.com"
    assert urls[("queue", "private")] == "http://cmq-queue-{region}.api.tencentyun.com"
    assert urls[("topic", "public")] == "https://cmq-topic-{region}.api.qcloud.com"
    assert urls[("topic", "private")] == "http://cmq-topic-{region}.api.tencentyun.com"
    assert surface["path"]["value"] == "/v2/index.php"


def test_sizes_skew_and_signature_methods(service: Any) -> None:
    v3, legacy = service["apis"][V3], service["apis"][LEGACY]
    assert {k: v["value"] for k, v in v3["request_size_bytes"].items()} == {
        "get": 32 * 1024, "post_v1": 1024 * 1024, "post_tc3": 10 * 1024 * 1024}
    assert legacy["request_size_bytes"]["post"]["value"] == 1024 * 1024
    assert v3["timestamp_skew_seconds"]["value"] == 300
    assert [m["name"] for m in legacy["signature_methods"] if m.get("default")] == ["HmacSHA1"]
    assert {m["name"] for m in v3["signature_methods"]} == {
        "TC3-HMAC-SHA256", "HmacSHA1", "HmacSHA256"}


def test_common_params_per_dialect(service: Any) -> None:
    def names(api: str, dialect: str) -> set[str]:
        return {p["name"] for p in service["apis"][api]["common_params"]
                if dialect in p["dialects"]}

    assert names(V3, "tc3") == {"X-TC-Action", "X-TC-Region", "X-TC-Timestamp", "X-TC-Version",
                                "Authorization", "X-TC-Token", "X-TC-Language"}
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
def test_limits(service: Any, limit: str, value: int) -> None:
    assert service["limits"][limit]["value"] == value


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
