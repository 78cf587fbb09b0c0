"""The plugin's cmq_push_time_scale, cmq_second_session and cmq_throttled_session fixtures.

End to end with pytester (subprocesses), against emulators these tests start themselves, plus
the target-file keys behind them (``push_time_scale``, ``[second_credentials]``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cmqconform.dialects import Credentials
from cmqconform.emulator.server import EmulatorServer
from cmqconform.errors import ConfigError
from cmqconform.plugin_run import EMBEDDED_PUSH_TIME_SCALE
from cmqconform.session import Session, url_target
from cmqconform.spec import load_specs
from cmqconform.targets import target_from_mapping
from tests.surfaces import V3

pytest_plugins = ["pytester"]
MAIN = ("AKIDcmqcfixturesmain", "fixtures-main-key")
SECOND = ("AKIDcmqcfixturessecond", "fixtures-second-key")

#: Scenarios run inside pytester; {scale} is what cmq_push_time_scale must answer.
SCENARIOS = '''
import pytest
from tests.surfaces import V3

def test_scale(cmq_push_time_scale):
    assert cmq_push_time_scale == {scale}

def test_second_account_is_isolated(cmq_session, cmq_second_session, cmq_queue):
    assert cmq_second_session.target.credentials.secret_id != \\
        cmq_session.target.credentials.secret_id
    name = cmq_queue()
    params = {{"QueueName": name}}
    assert cmq_session.call(V3, "DescribeQueueDetail", params).data["TotalCount"] == 1
    assert cmq_second_session.call(V3, "DescribeQueueDetail", params).data["TotalCount"] == 0

def test_throttled(cmq_throttled_session):
    rate = cmq_throttled_session.target.declared_limits["v3_requests_per_second"]
    answers = [cmq_throttled_session.call(V3, "DescribeQueueDetail", {{"Limit": 1}})
               for _ in range(3 * rate)]
    assert any(a.code == "RequestLimitExceeded" for a in answers)
'''

#: cmq_queue is CMQ's own fixture now (suites/behaviour/conftest.py), built from the plugin's
#: resource_factory; the scenarios above define it the same way.
CONFTEST = '''
from cmqconform.pytest_plugin import resource_factory

cmq_queue = resource_factory("queue", "cmq.v3")
'''


@pytest.fixture(scope="module")
def two_accounts() -> Iterator[str]:
    """An emulator with two accounts."""
    with EmulatorServer(dict([MAIN, SECOND])) as url:
        yield url


def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", MAIN[0])
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", MAIN[1])
    monkeypatch.setenv("CMQC_SECOND_ID", SECOND[0])
    monkeypatch.setenv("CMQC_SECOND_KEY", SECOND[1])


def test_embedded_emulator_offers_all_three_under_xdist(pytester: pytest.Pytester) -> None:
    """No target, two workers, no report dir: scaled pushes, a second account, a throttled twin.

    The workers start before the emulator; they must still get its keys.
    """
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(SCENARIOS.format(scale=EMBEDDED_PUSH_TIME_SCALE))
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:randomly")
    result.assert_outcomes(passed=3)


def test_url_target_declares_neither(pytester: pytest.Pytester, two_accounts: str,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A URL target has scale 1 and no second account or rate limit: those tests skip, saying why.
    """
    _env(monkeypatch)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(SCENARIOS.format(scale=1.0))
    result = pytester.runpytest_inprocess(f"--cmq-target={two_accounts}", "-rs",
                                           "-p", "no:randomly")
    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines(["*declares no second account*[second_credentials]*",
                                 "*declares no rate limit*v3_requests_per_second*"])


def test_target_file_declares_scale_and_second_account(pytester: pytest.Pytester,
                                                       two_accounts: str,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    """push_time_scale and [second_credentials] reach the fixtures; both accounts are swept."""
    _env(monkeypatch)
    target = tmp_path / "two.toml"
    target.write_text(f'url = "{two_accounts}"\nregion = "ap-guangzhou"\n'
                      'push_time_scale = 0.5\n[second_credentials]\n'
                      'secret_id_env = "CMQC_SECOND_ID"\nsecret_key_env = "CMQC_SECOND_KEY"\n')
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(SCENARIOS.format(scale=0.5))
    specs = load_specs()
    with Session(specs, url_target(two_accounts, Credentials.of(*SECOND), specs)) as other:
        leftover = {"QueueName": "cmqc-earlier-run-2"}
        assert other.call(V3, "CreateQueue", leftover).ok
        result = pytester.runpytest_inprocess(f"--cmq-target={target}", "-p", "no:randomly")
        result.assert_outcomes(passed=2, skipped=1)
        assert other.call(V3, "DescribeQueueDetail", leftover).data["TotalCount"] == 0


@pytest.mark.parametrize(("extra", "message"), [
    ({"push_time_scale": 0}, "push_time_scale: expected a factor > 0, got 0"),
    ({"push_time_scale": "fast"}, "push_time_scale: expected a factor > 0, got 'fast'"),
    ({"second_credentials": {"secret_id_env": "CMQC_NOPE", "secret_key_env": "CMQC_SECOND_KEY"}},
     "second_credentials.secret_id_env: environment variable CMQC_NOPE is not set"),
    ({"second_credentials": {"secret_key_env": "CMQC_SECOND_KEY"}},
     "second_credentials.secret_id_env: missing"),
], ids=["zero-scale", "text-scale", "unset-variable", "missing-id-variable"])
def test_bad_declarations_are_named(extra: dict[str, object], message: str) -> None:
    """Each bad key is reported with its name and the rule it breaks."""
    doc = {"url": "http://127.0.0.1:9", "region": "ap-guangzhou", **extra}
    env = {"TENCENTCLOUD_SECRET_ID": MAIN[0], "TENCENTCLOUD_SECRET_KEY": MAIN[1],
           "CMQC_SECOND_KEY": SECOND[1]}
    with pytest.raises(ConfigError, match=r"two\.toml") as info:
        target_from_mapping(doc, source="two.toml", env=env)
    assert message in str(info.value)


def test_a_pasted_second_key_is_refused_without_echo() -> None:
    """A secret written into [second_credentials] is refused and never repeated."""
    doc = {"url": "http://127.0.0.1:9", "region": "ap-guangzhou",
           "second_credentials": {"secret_key": "s3cr3t-pasted"}}
    env = {"TENCENTCLOUD_SECRET_ID": MAIN[0], "TENCENTCLOUD_SECRET_KEY": MAIN[1]}
    with pytest.raises(ConfigError) as info:
        target_from_mapping(doc, source="two.toml", env=env)
    assert "second_credentials.secret_key" in str(info.value)
    assert "s3cr3t-pasted" not in str(info.value)
