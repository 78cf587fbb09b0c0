"""What the bench scripts share: starting a ``cmqconform`` server, a signed legacy client, the
send+receive+delete cycle load and quantiles. Imported by the scripts beside it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
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
