"""Targets: TOML and URL loading, one ConfigError naming each bad field, secrets never shown."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from cmqconform.cli import main
from cmqconform.configschema import schema
from cmqconform.dialects import Call, Credentials
from cmqconform.errors import ConfigError
from cmqconform.models import ActionSpec, ApiSpec, Cite, SpecSet
from cmqconform.targets import (
    SURFACES,
    Target,
    default_region,
    load_target,
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

[endpoints]
v3 = "https://cmq.tencentcloudapi.com"
legacy_queue = "https://cmq-queue-gz.api.qcloud.com"
legacy_topic = "https://cmq-topic-gz.api.qcloud.com/"

[signature]
v3 = "HmacSHA256"
legacy = "HmacSHA256"

[legacy]
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
    assert target.endpoints.v3 == "https://cmq.tencentcloudapi.com"
    assert target.endpoints.legacy_topic == "https://cmq-topic-gz.api.qcloud.com"
    assert target.signature == {V3: "HmacSHA256", LEGACY: "HmacSHA256"}
    assert (target.region, target.legacy_region, target.rate_limit) == ("ap-guangzhou", "gz", 5.0)
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
    assert target.endpoints.legacy_queue == "https://cmq-queue-gz.api.qcloud.com"
    assert target.expectations == tmp_path / "expectations" / "tencent-cloud.yaml"


def test_url_shorthand_serves_every_surface() -> None:
    target = target_from_url("http://127.0.0.1:9000", region="ap-guangzhou", env=ENV)
    assert target.endpoints.v3 == target.endpoints.legacy_queue == "http://127.0.0.1:9000"
    assert target.endpoints.legacy_topic == "http://127.0.0.1:9000"
    assert target.signature == {V3: "TC3-HMAC-SHA256", LEGACY: "HmacSHA1"}


def test_explicit_credentials_need_no_environment() -> None:
    creds = Credentials.of("AKIDemu", "emu-key")
    target = target_from_url("http://127.0.0.1:9000", region="r", env={}, credentials=creds)
    assert target.credentials is creds


@pytest.mark.parametrize(("text", "field", "line", "says"), [
    ('region = "r"\n', "endpoints", None, "missing (give 'url' for every surface"),
    ('region = "r"\n[endpoints]\nv3 = "http://h"\n', "endpoints.legacy_queue", 2,
     "missing (or give 'url' for all surfaces)"),
    ('url = "http://h"\n', "region", None, "missing (the API 3.0 Region"),
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
    ('url = "http://h"\nregion = "r"\n[signature]\nv3 = "MD5"\n', "signature.v3", 4,
     "expected one of TC3-HMAC-SHA256, HmacSHA1, HmacSHA256, got 'MD5'"),
    ('url = "http://h"\nregion = "r"\n[signature]\nlegacy = "TC3-HMAC-SHA256"\n',
     "signature.legacy", 4, "expected one of HmacSHA1, HmacSHA256, got 'TC3-HMAC-SHA256'"),
    ('url = "http://h"\nregion = "r"\nexpectations = "missing.yaml"\n', "expectations", 3,
     "no such file: "),
    ('url = "http://h"\nregion = "r"\nstrict_undocumented_fields = "yes"\n',
     "strict_undocumented_fields", 3, "expected true or false, got 'yes'"),
    ('url = "http://h"\nregion = "r"\n[declared_limits]\nqueues = -1\n',
     "declared_limits.queues", 4, "expected an integer >= 0, got -1"),
    ('url = "http://h"\nregion = "r"\npush_time_scale = 0\n', "push_time_scale", 3,
     "expected a factor > 0, got 0"),
    ('url = "http://h"\nregion = "r"\nregoin = "x"\n', "regoin", 3, "unknown key (known: "),
    ('url = "http://h"\nregion = "r"\n[endpoints]\nv4 = "http://h"\n', "endpoints.v4", 4,
     "unknown key (known: legacy_queue, legacy_topic, v3)"),
    ('url = "http://h"\nregion = "r"\nendpoints.v3 = "ftp://h"\n', "endpoints.v3", 3,
     "expected http://host[:port]"),
    ('url = "http://h"\nregion = "r"\nendpoints = "http://h"\n', "endpoints", 3,
     "expected a table, got string"),
    ('url = "http://h"\nregion = "r"\nlegacy = { region = 5 }\n', "legacy.region", 3,
     "expected a non-empty string, got 5"),
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
    path = write(tmp_path, 'rate_limit = -1\n[endpoints]\nv3 = "x"\n')
    with pytest.raises(ConfigError, match=r"5 problems") as info:
        load_target(path, env=ENV)
    assert str(info.value).splitlines()[1:] == [
        f"  - {path}:1: rate_limit: expected requests per second > 0, got -1",
        f"  - {path}:2: endpoints.legacy_queue: missing (or give 'url' for all surfaces)",
        f"  - {path}:2: endpoints.legacy_topic: missing (or give 'url' for all surfaces)",
        f"  - {path}:3: endpoints.v3: expected http://host[:port] or https://host[:port], "
        "got 'x'",
        "  - region: missing (the API 3.0 Region, e.g. ap-guangzhou)",
    ]


def test_schema_knows_every_surface_and_signature_key() -> None:
    """The schema and the loader agree on the per-surface keys (one list to extend)."""
    target = schema("target")
    assert set(target["$defs"]["endpoints"]["properties"]) == set(SURFACES)
    assert target["then"]["properties"]["endpoints"]["required"] == list(SURFACES)
    assert set(target["properties"]["signature"]["properties"]) == {"v3", "legacy"}


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


def minimal_specs() -> SpecSet:
    src = Cite("cmq-api.txt", 1)
    send = ActionSpec(LEGACY, "PublishMessage", src, "", (), (), (), (), (), (), host="topic")
    apis = {V3: ApiSpec(V3, "2019-03-04", {}, {}, (), {}, ()),
            LEGACY: ApiSpec(LEGACY, "2017", {"PublishMessage": send}, {}, (), {}, ())}
    service = {"service": "cmq", "apis": {
        V3: {"version": {"value": "2019-03-04"}, "path": {"value": "/"},
             "regions": [{"id": "ap-beijing"}]},
        LEGACY: {"version": {"value": "2017"}, "path": {"value": "/v2/index.php"}}}}
    return SpecSet("specs", apis, service, {}, {})


def test_prepare_routes_legacy_actions_to_their_host() -> None:
    target = Target(name="t", endpoints=target_from_url(
        "http://127.0.0.1:1", region="r", env=ENV).endpoints.__class__(
        "http://v3:1", "http://queue:2", "http://topic:3"), region="ap-guangzhou",
        credentials=Credentials.of("AKID", "k"), legacy_region="gz")
    specs = minimal_specs()
    publish = target.prepare(Call(LEGACY, "PublishMessage", {"topicName": "t"}), specs)
    assert publish.request.url.host == "topic" and publish.request.url.path == "/v2/index.php"
    unknown = target.prepare(Call(LEGACY, "NoSuchAction"), specs)
    assert unknown.request.url.host == "queue"
    v3 = target.prepare(Call(V3, "ListQueue"), specs)
    assert v3.dialect == "tc3" and v3.request.headers["X-TC-Version"] == "2019-03-04"
    signed = next(v3.auth.auth_flow(v3.request))
    assert isinstance(signed, httpx.Request) and "cmq/tc3_request" in signed.headers[
        "Authorization"]
    assert default_region(specs) == "ap-beijing"


def test_target_from_mapping_without_file() -> None:
    target = target_from_mapping({"url": "https://h:8443", "region": "r"}, source="inline",
                                 env=ENV)
    assert target.endpoints.v3 == "https://h:8443" and target.name == "inline"
