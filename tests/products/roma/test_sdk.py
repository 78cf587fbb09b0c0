"""The official SDK (huaweicloudsdkroma ``show_mqs_instance_messages``) against the emulator.

``cmqconform serve --product roma`` answers the SDK: its AK/SK signature verifies, its query
encoding reads, its response model takes the answer, and an error becomes the SDK's own
exception carrying the documented status and body.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cmqconform.emulator.server import EmulatorServer, ServerOptions
from cmqconform.spec import load_specs

roma_sdk = pytest.importorskip("huaweicloudsdkroma.v2")
credentials = pytest.importorskip("huaweicloudsdkcore.auth.credentials")
exceptions = pytest.importorskip("huaweicloudsdkcore.exceptions.exceptions")
http_config = pytest.importorskip("huaweicloudsdkcore.http.http_config")

pytestmark = pytest.mark.sdk

AK, SK, TOKEN = "HPUAROMASDKTEST00001", "roma-sdk-test-secret-key-000000000", "roma-token-1"
ACTION = "ShowMqsInstanceMessages"


@pytest.fixture(scope="module")
def names() -> dict[str, Any]:
    """The names the embedded data set holds (the specs' recipe values)."""
    return dict(load_specs().api("roma.v2").action(ACTION).recipe.values)


@pytest.fixture(scope="module")
def client(names: dict[str, Any]) -> Iterator[Any]:
    """A RomaClient signing with an AK/SK, pointed at a fresh roma emulator on loopback."""
    options = ServerOptions(product="roma", tokens={AK: TOKEN})
    with EmulatorServer({AK: SK}, options=options) as url:
        config = http_config.HttpConfig.get_default_config()
        config.timeout = (5, 10)
        config.retry_times = 0
        yield (roma_sdk.RomaClient.new_builder()
               .with_http_config(config)
               .with_credentials(credentials.BasicCredentials(AK, SK, str(names["project_id"])))
               .with_endpoints([url])
               .build())


def request(names: dict[str, Any], **params: Any) -> Any:
    """The SDK's request model for the data set's instance and topic."""
    return roma_sdk.ShowMqsInstanceMessagesRequest(
        instance_id=str(names["instance_id"]), topic=str(names["topic"]), **params)


def test_sdk_reads_every_message(client: Any, names: dict[str, Any]) -> None:
    response = client.show_mqs_instance_messages(request(names, asc=True))
    assert response.total == response.size == len(response.messages) >= 4
    stamps = [m.timestamp for m in response.messages]
    assert stamps == sorted(stamps)
    first = response.messages[0]
    assert first.topic == names["topic"] and isinstance(first.partition, int)
    assert first.size == len(first.value.encode("utf-8"))


def test_sdk_pages_and_time_range(client: Any, names: dict[str, Any]) -> None:
    every = client.show_mqs_instance_messages(request(names, asc=True)).messages
    page = client.show_mqs_instance_messages(request(names, asc=True, limit="2", offset="1"))
    assert [m.message_id for m in page.messages] == [m.message_id for m in every[1:3]]
    start, end = str(every[1].timestamp), str(every[3].timestamp)
    ranged = client.show_mqs_instance_messages(request(names, start_time=start, end_time=end))
    assert {m.message_id for m in ranged.messages} == {m.message_id for m in every[1:4]}


def test_sdk_content_query(client: Any, names: dict[str, Any]) -> None:
    every = client.show_mqs_instance_messages(request(names)).messages
    target = every[2]
    got = client.show_mqs_instance_messages(request(
        names, partition=str(target.partition), message_offset=str(target.message_offset)))
    assert [m.to_dict() for m in got.messages] == [target.to_dict()]


def test_sdk_sees_the_documented_error(client: Any, names: dict[str, Any]) -> None:
    with pytest.raises(exceptions.ClientRequestException) as raised:
        client.show_mqs_instance_messages(request(names, limit="many"))
    assert raised.value.status_code == 400
    assert raised.value.error_code == "400" and "limit" in raised.value.error_msg
    with pytest.raises(exceptions.ClientRequestException) as unknown:
        client.show_mqs_instance_messages(
            roma_sdk.ShowMqsInstanceMessagesRequest(instance_id="cmqc-nowhere", topic="t"))
    assert unknown.value.status_code == 400


def test_sdk_with_a_wrong_key_is_forbidden(names: dict[str, Any]) -> None:
    with EmulatorServer({AK: SK}, options=ServerOptions(product="roma")) as url:
        wrong = (roma_sdk.RomaClient.new_builder()
                 .with_credentials(credentials.BasicCredentials(AK, SK + "x",
                                                                str(names["project_id"])))
                 .with_endpoints([url]).build())
        with pytest.raises(exceptions.ClientRequestException) as raised:
            wrong.show_mqs_instance_messages(request(names))
    assert raised.value.status_code == 403
