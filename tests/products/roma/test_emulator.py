"""The REST gateway and the roma store: routing, auth, bad input (never a 500), semantics."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from cmqconform.dialects import Credentials
from cmqconform.dialects.huawei_signing import AkSkAuth
from cmqconform.emulator.auth import AccountKeys
from cmqconform.emulator.product import Mutants
from cmqconform.emulator.server import EmulatorServer, ServerOptions
from cmqconform.products import product_emulator
from cmqconform.products.roma.store import Store, seed
from cmqconform.spec import load_specs

AK, SK, TOKEN = "HPUAEMULATOR000001", "emulator-secret-key-000000000000", "emulator-token"
PATH = "/v2/cmqc-project/mqs/instances/cmqc-instance/messages"


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    """A client of the roma emulator on a loopback port."""
    options = ServerOptions(product="roma", tokens={AK: TOKEN})
    with EmulatorServer({AK: SK}, options=options) as url, \
            httpx.Client(base_url=url, timeout=10) as c:
        yield c


def get(client: httpx.Client, path: str = PATH, *, token: str | None = TOKEN,
        **params: Any) -> httpx.Response:
    headers = {"X-Auth-Token": token} if token else {}
    return client.get(path, params={"topic": "cmqc-orders", **params}, headers=headers)


def test_token_and_signature(client: httpx.Client) -> None:
    assert get(client).status_code == 200
    assert get(client, token=None).status_code == 403
    assert get(client, token="nope").json()["error_code"] == "403"
    signed = client.get(PATH, params={"topic": "cmqc-orders"},
                        auth=AkSkAuth(Credentials.of(AK, SK), project_id="cmqc-project"))
    assert signed.status_code == 200
    forged = client.get(PATH, params={"topic": "cmqc-orders"},
                        auth=AkSkAuth(Credentials.of(AK, "wrong"), project_id="cmqc-project"))
    assert forged.status_code == 403
    garbage = client.get(PATH, params={"topic": "cmqc-orders"},
                         headers={"Authorization": "Bearer x"})
    assert garbage.status_code == 403


@pytest.mark.parametrize("path", [
    "/", "/v2", PATH + "/", PATH.replace("messages", "%ZZ"), "/v2/%C3%28/mqs/instances/i/messages",
    "/v2/p/mqs/instances/i/messages/../messages", "/" + "x/" * 300,
])
def test_malformed_paths_are_400(client: httpx.Client, path: str) -> None:
    got = get(client, path)
    assert got.status_code == 400, got.text
    assert set(got.json()) == {"error_code", "error_msg"}


@pytest.mark.parametrize("params", [
    {"limit": "x" * 5000}, {"start_time": "\u0663", "end_time": "1"}, {"offset": "1e3"},
    {"asc": ""}, {"unknown": "1"}, {"topic": ["a", "b"]}, {"limit": "0x10"},
    {"partition": "-0", "message_offset": "99999999999999999999999999"},
])
def test_bad_query_is_400(client: httpx.Client, params: dict[str, Any]) -> None:
    got = get(client, **params)
    assert got.status_code == 400, got.text
    assert got.json()["error_code"] == "400"


def test_other_methods_are_400(client: httpx.Client) -> None:
    got = client.post(PATH, headers={"X-Auth-Token": TOKEN})
    assert got.status_code == 400 and "GET" in got.json()["error_msg"]


def test_store_semantics() -> None:
    store = Store()
    seed(store, "p", "i", "t")
    every = store.query("p", "i", {"topic": "t"})
    assert every["total"] == every["size"] == 12
    stamps = [m["timestamp"] for m in every["messages"]]
    assert stamps == sorted(stamps, reverse=True)  # errata roma-asc-default: newest first
    ranged = store.query("p", "i", {"topic": "t", "start_time": stamps[-2], "end_time": stamps[1]})
    assert ranged["total"] == 10
    keyless = [m for m in every["messages"] if "key" not in m]
    assert len(keyless) == 1  # errata roma-key-absent
    page = store.query("p", "i", {"topic": "t", "asc": True, "limit": 5, "offset": 10})
    assert (page["size"], page["total"]) == (2, 12)
    assert store.query("p", "i", {"topic": "t-empty"})["messages"] == []


def test_mutants_change_the_store() -> None:
    specs = load_specs()
    plain = product_emulator("roma", specs).backend
    off = product_emulator("roma", specs, mutants=Mutants.of(["time-range-end-exclusive"]))
    every = plain.query("cmqc-project", "cmqc-instance", {"topic": "cmqc-orders"})["messages"]
    end = every[0]["timestamp"]
    params = {"topic": "cmqc-orders", "start_time": 0, "end_time": end}
    assert plain.query("cmqc-project", "cmqc-instance", params)["total"] == 12
    assert off.backend.query("cmqc-project", "cmqc-instance", params)["total"] == 11


def test_accounts_repr_hides_keys() -> None:
    assert SK not in repr(AccountKeys({AK: SK}, {AK: TOKEN}))
