"""The official international SDK as the oracle of the TDMQ and TRTC mocks.

``tencentcloud-sdk-python-intl-en`` (pinned in pyproject.toml's ``intl-sdk`` extra) calls
``cmqconform serve --product trtc`` / ``--product tdmq`` (the spec-driven mock) on loopback:
every documented TRTC action and TDMQ's SendMessages, called with valid input, succeed and
parse into the SDK's response models; a value past a documented bound raises the code the specs
give. The SDK is installed apart (its ``tencentcloud.common`` would replace the CMQ SDK's) into
a cached folder, and driven by :mod:`tests.sdk.intl_driver` in a process of its own.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cmqconform.cases.build import baseline, repair, setup_for
from cmqconform.cases.resources import Namer
from cmqconform.dialects import Credentials
from cmqconform.emulator.server import EmulatorServer, ServerOptions
from cmqconform.models import ActionSpec, ApiSpec, SpecSet
from cmqconform.provision import Resources
from cmqconform.session import Session
from cmqconform.spec import load_specs
from cmqconform.targets import target_from_url
from tests.processes import run

pytestmark = [pytest.mark.sdk]

ROOT = Path(__file__).resolve().parents[2]
PIN = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
    "project"]["optional-dependencies"]["intl-sdk"][0]
DRIVER = Path(__file__).with_name("intl_driver.py")
SID, SKEY = "AKIDintlsdkaccount01", "intl-sdk-secret-key-01"
UNREACHABLE = ("No matching distribution", "Could not find a version", "NewConnectionError",
               "Network is unreachable", "Temporary failure in name resolution",
               "Max retries exceeded")


@pytest.fixture(scope="session")
def intl_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder the pinned SDK is installed into (once; skips when the index is unreachable)."""
    name = PIN.replace("==", "-")
    cache = getattr(request.config, "cache", None)  # None under -p no:cacheprovider
    home = Path(cache.mkdir(name)) if cache is not None else \
        tmp_path_factory.getbasetemp().parent / name
    home.mkdir(exist_ok=True)
    site, ready = home / "site", home / "ready"
    with (home / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one installer across xdist workers
        if not ready.exists():
            pip = run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--upgrade",
                       "--target", str(site), PIN], timeout=600)
            if pip.returncode != 0:
                if any(sign in pip.stderr for sign in UNREACHABLE):
                    pytest.skip(f"pip cannot install {PIN}: "
                                f"{pip.stderr.strip().splitlines()[-1]}")
                raise AssertionError(f"pip install {PIN} failed:\n{pip.stderr[-2000:]}")
            ready.write_text("ok\n")
    return site


def drive(site: Path, endpoint: str, product: str, version: str, region: str,
          calls: list[dict[str, Any]], sign_method: str = "TC3-HMAC-SHA256",
          models: list[str] | None = None) -> dict[str, Any]:
    """Run ``calls`` through the official SDK; its results by call (the job file, which holds
    a key, lives in a private temporary folder and is removed at once)."""
    job = {"endpoint": endpoint.removeprefix("http://"), "secret_id": SID, "secret_key": SKEY,
           "product": product, "version": version, "region": region, "calls": calls,
           "sign_method": sign_method, "models": models}
    env = {**os.environ, "PYTHONPATH": str(site)}
    with tempfile.TemporaryDirectory(prefix="cmqc-intl-") as folder:
        path = Path(folder) / "job.json"
        path.write_text(json.dumps(job), encoding="utf-8")
        done = run([sys.executable, str(DRIVER), str(path)], timeout=300, env=env)
    assert done.returncode == 0, f"the SDK driver failed:\n{done.stderr[-3000:]}"
    out: dict[str, Any] = json.loads(done.stdout)
    return out


@pytest.fixture(scope="module")
def specs() -> SpecSet:
    """The bundled specs."""
    return load_specs()


@pytest.fixture(scope="module")
def trtc(specs: SpecSet) -> Iterator[tuple[str, Session]]:
    """The TRTC mock's URL, and a session of ours with it (to start tasks the SDK then takes)."""
    with EmulatorServer({SID: SKEY}, options=ServerOptions(product="trtc"), specs=specs) as url:
        target = target_from_url(url, credentials=Credentials.of(SID, SKEY), specs=specs,
                                 surfaces=("trtc.v3",))
        with Session(specs, target) as session:
            yield url, session


def _region(api: ApiSpec, action: ActionSpec) -> str:
    return (action.regions or api.facts.region_ids)[0]


def valid_call(api: ApiSpec, action: ActionSpec, resources: Resources) -> dict[str, Any]:
    """The action's baseline, its placeholders resolved (a task started first when it takes
    one), in the region the action accepts."""
    params = repair(api, action, baseline(api, action)) or baseline(api, action)
    resources.provide(setup_for(action, params))
    return {"action": action.name, "params": resources.resolve(params),
            "region": _region(api, action)}


def test_every_trtc_action_succeeds_and_parses(intl_site: Path, specs: SpecSet,
                                               trtc: tuple[str, Session]) -> None:
    """All documented TRTC actions, valid input, TC3: success, and every documented member of
    the answer is in the SDK's response model."""
    url, session = trtc
    api = specs.api("trtc.v3")
    namer = Namer("intl01")
    # Each action its own resources: a task stopped by one call is not the next one's.
    calls = [valid_call(api, action, Resources(session, "trtc.v3", namer))
             for action in api.actions.values()]
    got = drive(intl_site, url, "trtc", api.version, api.facts.region_ids[0], calls)
    assert got["sdk_version"] == PIN.split("==")[1]
    failed = [r for r in got["results"] if not r["ok"]]
    assert failed == []
    assert len(got["results"]) == len(api.actions) >= 39
    for result in got["results"]:
        action = api.actions[result["action"]]
        missing = [m.name for m in action.response if m.name not in result["response"]]
        assert missing == [], result["action"]
        empty = [m.name for m in action.response if not m.nullable and m.required
                 and result["response"][m.name] is None]
        assert empty == [], result["action"]


def _breaking(action: ActionSpec) -> tuple[str, Any, str] | None:
    """A top-level value past a documented bound: (parameter, value, condition)."""
    for param in action.request:
        if param.enum:
            wrong: Any = max(v for v in param.enum if isinstance(v, int)) + 1 \
                if all(isinstance(v, int) for v in param.enum) else "cmqc-not-listed"
            return param.name, wrong, "enum_mismatch"
        if param.type in ("integer", "float") and param.max is not None:
            return param.name, param.max + 1, "out_of_range"
        if param.type in ("integer", "float") and param.min is not None:
            return param.name, param.min - 1, "out_of_range"
    return None


def test_past_a_documented_bound_the_sdk_raises_the_documented_code(
        intl_site: Path, specs: SpecSet, trtc: tuple[str, Session]) -> None:
    """Per TRTC action with a top-level range or enumeration, one value past it: the SDK raises
    a code the specs accept for that violation (out_of_range, enum_mismatch)."""
    url, session = trtc
    api = specs.api("trtc.v3")
    namer = Namer("intl02")
    calls, conditions = [], []
    for action in api.actions.values():
        broken = _breaking(action)
        if broken is not None:
            call = valid_call(api, action, Resources(session, "trtc.v3", namer))
            call["params"][broken[0]] = broken[1]
            calls.append(call)
            conditions.append(broken[2])
    assert len(calls) >= 10, "fewer TRTC actions with a top-level bound than the specs hold"
    got = drive(intl_site, url, "trtc", api.version, api.facts.region_ids[0], calls)
    wrong = [(r["action"], r.get("code")) for r, condition in zip(got["results"], conditions,
                                                                   strict=True)
             if r["ok"] or r["code"] not in {str(ref.code) for ref
                                             in api.conditions[condition].accept}]
    assert wrong == []


@pytest.mark.parametrize("sign_method", ["TC3-HMAC-SHA256", "HmacSHA256", "HmacSHA1"])
def test_tdmq_send_messages(intl_site: Path, specs: SpecSet, sign_method: str) -> None:
    """SendMessages with valid input succeeds and parses (MessageId); without the required
    Topic the SDK raises the documented MissingParameter, in every signing method."""
    api = specs.api("tdmq.v3")
    action = api.actions["SendMessages"]
    valid = repair(api, action, baseline(api, action)) or baseline(api, action)
    missing = {k: v for k, v in valid.items() if k != "Topic"}
    with EmulatorServer({SID: SKEY}, options=ServerOptions(product="tdmq"), specs=specs) as url:
        got = drive(intl_site, url, "tdmq", api.version, "ap-guangzhou",
                    [{"action": "SendMessages", "params": valid},
                     {"action": "SendMessages", "params": missing}], sign_method=sign_method)
    ok, refused = got["results"]
    assert ok["ok"] and ok["model"] == "SendMessagesResponse" and ok["response"]["MessageId"]
    accepted = {str(ref.code) for ref in api.conditions["missing_parameter"].accept}
    assert not refused["ok"] and refused["code"] in accepted, refused


@pytest.mark.parametrize("surface", ["trtc.v3", "tdmq.v3"])
def test_the_pinned_sdk_models_hold_every_documented_member(intl_site: Path, specs: SpecSet,
                                                            surface: str) -> None:
    """The pin matches the docs: every action's request and response model, and every data
    structure, has each member the specs list (the SDK may have more)."""
    api = specs.api(surface)
    wanted: dict[str, set[str]] = {}
    for name, action in api.actions.items():
        wanted[f"{name}Request"] = {p.name for p in action.request}
        wanted[f"{name}Response"] = {f.name for f in action.response}
    for name, struct in api.types.items():
        wanted[name] = {f.name for f in struct.fields}
    got = drive(intl_site, "127.0.0.1:9", api.product, api.version, "ap-guangzhou", [],
                models=sorted(wanted))
    missing = {name: sorted(members - set(got["models"].get(name, ())))
               for name, members in wanted.items()}
    assert {k: v for k, v in missing.items() if v} == {}
