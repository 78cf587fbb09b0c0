"""The spec-driven mock: generated cases pass, state follows product.yaml, mutants are caught.

Everything runs against a real loopback server: the throwaway task product of
:mod:`tests.emulator.mockdemo` (served by the registry's fallback, as any product without a
package is), and CMQ's own specs served by the mock instead of CMQ's emulator.
"""

from __future__ import annotations

import collections
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from jsonschema import Draft202012Validator

from cmqconform.cases import generate
from cmqconform.cases.resources import Namer
from cmqconform.cli import main
from cmqconform.dialects import Credentials
from cmqconform.emulator import mock
from cmqconform.emulator.product import Mutants
from cmqconform.emulator.server import EmulatorServer, ServerOptions
from cmqconform.errors import ConfigError
from cmqconform.models import SpecSet
from cmqconform.products import mutant_catalog, product_emulator
from cmqconform.runner import execute
from cmqconform.session import Session
from cmqconform.spec import load_specs
from cmqconform.spec.loader import load_specs as load_root
from cmqconform.spec.schema import response_schema
from cmqconform.targets import target_from_url
from tests.emulator.mockdemo import build

SID, SKEY = "AKIDmocktest000001", "mock-test-key-0001"
DEMO = "demo.v3"


@pytest.fixture(scope="module")
def demo_specs(tmp_path_factory: pytest.TempPathFactory) -> SpecSet:
    """The loaded throwaway product."""
    return load_root(build(tmp_path_factory.mktemp("mockdemo")))


def _session(specs: SpecSet, url: str, surface: str) -> Session:
    target = target_from_url(url, credentials=Credentials.of(SID, SKEY), specs=specs,
                             surfaces=(surface,))
    return Session(specs, target)


def verdicts(specs: SpecSet, surface: str, mutant: str | None = None,
             *, through_registry: bool = True, kinds: tuple[str, ...] | None = None,
             until_fail: bool = False) -> dict[str, tuple[str, str]]:
    """The generated cases of ``surface`` (of ``kinds`` or labels, else all) against a mock:
    id -> (verdict, message); ``until_fail`` stops at the first failure."""
    product = specs.apis[surface].product
    mutants = Mutants.of([mutant])
    options = ServerOptions(product=product, mutants=mutants)
    built = None if through_registry else mock.emulator(specs, product, mutants=mutants)
    out = {}
    with EmulatorServer({SID: SKEY}, options=options, specs=specs, emulator=built) as url, \
            _session(specs, url, surface) as session:
        for case in generate(specs, [surface]):
            if kinds is not None and case.kind not in kinds and case.label not in kinds:
                continue
            got = execute(case, session, Namer("mock01"))
            out[case.id] = (got.verdict, got.message)
            if until_fail and got.verdict == "fail":
                break
    return out


@pytest.fixture(scope="module")
def demo_server(demo_specs: SpecSet) -> Iterator[Session]:
    """A session with one mock of the demo product for the module."""
    with EmulatorServer({SID: SKEY}, options=ServerOptions(product="demo"),
                        specs=demo_specs) as url, _session(demo_specs, url, DEMO) as session:
        yield session


def test_every_generated_case_passes_on_the_demo_product(demo_specs: SpecSet) -> None:
    """Boundaries, negatives, protocol, auth, region and not-found cases: all pass."""
    got = verdicts(demo_specs, DEMO)
    assert {"StartTask[Region outside the action's list]", "DescribeTask[TaskId=unknown]",
            "StopTask[TaskId=unknown]", "StartTask[Volume=1]"} <= set(got)
    assert {k: v for k, v in got.items() if v[0] != "pass"} == {}


@pytest.mark.parametrize("surface", ["cmq.v3", "cmq.legacy"])
def test_cmq_specs_served_by_the_mock_pass_their_cases(surface: str) -> None:
    """The mock needs nothing but specs: CMQ's surfaces (both dialects) pass their baselines
    and not-found and already-exists cases (the rest is the gateway's, tested with CMQ)."""
    got = verdicts(load_specs(), surface, through_registry=False,
                   kinds=("baseline", "resource"))
    assert any(k.endswith("=unknown]") for k in got) and any(k.endswith("=existing]")
                                                            for k in got)
    assert {k: v for k, v in got.items() if v[0] != "pass"} == {}


def test_a_task_lifecycle_follows_the_resources_of_product_yaml(demo_server: Session) -> None:
    """Start -> describe (its TaskId) -> update -> stop -> describe and stop: not found."""
    api = demo_server.specs.api(DEMO)
    started = demo_server.call(DEMO, "StartTask", {"SdkAppId": 7, "RoomId": "r1"})
    assert started.ok, started.describe()
    task = started.data["TaskId"]
    assert task != "doc-task-1"  # the example's shape, the state's id
    described = demo_server.call(DEMO, "DescribeTask", {"SdkAppId": 7, "TaskId": task})
    assert described.ok and described.data["TaskId"] == task
    Draft202012Validator(response_schema(api, api.actions["DescribeTask"])).validate(
        {k: v for k, v in described.data.items()})
    assert demo_server.call(DEMO, "UpdateTask", {"SdkAppId": 7, "TaskId": task,
                                                 "RoomId": "r2"}).ok
    assert demo_server.call(DEMO, "StopTask", {"SdkAppId": 7, "TaskId": task}).ok
    for action in ("DescribeTask", "StopTask", "UpdateTask"):
        gone = demo_server.call(DEMO, action, {"SdkAppId": 7, "TaskId": task})
        assert gone.code == "FailedOperation.TaskNotExist", gone.describe()


def test_tasks_are_per_account(demo_specs: SpecSet) -> None:
    """A task started by one account is not found by another."""
    other = ("AKIDmocktest000002", "mock-test-key-0002")
    with EmulatorServer({SID: SKEY, other[0]: other[1]}, options=ServerOptions(product="demo"),
                        specs=demo_specs) as url, _session(demo_specs, url, DEMO) as mine:
        task = mine.call(DEMO, "StartTask", {"SdkAppId": 7, "RoomId": "r"}).data["TaskId"]
        target = target_from_url(url, credentials=Credentials.of(*other), specs=demo_specs,
                                 surfaces=(DEMO,))
        with Session(demo_specs, target) as theirs:
            got = theirs.call(DEMO, "DescribeTask", {"SdkAppId": 7, "TaskId": task})
    assert got.code == "FailedOperation.TaskNotExist"


def test_answers_are_the_example_else_typed_and_validate(demo_specs: SpecSet) -> None:
    """Without state the answer is the doc's example (when valid) or typed values; both
    validate against the response schema the suite checks."""
    api = demo_specs.api(DEMO)
    from cmqconform.emulator.synth import answer

    assert answer(api, api.actions["StartTask"]) == {"TaskId": "doc-task-1"}
    described = answer(api, api.actions["DescribeTask"])
    assert described["Score"] == 1.5 and described["Detail"]["When"] == "2024-01-01 00:00:00"
    for action in api.actions.values():
        body = {**answer(api, action), "RequestId": "r"}
        Draft202012Validator(response_schema(api, action)).validate(body)


def test_the_region_allow_list_is_enforced(demo_server: Session) -> None:
    """StartTask in a region the surface serves but the action does not: UnsupportedRegion."""
    got = demo_server.call(DEMO, "StartTask", {"SdkAppId": 7, "RoomId": "r"},
                           common={"Region": "ap-beijing"})
    assert got.code == "UnsupportedRegion", got.describe()


@pytest.mark.parametrize("mutant", sorted(mock.MUTANTS))
def test_every_mock_mutant_is_caught_by_a_generated_case(demo_specs: SpecSet,
                                                         mutant: str) -> None:
    """Each generic deviation makes at least one generated case of its category fail."""
    got = verdicts(demo_specs, DEMO, mutant, until_fail=True)
    assert collections.Counter(v for v, _ in got.values())["fail"] >= 1, mutant


def test_the_registry_serves_a_product_without_a_package_with_the_mock(
        demo_specs: SpecSet) -> None:
    """No package, but specs: the mock, with the generic catalog; no specs: ConfigError."""
    built = product_emulator("demo", demo_specs)
    assert isinstance(built, mock.MockEmulator) and set(built.handlers) == {DEMO}
    assert set(mutant_catalog("demo", demo_specs)) == set(mock.MUTANTS)
    assert all(m.equivalent is None for m in mutant_catalog("demo", demo_specs).values())
    tdmq = mutant_catalog("tdmq", load_specs())
    assert tdmq["range-max-unchecked"].equivalent == "no parameter states a maximum"
    assert tdmq["request-id-missing"].equivalent is None
    with pytest.raises(ConfigError, match="unknown mutant 'delay-ignored'"):
        product_emulator("demo", demo_specs, mutants=Mutants.of(["delay-ignored"]))
    with pytest.raises(ConfigError, match="unknown product 'nosuch'"):
        product_emulator("nosuch", demo_specs)


def test_serve_refuses_an_unknown_product_with_exit_2(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    """``cmqconform serve --product nosuch``: one clear line, exit 2, nothing served."""
    code = main(["serve", "--product", "nosuch", "--port", "0", "--account", f"{SID}:{SKEY}"])
    assert code == 2
    err = capsys.readouterr().err
    assert "unknown product 'nosuch'" in err and SKEY not in err


def test_every_task_lifecycle_of_the_specs_has_a_scenario() -> None:
    """Each kind with an id and actions taking it appears in the lifecycle scenarios' table."""
    suites = Path(__file__).resolve().parents[2] / "suites" / "behaviour"
    text = (suites / "test_task_lifecycles.py").read_text(encoding="utf-8")
    specs = load_specs()
    kinds = [(surface, kind.name) for product in specs.products.values()
             for kind in product.resources.values() if kind.id_member
             for surface in kind.uses if surface in kind.delete]
    assert kinds, "the specs declare no task lifecycle"
    missing = [k for k in kinds if f'pytest.param("{k[0]}", "{k[1]}"' not in text]
    assert missing == []


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"\xff\xfe", b""])
def test_undecodable_requests_get_a_client_error_never_a_500(demo_server: Session,
                                                             body: bytes) -> None:
    """Garbage bodies, unsigned or signed, answer a documented client code with HTTP 200."""
    url = demo_server.target.endpoints.urls[DEMO]
    api = demo_server.specs.api(DEMO)
    documented = {str(r.code) for c in api.conditions.values() for r in c.accept}
    with httpx.Client() as client:
        for headers in ({"X-TC-Action": "StartTask", "Content-Type": "application/json"}, {}):
            response = client.post(url, content=body, headers=headers)
            assert response.status_code == 200
            error = response.json()["Response"]["Error"]
            assert error["Code"] in documented and error["Code"] != "InternalError", error


def test_mutate_lists_the_mock_catalog_of_a_product(capsys: pytest.CaptureFixture[str]) -> None:
    """``mutate --product trtc --list``: the ten generic mutants; for TDMQ, whose specs state
    no range, the range mutants are equivalent; an unknown product is exit 2."""
    assert main(["mutate", "--product", "trtc", "--list"]) == 0
    listed = capsys.readouterr().out
    assert all(f"`{name}`" in listed for name in mock.MUTANTS) and "Equivalent" not in listed
    assert main(["mutate", "--product", "tdmq", "--list"]) == 0
    assert "*Equivalent: no parameter states a maximum.*" in capsys.readouterr().out
    assert main(["mutate", "--product", "nosuch", "--list"]) == 2
    assert "unknown product 'nosuch'" in capsys.readouterr().err
