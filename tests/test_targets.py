"""Targets: TOML and URL loading, one ConfigError naming each bad field, secrets never shown."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from cmqconform.cli import main
from cmqconform.configschema import schema
from cmqconform.dialects import Call, Credentials
from cmqconform.errors import ConfigError
from cmqconform.spec import load_specs
from cmqconform.targets import (
    Endpoints,
    Target,
    default_region,
    load_target,
    needs_region,
    target_from_mapping,
    target_from_url,
)
from tests.surfaces import LEGACY, V3

SECRET_KEY = "s3cr3t-key-value-never-shown"
TOKEN = "t0ken-value-never-shown"
ENV = {"TENCENTCLOUD_SECRET_ID": "AKIDtargettest", "TENCENTCLOUD_SECRET_KEY": SECRET_KEY,
       "TENCENTCLOUD_SESSION_TOKEN": TOKEN}

CLOUD_TOML = """
name = "tencent-cloud-gz"
region = "ap-guangzhou"
rate_limit = 5
expectations = "expect.toml"
strict_undocumented_fields = true

[surfaces."cmq.v3"]
url = "https://cmq.tencentcloudapi.com"
signature = "HmacSHA256"

[surfaces."cmq.legacy"]
url = "https://cmq-queue-gz.api.qcloud.com"
hosts = { topic = "https://cmq-topic-gz.api.qcloud.com/" }
signature = "HmacSHA256"
region = "gz"

[declared_limits]
queues = 1000
"""


def write(tmp_path: Path, text: str, name: str = "target.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_cloud_target(tmp_path: Path) -> None:
    write(tmp_path, "", "expect.toml")
    target = load_target(write(tmp_path, CLOUD_TOML), env=ENV)
    assert target.name == "tencent-cloud-gz"
    assert target.endpoints.urls == {V3: "https://cmq.tencentcloudapi.com",
                                     LEGACY: "https://cmq-queue-gz.api.qcloud.com"}
    assert target.endpoints.hosts == {(LEGACY, "topic"): "https://cmq-topic-gz.api.qcloud.com"}
    assert target.endpoints.for_call(LEGACY, "topic") == "https://cmq-topic-gz.api.qcloud.com"
    assert target.endpoints.for_call(LEGACY, "queue") == "https://cmq-queue-gz.api.qcloud.com"
    assert target.surfaces == (V3, LEGACY)
    assert target.signature == {V3: "HmacSHA256", LEGACY: "HmacSHA256"}
    assert target.regions == {V3: "ap-guangzhou", LEGACY: "gz"}
    assert (target.region, target.rate_limit) == ("ap-guangzhou", 5.0)
    assert target.expectations == tmp_path / "expect.toml"
    assert target.strict_undocumented_fields and target.declared_limits == {"queues": 1000}
    assert target.credentials == Credentials.of("AKIDtargettest", SECRET_KEY, TOKEN)


def test_docs_example_loads(tmp_path: Path) -> None:
    """The real-cloud example in docs/targets.md is a valid target."""
    text = (Path(__file__).parents[1] / "docs" / "targets.md").read_text(encoding="utf-8")
    block = text.split("```toml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "expectations").mkdir()
    write(tmp_path, "", "expectations/tencent-cloud.yaml")
    target = load_target(write(tmp_path, block), env=ENV)
    assert target.endpoints.for_call(LEGACY, "queue") == "https://cmq-queue-gz.api.qcloud.com"
    assert target.endpoints.for_call(LEGACY, "topic") == "https://cmq-topic-gz.api.qcloud.com"
    assert target.endpoints.for_call(V3, None) == "https://cmq.ap-guangzhou.tencentcloudapi.com"
    assert target.regions == {V3: "ap-guangzhou", LEGACY: "gz"}
    assert target.signature == {V3: "TC3-HMAC-SHA256", LEGACY: "HmacSHA256"}
    assert target.expectations == tmp_path / "expectations" / "tencent-cloud.yaml"


def test_docs_error_example_is_what_we_print(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/targets.md's invalid-target example is the error such a file gets."""
    text = (Path(__file__).parents[1] / "docs" / "targets.md").read_text(encoding="utf-8")
    shown = "targets/cloud.toml: invalid target (" + text.split(
        "targets/cloud.toml: invalid target (", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "targets").mkdir()
    write(tmp_path, 'name = "cloud"\nurl = "https://cmq.tencentcloudapi.com"\nrate_limit = -1\n\n'
          '[surfaces."cmq.legacy"]\nhosts = { topic = "ftp://x" }\n', "targets/cloud.toml")
    with pytest.raises(ConfigError) as info:
        load_target("targets/cloud.toml", env=ENV)
    assert str(info.value) == shown.strip()


def cmq(per_surface: Mapping[str, Any]) -> dict[str, Any]:
    """The CMQ entries of a per-surface mapping (the specs hold other products too)."""
    return {k: v for k, v in per_surface.items() if k in (V3, LEGACY)}


def test_url_shorthand_serves_every_surface() -> None:
    target = target_from_url("http://127.0.0.1:9000", region="ap-guangzhou", env=ENV)
    assert target.surfaces == load_specs().surfaces()
    for api, host in ((V3, None), (LEGACY, "queue"), (LEGACY, "topic")):
        assert target.endpoints.for_call(api, host) == "http://127.0.0.1:9000"
    assert cmq(target.signature) == {V3: "TC3-HMAC-SHA256", LEGACY: "HmacSHA1"}
    # The region goes to the surface whose requests carry one; legacy sends none.
    assert cmq(target.regions) == {V3: "ap-guangzhou", LEGACY: None}
    assert target.name == "http://127.0.0.1:9000"


def test_url_shorthand_defaults_and_surface_subset() -> None:
    specs = load_specs()
    target = target_from_url("http://127.0.0.1:9000/", env=ENV, specs=specs)
    assert target.region == default_region(specs) == "ap-beijing"
    only = target_from_url("http://127.0.0.1:9000", region="r", env=ENV, surfaces=(LEGACY,),
                           name="legacy only", rate_limit=2)
    assert only.surfaces == (LEGACY,) and only.endpoints.urls == {LEGACY: "http://127.0.0.1:9000"}
    assert (only.name, only.rate_limit, only.region) == ("legacy only", 2.0, None)
    assert only.signature == {LEGACY: "HmacSHA1"}


def test_needs_region_comes_from_the_common_parameters() -> None:
    specs = load_specs()
    assert needs_region(specs.api(V3).facts)
    assert not needs_region(specs.api(LEGACY).facts)


def test_explicit_credentials_need_no_environment() -> None:
    creds = Credentials.of("AKIDemu", "emu-key")
    target = target_from_url("http://127.0.0.1:9000", region="r", env={}, credentials=creds)
    assert target.credentials is creds


@pytest.mark.parametrize(("text", "field", "line", "says"), [
    ('region = "r"\n', "url", None,
     "missing (give 'url' for every surface, or a [surfaces] table)"),
    ('region = "r"\n[surfaces."cmq.legacy"]\nregion = "gz"\n', "surfaces.cmq.legacy.url", 2,
     "missing (or give 'url' for every surface)"),
    ('url = "http://h"\n', "region", None,
     "missing (requests to cmq.v3, tdmq.v3, trtc.v3 carry a region, e.g. ap-beijing)"),
    ('url = "ftp://h"\nregion = "r"\n', "url", 1,
     "expected http://host[:port] or https://host[:port], got 'ftp://h'"),
    ('url = "http://h/path"\nregion = "r"\n', "url", 1,
     "give the base URL only (the dialect adds the path), got 'http://h/path'"),
    ('url = 8080\nregion = "r"\n', "url", 1, "expected an http(s) URL string, got integer"),
    ('url = "http://h"\nregion = ""\n', "region", 2, "expected a non-empty string, got ''"),
    ('url = "http://h"\nregion = "r"\nname = 7\n', "name", 3,
     "expected a non-empty string, got 7"),
    ('url = "http://h"\nregion = "r"\nrate_limit = 0\n', "rate_limit", 3,
     "expected requests per second > 0, got 0"),
    ('url = "http://h"\nregion = "r"\nrate_limit = true\n', "rate_limit", 3,
     "expected requests per second > 0, got True"),
    ('url = "http://h"\nregion = "r"\n[surfaces."cmq.v3"]\nsignature = "MD5"\n',
     "surfaces.cmq.v3.signature", 4,
     "expected one of TC3-HMAC-SHA256, HmacSHA1, HmacSHA256, got 'MD5'"),
    ('url = "http://h"\nregion = "r"\n[surfaces."cmq.legacy"]\nsignature = "TC3-HMAC-SHA256"\n',
     "surfaces.cmq.legacy.signature", 4,
     "expected one of HmacSHA1, HmacSHA256, got 'TC3-HMAC-SHA256'"),
    ('url = "http://h"\nregion = "r"\nexpectations = "missing.yaml"\n', "expectations", 3,
     "no such file: "),
    ('url = "http://h"\nregion = "r"\nstrict_undocumented_fields = "yes"\n',
     "strict_undocumented_fields", 3, "expected true or false, got 'yes'"),
    ('url = "http://h"\nregion = "r"\n[declared_limits]\nqueues = -1\n',
     "declared_limits.queues", 4, "expected an integer >= 0, got -1"),
    ('url = "http://h"\nregion = "r"\npush_time_scale = 0\n', "push_time_scale", 3,
     "expected a factor > 0, got 0"),
    ('url = "http://h"\nregion = "r"\nregoin = "x"\n', "regoin", 3, "unknown key (known: "),
    # The old per-surface tables are gone.
    ('url = "http://h"\nregion = "r"\n[endpoints]\nv3 = "http://h"\n', "endpoints", 3,
     "unknown key (known: "),
    ('url = "http://h"\nregion = "r"\n[signature]\nv3 = "HmacSHA1"\n', "signature", 3,
     "unknown key (known: "),
    ('url = "http://h"\nregion = "r"\nlegacy = { region = "gz" }\n', "legacy", 3,
     "unknown key (known: "),
    ('url = "http://h"\nregion = "r"\n[surfaces."cmq.v4"]\nurl = "http://h"\n',
     "surfaces.cmq.v4", 3, "no such surface (the specs define cmq.v3, cmq.legacy"),
    ('url = "http://h"\nregion = "r"\n[surfaces."cmq.v3"]\nendpoint = "http://h"\n',
     "surfaces.cmq.v3.endpoint", 4,
     "unknown key (known: hosts, region, seed, signature, url, values)"),
    ('url = "http://h"\nregion = "r"\nsurfaces."cmq.v3".url = "ftp://h"\n',
     "surfaces.cmq.v3.url", 3, "expected http://host[:port]"),
    ('url = "http://h"\nregion = "r"\nsurfaces = "http://h"\n', "surfaces", 3,
     "expected a table, got string"),
    ('url = "http://h"\nregion = "r"\n[surfaces]\n"cmq.v3" = "http://h"\n', "surfaces.cmq.v3",
     4, "expected a table, got string"),
    ('url = "http://h"\nregion = "r"\n[surfaces."cmq.legacy"]\nhosts = { mail = "http://m" }\n',
     "surfaces.cmq.legacy.hosts.mail", 4, "unknown host (known: queue, topic)"),
    ('url = "http://h"\nregion = "r"\n[surfaces."cmq.v3"]\nhosts = { queue = "http://q" }\n',
     "surfaces.cmq.v3.hosts.queue", 4, "unknown host (known: none)"),
    ('url = "http://h"\nregion = "r"\n[surfaces."cmq.legacy"]\nhosts = { topic = "ftp://t" }\n',
     "surfaces.cmq.legacy.hosts.topic", 4, "expected http://host[:port]"),
    ('url = "http://h"\nregion = "r"\n[surfaces."cmq.legacy"]\nregion = 5\n',
     "surfaces.cmq.legacy.region", 4, "expected a non-empty string, got 5"),
    ('url = "http://h"\nregion = "r"\n\n[second_credentials]\nsecret_id_env = "A"\n',
     "second_credentials.secret_key_env", 4, "missing (the environment variable name)"),
    ('url = "http://h"\nregion = "r"\n[credentials]\nsecret_id = "AKID"\n',
     "credentials.secret_id", 4, "never put credentials in a target file"),
    ('url = "http://h"\nregion = "r"\n[credentials]\nid_env = "X"\n', "credentials.id_env", 4,
     "unknown key (known: secret_id_env, secret_key_env, token_env)"),
])
def test_bad_field_is_named_with_file_line_and_rule(tmp_path: Path, text: str, field: str,
                                                    line: int | None, says: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_target(path, env=ENV)
    message = str(info.value)
    assert message.startswith(f"{path}: invalid target (")
    where = f"{path}:{line}: " if line else ""
    assert f"\n  - {where}{field}: {says}" in message


def test_all_problems_in_one_error_in_file_order(tmp_path: Path) -> None:
    path = write(tmp_path, 'rate_limit = -1\n[surfaces."cmq.v3"]\nurl = "x"\n'
                           '[surfaces."cmq.legacy"]\nurl = "http://q"\nsignature = "MD5"\n')
    with pytest.raises(ConfigError, match=r"5 problems") as info:
        load_target(path, env={})
    assert str(info.value).splitlines()[1:] == [
        f"  - {path}:1: rate_limit: expected requests per second > 0, got -1",
        f"  - {path}:3: surfaces.cmq.v3.url: expected http://host[:port] or "
        "https://host[:port], got 'x'",
        f"  - {path}:6: surfaces.cmq.legacy.signature: expected one of HmacSHA1, HmacSHA256, "
        "got 'MD5'",
        "  - credentials: environment variable TENCENTCLOUD_SECRET_ID is not set",
        "  - credentials: environment variable TENCENTCLOUD_SECRET_KEY is not set",
    ]


def test_a_surfaces_key_that_is_no_table_is_one_problem(tmp_path: Path) -> None:
    """Not a traceback, and the top-level url given is not reported missing."""
    path = write(tmp_path, 'url = "http://h"\nregion = "r"\nsurfaces = "http://h"\n')
    with pytest.raises(ConfigError) as info:
        load_target(path, env=ENV)
    assert str(info.value).splitlines()[1:] == [
        f"  - {path}:3: surfaces: expected a table, got string"]


def test_a_surface_without_url_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, '[surfaces."cmq.v3"]\nurl = "http://v3"\nregion = "r"\n'
                           '[surfaces."cmq.legacy"]\nsignature = "HmacSHA256"\n')
    with pytest.raises(ConfigError, match=r"1 problem") as info:
        load_target(path, env=ENV)
    assert str(info.value).splitlines()[1:] == [
        f"  - {path}:4: surfaces.cmq.legacy.url: missing (or give 'url' for every surface)"]


def test_surface_values_override_the_shared_ones(tmp_path: Path) -> None:
    text = ('url = "http://shared:1"\nregion = "ap-guangzhou"\n[surfaces."cmq.v3"]\n'
            'url = "http://v3:2/"\nregion = "ap-shanghai"\nsignature = "HmacSHA1"\n'
            '[surfaces."cmq.legacy"]\nhosts = { topic = "http://topic:3" }\n')
    target = load_target(write(tmp_path, text), env=ENV)
    assert cmq(target.endpoints.urls) == {V3: "http://v3:2", LEGACY: "http://shared:1"}
    assert target.endpoints.hosts == {(LEGACY, "topic"): "http://topic:3"}
    assert cmq(target.regions) == {V3: "ap-shanghai", LEGACY: None}
    assert cmq(target.signature) == {V3: "HmacSHA1", LEGACY: "HmacSHA1"}
    assert target.region == "ap-shanghai"


def test_schema_knows_the_per_surface_keys_not_the_surfaces() -> None:
    """The schema names the keys a surface table has; which surfaces exist is the specs'."""
    target = schema("target")
    surfaces = target["properties"]["surfaces"]
    assert "properties" not in surfaces and surfaces["additionalProperties"]["type"] == "object"
    assert set(surfaces["additionalProperties"]["properties"]) == {"url", "hosts", "region",
                                                                   "signature", "values", "seed"}
    assert not {"endpoints", "signature", "legacy"} & set(target["properties"])


def test_cli_names_the_bad_target_without_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    path = write(tmp_path, 'url = "http://h"\nregion = "r"\npush_time_scale = -2\n')
    code = main(["run", "--target", str(path), "--report-dir", str(tmp_path / "out"), "-q"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert err.startswith(f"cmqconform: {path}: invalid target (1 problem):\n"
                          f"  - {path}:3: push_time_scale: expected a factor > 0, got -2")
    assert not (tmp_path / "out" / "pytest.log").exists()  # refused before pytest started


def test_missing_environment_names_the_variables(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_target(write(tmp_path, 'url = "http://h"\nregion = "r"\n'), env={})
    assert "TENCENTCLOUD_SECRET_ID" in str(info.value)
    assert "TENCENTCLOUD_SECRET_KEY" in str(info.value)


def test_custom_environment_variable_names(tmp_path: Path) -> None:
    text = ('url = "http://h"\nregion = "r"\n[credentials]\nsecret_id_env = "MY_ID"\n'
            'secret_key_env = "MY_KEY"\n')
    target = load_target(write(tmp_path, text), env={"MY_ID": "AKIDmine", "MY_KEY": "k"})
    assert target.credentials.secret_id == "AKIDmine" and target.credentials.token is None


def test_bad_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_target(write(tmp_path, "region = \n"), env=ENV)
    with pytest.raises(ConfigError, match="cannot read"):
        load_target(tmp_path / "absent.toml", env=ENV)


@pytest.mark.parametrize("text", [
    f'[credentials]\nsecret_key = "{SECRET_KEY}"\n',
    f'[second_credentials]\nsecret_id_env = "A"\nsecret_key_env = "B"\napi_key = "{SECRET_KEY}"\n',
    f'credentials = "{SECRET_KEY}"\n',
    f'credentials = ["{SECRET_KEY}"]\n',
])
def test_secret_pasted_into_the_file_is_refused_without_echo(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_target(write(tmp_path, f'url = "http://h"\nregion = "r"\n{text}'), env=ENV)
    assert "credentials" in str(info.value) and ".toml:" in str(info.value)
    assert SECRET_KEY not in str(info.value)


def test_no_secret_in_repr_str_logs_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    target = target_from_url("http://127.0.0.1:9000", region="r", env=ENV)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("cmqconform.test").info("target %s %r %s", target, target,
                                               target.credentials)
    shown = [repr(target), str(target), repr(target.credentials),
             f"{target.credentials.secret_key}", str(target.credentials.token), caplog.text]
    try:
        raise ConfigError(f"bad target {target!r}")
    except ConfigError as exc:
        shown.append(str(exc))
    for text in shown:
        assert SECRET_KEY not in text and TOKEN not in text
        assert "AKIDtargettest" not in text  # the SecretId is shortened too
    assert "***" in repr(target)


def test_prepare_routes_legacy_actions_to_their_host() -> None:
    target = Target(name="t", endpoints=Endpoints(
        {V3: "http://v3:1", LEGACY: "http://queue:2"}, {(LEGACY, "topic"): "http://topic:3"}),
        regions={V3: "ap-guangzhou", LEGACY: "gz"}, credentials=Credentials.of("AKID", "k"),
        signature={V3: "TC3-HMAC-SHA256", LEGACY: "HmacSHA256"})
    specs = load_specs()
    publish = target.prepare(Call(LEGACY, "PublishMessage", {"topicName": "t"}), specs)
    assert publish.request.url.host == "topic" and publish.request.url.path == "/v2/index.php"
    assert publish.dialect == "cmq_legacy"
    assert dict(httpx.QueryParams(publish.request.content.decode()))["Region"] == "gz"
    send = target.prepare(Call(LEGACY, "SendMessage", {"queueName": "q"}), specs)
    assert send.request.url.host == "queue"
    unknown = target.prepare(Call(LEGACY, "NoSuchAction"), specs)
    assert unknown.request.url.host == "queue"
    forced = target.prepare(Call(LEGACY, "SendMessage"), specs, host="topic")
    assert forced.request.url.host == "topic"
    v3 = target.prepare(Call(V3, "ListQueue"), specs)
    assert v3.dialect == "tc3" and v3.request.headers["X-TC-Version"] == "2019-03-04"
    assert v3.request.headers["X-TC-Region"] == "ap-guangzhou" and v3.request.url.host == "v3"
    signed = next(v3.auth.auth_flow(v3.request))
    assert isinstance(signed, httpx.Request) and "cmq/tc3_request" in signed.headers[
        "Authorization"]
    assert target.surfaces == (V3, LEGACY) and target.region == "ap-guangzhou"
    assert default_region(specs) == "ap-beijing"


def test_target_from_mapping_without_file() -> None:
    target = target_from_mapping({"url": "https://h:8443", "region": "r"}, source="inline",
                                 env=ENV)
    assert cmq(target.endpoints.urls) == {V3: "https://h:8443", LEGACY: "https://h:8443"}
    assert target.name == "inline"
