"""tccli-intl-en 3.0.1254.1, the real CLI, against a live emulator (v1 HmacSHA256 signing).

tccli's SDK namespace clashes with tencentcloud-sdk-python-cmq, so it lives in its own venv,
built once and cached under .pytest_cache (the first build takes about a minute, hence slow).
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.processes import run

from .conftest import SID, SKEY

pytestmark = [pytest.mark.sdk, pytest.mark.slow]

PINS = ["tccli-intl-en==3.0.1254.1", "tencentcloud-sdk-python-intl-en==3.0.1254"]
UNREACHABLE = ("No matching distribution", "Could not find a version", "NewConnectionError",
               "Network is unreachable", "Temporary failure in name resolution",
               "Max retries exceeded")


@pytest.fixture(scope="session")
def tccli(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of the tccli executable in a cached venv; skips when pip cannot reach the index."""
    cache = getattr(request.config, "cache", None)  # None under -p no:cacheprovider
    if cache is not None:
        home = Path(cache.mkdir("tccli-3.0.1254.1"))
    else:
        home = tmp_path_factory.getbasetemp().parent / "tccli-3.0.1254.1"
        home.mkdir(exist_ok=True)
    exe = home / "venv" / "bin" / "tccli"
    ready = home / "ready"
    with (home / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder across xdist workers
        if not ready.exists():
            venv = run([sys.executable, "-m", "venv", "--clear", str(home / "venv")],
                       timeout=300)
            assert venv.returncode == 0, f"python -m venv failed:\n{venv.stderr[-2000:]}"
            pip = run([str(home / "venv" / "bin" / "pip"), "install", "-q", *PINS], timeout=900)
            if pip.returncode != 0:
                if any(sign in pip.stderr for sign in UNREACHABLE):
                    pytest.skip(f"pip cannot install {PINS[0]} from the configured index: "
                                f"{pip.stderr.strip().splitlines()[-1]}")
                raise AssertionError(f"pip install failed:\n{pip.stderr[-2000:]}")
            ready.write_text("ok\n")
    return exe


def _run(tccli: Path, base_url: str, home: Path, action: str, *args: str) -> dict[str, Any]:
    env = {**os.environ, "HOME": str(home), "TENCENTCLOUD_SECRET_ID": SID,
           "TENCENTCLOUD_SECRET_KEY": SKEY, "TENCENTCLOUD_REGION": "ap-guangzhou"}
    done = run([str(tccli), "cmq", action, *args, "--endpoint", base_url], timeout=120,
               env=env)
    assert done.returncode == 0, f"tccli cmq {action} failed: {done.stderr[-800:]}"
    out: dict[str, Any] = json.loads(done.stdout)
    return out


def test_queue_lifecycle(tccli: Path, emulator: str, tmp_path: Path) -> None:
    created = _run(tccli, emulator, tmp_path, "CreateQueue", "--QueueName", "cli-q1",
                   "--VisibilityTimeout", "40")
    assert created["QueueId"]
    detail = _run(tccli, emulator, tmp_path, "DescribeQueueDetail", "--QueueName", "cli-q1")
    assert detail["TotalCount"] == 1
    assert detail["QueueSet"][0]["VisibilityTimeout"] == 40
    _run(tccli, emulator, tmp_path, "ModifyQueueAttribute", "--QueueName", "cli-q1",
         "--VisibilityTimeout", "99")
    detail = _run(tccli, emulator, tmp_path, "DescribeQueueDetail", "--QueueName", "cli-q1")
    assert detail["QueueSet"][0]["VisibilityTimeout"] == 99
    _run(tccli, emulator, tmp_path, "DeleteQueue", "--QueueName", "cli-q1")
    gone = _run(tccli, emulator, tmp_path, "DescribeQueueDetail", "--QueueName", "cli-q1")
    assert gone["TotalCount"] == 0
