"""The pytest plugin end to end (pytester) against an emulator this test starts itself."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cmqconform.dialects import Credentials
from cmqconform.emulator.server import EmulatorServer
from cmqconform.netutil import free_port
from cmqconform.session import Session, url_target
from cmqconform.spec import load_specs
from tests.surfaces import LEGACY, V3

pytest_plugins = ["pytester"]
SECRET_ID, SECRET_KEY = "AKIDcmqcplugintest", "plugin-test-key"

TESTS = '''
import pytest

@pytest.mark.clause("cmq.v3.CreateQueue.creates_queue")
def test_queue_factory(cmq_queue, cmq_v3):
    name = cmq_queue()
    assert name.startswith("cmqc-")
    got = cmq_v3.call("DescribeQueueDetail", Offset=0, Limit=50)
    assert got.ok

def test_contract_break_is_a_fail(cmq_v3):
    assert cmq_v3.call("CreateQueue", QueueName="1bad").ok  # refused: a deliberate fail

@pytest.mark.clause("cmq.v3.x.known")
def test_known_deviation(cmq_v3):
    assert False, "deviates"
'''


#: CMQ's scenario fixtures moved out of the plugin (suites/behaviour/conftest.py): a scenario
#: file outside suites/ defines the ones it uses from the plugin's factories.
CONFTEST = '''
import pytest
from cmqconform.pytest_plugin import resource_factory

@pytest.fixture(scope="session")
def cmq_v3(cmq_client):
    return cmq_client("cmq.v3")

cmq_queue = resource_factory("queue", "cmq.v3")
'''

#: Collects ./generated like suites/conftest.py collects suites/generated: one virtual file
#: per selected surface.
GENERATED_CONFTEST = '''
from cmqconform.plugin_items import GeneratedDirectory

def pytest_collect_directory(path, parent):
    if path.name == "generated":
        return GeneratedDirectory.from_parent(parent, path=path)
    return None
'''


@pytest.fixture(scope="module")
def emulator() -> Iterator[str]:
    with EmulatorServer({SECRET_ID: SECRET_KEY}) as url:
        yield url


@pytest.fixture
def session(emulator: str) -> Iterator[Session]:
    specs = load_specs()
    with Session(specs, url_target(emulator, Credentials.of(SECRET_ID, SECRET_KEY),
                                   specs)) as s:
        yield s


def _names(session: Session) -> set[str]:
    got = session.call(V3, "DescribeQueueDetail", {"Offset": 0, "Limit": 50})
    return {q["QueueName"] for q in got.data.get("QueueSet", [])}


def test_run_writes_results_sweeps_only_prefixed_and_applies_expectations(
        pytester: pytest.Pytester, emulator: str, session: Session,
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", SECRET_ID)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", SECRET_KEY)
    assert session.call(V3, "CreateQueue", {"QueueName": "outside-queue"}).ok
    assert session.call(LEGACY, "SendMessage", {"queueName": "outside-queue",
                                                "msgBody": "keep me"}).ok
    assert session.call(V3, "CreateQueue", {"QueueName": "cmqc-earlier-run-1"}).ok
    expectations = tmp_path / "expect.yaml"
    expectations.write_text('- {clause: "cmq.v3.x.known", status: xfail, reason: known}\n')
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(TESTS)
    report = tmp_path / "report"
    result = pytester.runpytest_subprocess(f"--cmq-target={emulator}",
                                           f"--cmq-report-dir={report}",
                                           f"--cmq-expectations={expectations}", "-p",
                                           "no:randomly")
    result.assert_outcomes(passed=1, failed=1, xfailed=1)
    doc = json.loads((report / "results.json").read_text())
    verdicts = {c["id"].split("::")[-1]: c for c in doc["cases"]}
    assert verdicts["test_queue_factory"]["clause_ids"] == ["cmq.v3.CreateQueue.creates_queue"]
    assert verdicts["test_known_deviation"]["verdict"] == "xfail"
    broken = verdicts["test_contract_break_is_a_fail"]
    assert broken["verdict"] == "fail"
    # A failing scenario's evidence is the last exchange it made, redacted.
    request = broken["evidence"]["request"]
    assert "1bad" in request["body"] and SECRET_KEY not in json.dumps(broken)
    assert "evidence" not in verdicts["test_queue_factory"]
    assert doc["summary"]["total"] == 3
    names = _names(session)
    assert "outside-queue" in names
    assert "cmqc-earlier-run-1" not in names
    assert not any(n.startswith("cmqc-") for n in names)
    got = session.call(LEGACY, "ReceiveMessage", {"queueName": "outside-queue",
                                                  "pollingWaitSeconds": 0})
    assert got.ok and got.data["msgBody"] == "keep me"


def test_generated_records_carry_their_expectation_even_when_disabled(
        pytester: pytest.Pytester, emulator: str, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    """A judged case and one disabled before it ran both record their structured expectation."""
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", SECRET_ID)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", SECRET_KEY)
    suites = Path(__file__).resolve().parents[1] / "suites"
    pytester.makeini((suites / "pytest.ini").read_text())
    pytester.makeconftest(GENERATED_CONFTEST)
    (pytester.path / "generated").mkdir()
    expectations = tmp_path / "expect.yaml"
    # Case names are globs: "?" stands for the brackets, which fnmatch reads as a class.
    expectations.write_text('- {case: "CreateQueue?VisibilityTimeout=0?", status: disabled, '
                            'reason: slow here}\n')
    report = tmp_path / "report"
    result = pytester.runpytest_subprocess(f"--cmq-target={emulator}",
                                           f"--cmq-report-dir={report}",
                                           f"--cmq-expectations={expectations}",
                                           f"--cmq-api={V3}",
                                           "-k", "CreateQueue and VisibilityTimeout and 0",
                                           "-p", "no:randomly")
    result.assert_outcomes(passed=3, skipped=1)  # =0 disabled; =30, =43200, =43201
    doc = json.loads((report / "results.json").read_text())
    assert {c["api"] for c in doc["cases"]} == {V3}
    assert all(c["id"].startswith(f"generated/{V3}.spec::") for c in doc["cases"])
    by_name = {c["id"].split("::")[-1]: c for c in doc["cases"]}
    disabled = by_name["CreateQueue[VisibilityTimeout=0]"]
    judged = by_name["CreateQueue[VisibilityTimeout=43200]"]
    assert disabled["verdict"] == "disabled" and disabled["message"] == "disabled: slow here"
    assert judged["verdict"] == "pass"
    for rec in (disabled, judged):
        assert rec["kind"] == "range" and rec["source"] == "cmq-api.txt:3540"
    assert disabled["case_kind"] == "invalid" and judged["case_kind"] == "valid"
    assert disabled["expected_outcome"]["conditions"] == ["out_of_range"]
    assert {c["code"] for c in disabled["expected_codes"]} == {"InvalidParameter",
                                                                "InvalidParameterValue"}
    assert disabled["errata"] == ["v3-validation-code"]
    assert judged["expected_codes"] == [] and judged["expected_outcome"]["outcome"] == "success"


DEAD_TARGET_TESTS = '''
def test_a_step_without_an_answer(cmq_v3):
    assert cmq_v3.call("DescribeQueueDetail", Offset=0, Limit=1).ok
'''


def test_a_scenario_step_that_gets_no_answer_is_an_error_not_a_fail(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A refused connection says nothing about the contract: the case is `error`, naming it."""
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", SECRET_ID)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", SECRET_KEY)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(DEAD_TARGET_TESTS)
    report = tmp_path / "report"
    pytester.runpytest_subprocess(f"--cmq-target=http://127.0.0.1:{free_port()}",
                                  f"--cmq-report-dir={report}", "-p", "no:randomly")
    case = json.loads((report / "results.json").read_text())["cases"][0]
    assert case["verdict"] == "error", case
    assert case["message"].startswith("transport: ConnectError")


PER_SURFACE = '''
import pytest

@pytest.mark.parametrize("api", ["cmq.v3", "cmq.legacy"])
@pytest.mark.clause("cmq.v3.auth.signature_failure", "cmq.v3.CreateQueue.creates_queue",
                    "cmq.legacy.auth.signature_failure", "cmq.legacy.CreateQueue.creates_queue")
def test_per_surface(api, cmq_run):
    assert api
'''


def test_a_scenario_parametrised_per_surface_is_recorded_with_that_surface(
        pytester: pytest.Pytester, emulator: str, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    """``[cmq.legacy]`` is a legacy case: its surface, action and clauses are legacy's."""
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", SECRET_ID)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", SECRET_KEY)
    pytester.makeconftest("")  # a project of its own: not the bundled suites
    pytester.makepyfile(PER_SURFACE)
    report = tmp_path / "report"
    result = pytester.runpytest_subprocess(f"--cmq-target={emulator}",
                                           f"--cmq-report-dir={report}", "-p", "no:randomly")
    result.assert_outcomes(passed=2)
    cases = {c["id"].split("[")[-1]: c for c in
             json.loads((report / "results.json").read_text())["cases"]}
    for api in (V3, LEGACY):
        case = cases[f"{api}]"]
        assert case["api"] == api and case["action"] == "CreateQueue"
        assert case["clause_ids"] == [f"{api}.auth.signature_failure",
                                      f"{api}.CreateQueue.creates_queue"]


def test_allure_counts_an_error_as_broken_with_its_own_history_and_evidence(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A step without an answer is an error verdict: Allure's "broken", not "failed"; each case
    has its own history id and parameters, and its redacted request as an attachment."""
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", SECRET_ID)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", SECRET_KEY)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(DEAD_TARGET_TESTS + '''

import pytest

@pytest.mark.parametrize("n", [1, 2])
def test_twice(cmq_v3, n):
    assert cmq_v3.call("DescribeQueueDetail", Offset=0, Limit=n).ok
''')
    report, allure_dir = tmp_path / "report", tmp_path / "allure"
    pytester.runpytest_subprocess(f"--cmq-target=http://127.0.0.1:{free_port()}",
                                  f"--cmq-report-dir={report}", f"--alluredir={allure_dir}",
                                  "-p", "no:randomly")
    doc = json.loads((report / "results.json").read_text())
    results = [json.loads(p.read_text()) for p in allure_dir.glob("*-result.json")]
    assert len(results) == len(doc["cases"]) == 3
    assert {c["verdict"] for c in doc["cases"]} == {"error"}
    assert {r["status"] for r in results} == {"broken"}
    assert len({r["historyId"] for r in results}) == 3
    for result in results:
        assert {p["name"] for p in result["parameters"]} >= {"case"}
        names = {a["name"] for a in result.get("attachments", [])}
        assert "request" in names
        body = next(a for a in result["attachments"] if a["name"] == "request")
        assert SECRET_KEY not in (allure_dir / body["source"]).read_text()


ORDERED = '''
import time


def work(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_short():
    pass


def test_long():
    work(0.3)


def test_middle():
    work(0.1)
'''


def test_a_run_starts_with_the_cases_the_last_run_found_longest(
        pytester: pytest.Pytester, emulator: str, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    # A long scenario started near the end keeps the run going while every other worker idles.
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", SECRET_ID)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", SECRET_KEY)
    pytester.makepyfile(test_ordered=ORDERED)
    options = ["test_ordered.py", f"--cmq-target={emulator}",
               f"--cmq-report-dir={tmp_path / 'report'}", "--cmq-product=cmq", "-p",
               "no:randomly"]
    first = pytester.runpytest_subprocess(*options, "--co", "-q")
    assert [line.split("::")[-1] for line in first.outlines if "::" in line] == [
        "test_short", "test_long", "test_middle"]
    pytester.runpytest_subprocess(*options).assert_outcomes(passed=3)
    history = json.loads((pytester.path / ".pytest_cache" / "v" / "cmqconform"
                          / "history").read_text())
    assert set(history) == {f"test_ordered.py::{n}" for n in ("test_short", "test_long",
                                                             "test_middle")}
    # [seconds, busiest action, its units, CPU seconds]: these send nothing, and work.
    assert history["test_ordered.py::test_long"][1:3] == [None, 0]
    assert history["test_ordered.py::test_long"][3] >= 0.3
    again = pytester.runpytest_subprocess(*options, "--co", "-q")
    assert [line.split("::")[-1] for line in again.outlines if "::" in line] == [
        "test_long", "test_middle", "test_short"]
