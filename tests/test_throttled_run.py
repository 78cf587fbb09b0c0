"""A run against a rate-limited target, end to end: ``cmqconform run -n 3`` against
``cmqconform serve --rate-limit 20`` through a target file declaring it, twice into one report
folder, as a user re-running into ``reports/latest`` does. The second run is handed out by the
history the first left, with the scheduler looking at the limiter's live bookings
(``plugin_schedule.Slots``): the target never throttles a request, every case passes, and the
history keeps each case's units per action and its waits for slots."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cmqconform.netutil import free_port
from cmqconform.plugin_schedule import CACHE_KEY
from tests.processes import run, spawn, stop, wait_serving

SECRET_ID, SECRET_KEY = "AKIDcmqcthrottledrun", "throttled-run-key"
#: Cases heavy on the batch actions (16 units a request), where workers meet on one action.
SELECTION = "BatchSendMessage or BatchReceiveMessage or batches"
RUN_SECONDS = 300.0


def test_a_rate_limited_run_is_never_throttled_and_keeps_what_each_case_sent(
        tmp_path: Path) -> None:
    port, requests = free_port(), tmp_path / "requests.jsonl"
    env = {**os.environ, "TENCENTCLOUD_SECRET_ID": SECRET_ID,
           "TENCENTCLOUD_SECRET_KEY": SECRET_KEY, "CI": "true"}
    server = spawn([sys.executable, "-m", "cmqconform", "serve", "--port", str(port),
                    "--rate-limit", "20", "--request-log", str(requests), "--log-level",
                    "warning"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_serving(f"http://127.0.0.1:{port}", server, "cmqconform serve")
        target = tmp_path / "throttled.toml"
        target.write_text(f'name = "throttled"\nurl = "http://127.0.0.1:{port}"\n'
                          f'region = "ap-guangzhou"\nrate_limit = 20\n', encoding="utf-8")
        report = tmp_path / "report"
        for _ in range(2):
            done = run([sys.executable, "-m", "cmqconform", "run", "--product", "cmq",
                        "--target", str(target), "-k", SELECTION, "-n", "3", "-q",
                        "--report-dir", str(report)], RUN_SECONDS, env=env)
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    finally:
        stop(server)
    summary = json.loads((report / "results.json").read_text(encoding="utf-8"))["summary"]
    assert summary["collected"] >= 20 and summary["fail"] == summary["error"] == 0, summary
    outcomes = [json.loads(line)["outcome"] for line in requests.read_text().splitlines()]
    assert len(outcomes) > 100 and "rate_limited" not in outcomes
    past = json.loads((report / ".cache" / "v" / CACHE_KEY).read_text())
    batches = past["behaviour/test_messages.py::test_batches_of_16_and_17"]
    assert batches[5]["cmq.legacy BatchSendMessage"] >= 33, batches
    assert all(len(entry) == 6 and entry[4] >= 0 for entry in past.values())
