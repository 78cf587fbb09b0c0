"""What the bench scripts share: starting a ``cmqconform`` server, a signed legacy client, the
send+receive+delete cycle load and quantiles, and the attribution of a served request to the
case that sent it. Imported by the scripts beside it."""

from __future__ import annotations

import bisect
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

from cmqconform.dialects.cmq_legacy import LegacyAuth
from cmqconform.dialects.credentials import Credentials
from cmqconform.netutil import free_port

SID, SKEY = "AKIDbench00000000001", "bench-secret-key"
PATH = "/v2/index.php"


class Legacy:
    """One signed legacy client (one connection), recording each request's latency."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, auth=LegacyAuth(Credentials.of(SID, SKEY)),
                                 timeout=30)
        self.latencies: list[float] = []

    def call(self, action: str, **params: Any) -> dict[str, Any]:
        """POST one action; records its latency; raises on a non-zero code."""
        started = time.perf_counter()
        response = self.http.post(PATH, data={"Action": action, **params})
        self.latencies.append(time.perf_counter() - started)
        body: dict[str, Any] = response.json()
        if body["code"] != 0:
            raise RuntimeError(f"{action}: {body}")
        return body


def start(argv: list[str], port: int) -> tuple[subprocess.Popen[bytes], str]:
    """``cmqconform ARGV`` (a server listening on ``port``) in a subprocess, so client and server
    share no GIL; the process and its base URL once it answers HTTP. The keys travel in the
    environment, never on its command line."""
    proc = subprocess.Popen([sys.executable, "-m", "cmqconform", *argv],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "TENCENTCLOUD_SECRET_ID": SID,
                                 "TENCENTCLOUD_SECRET_KEY": SKEY})
    base_url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(base_url, timeout=1)
            return proc, base_url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"cmqconform {argv[0]} did not start")


def serve(*options: str) -> tuple[subprocess.Popen[bytes], str]:
    """``cmqconform serve OPTIONS`` on a free port (see :func:`start`)."""
    port = free_port()
    return start(["serve", *options, "--port", str(port), "--log-level", "warning"], port)


def cycles(base_url: str, clients: int, per_client: int,
           tag: str = "") -> tuple[float, list[float]]:
    """``clients`` threads of ``per_client`` send+receive+delete cycles on a queue each;
    (cycles per second, every request's latency). Three requests make a cycle."""
    tag = tag or str(clients)
    workers = [Legacy(base_url) for _ in range(clients)]
    for i, worker in enumerate(workers):
        worker.call("CreateQueue", queueName=f"bench-{tag}-{i}")
        worker.latencies.clear()

    def run(i: int, worker: Legacy) -> None:
        queue = f"bench-{tag}-{i}"
        for n in range(per_client):
            worker.call("SendMessage", queueName=queue, msgBody=f"m{n}")
            got = worker.call("ReceiveMessage", queueName=queue, pollingWaitSeconds=0)
            worker.call("DeleteMessage", queueName=queue, receiptHandle=got["receiptHandle"])

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies = [x for w in workers for x in w.latencies]
    for i, worker in enumerate(workers):
        worker.call("DeleteQueue", queueName=f"bench-{tag}-{i}")
        worker.http.close()
    return clients * per_client / elapsed, latencies


def pct(values: list[float], q: float) -> float:
    """The q-quantile in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


#: How far past a case's recorded stop a request it sent may be logged (clock granularity).
SLACK = 0.002


def case_spans(allure: Path) -> list[tuple[float, float, str]]:
    """(start, stop, group) of every case of a run, from its Allure results, by start; the group
    is the case's test without its parameters (``generated.cmq.v3#CreateQueue``,
    ``behaviour.test_topics#test_fan_out_to_every_queue_subscription``)."""
    spans = []
    for path in allure.glob("*-result.json"):
        result = json.loads(path.read_text(encoding="utf-8"))
        group = result.get("fullName") or result["name"].split("[")[0]
        spans.append((result["start"] / 1000, result["stop"] / 1000, str(group)))
    return sorted(spans)


def by_case(times: Iterable[float], spans: list[tuple[float, float, str]]) -> Counter[str]:
    """How many of the requests logged at ``times`` each group's cases sent: a request belongs
    to the case whose start..stop holds it (a ``-n 1`` run: one case at a time); one outside
    every case (a pool's drain, the sweep) is counted under ``(outside any case)``."""
    starts = [span[0] for span in spans]
    counted: Counter[str] = Counter()
    for t in times:
        i = bisect.bisect_right(starts, t) - 1
        inside = i >= 0 and spans[i][0] <= t <= spans[i][1] + SLACK
        counted[spans[i][2] if inside else "(outside any case)"] += 1
    return counted


class CoresBusy:
    """How busy this machine's cores were, sampled from ``/proc/stat`` every ``every`` seconds
    in a thread while the ``with`` block runs (Linux; elsewhere nothing is sampled)."""

    def __init__(self, every: float = 0.2) -> None:
        self.every = every
        self.samples: list[tuple[float, float]] = []  # (end of the interval, busy share)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def _ticks() -> tuple[int, int] | None:
        try:
            with open("/proc/stat", encoding="ascii") as stat:
                fields = [int(v) for v in stat.readline().split()[1:9]]
        except (OSError, ValueError):
            return None
        return sum(fields), fields[3] + fields[4]  # all, idle + iowait

    def _sample(self) -> None:
        last = self._ticks()
        while last is not None and not self._stop.wait(self.every):
            now = self._ticks()
            if now is None:
                return
            total, idle = now[0] - last[0], now[1] - last[1]
            if total > 0:
                self.samples.append((time.time(), 1 - idle / total))
            last = now

    def __enter__(self) -> CoresBusy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def share(self, start: float, end: float) -> float | None:
        """The mean busy share of the samples ending inside ``start..end`` (None: none)."""
        inside = [busy for t, busy in self.samples if start < t <= end]
        return sum(inside) / len(inside) if inside else None
