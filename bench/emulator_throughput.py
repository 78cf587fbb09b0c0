"""Emulator throughput and latency (prints figures; not a test).

Starts ``cmqconform serve`` in a subprocess on a free loopback port (so client and server do not
share a GIL), then measures over the legacy data plane:

* send+receive+delete cycles per second with 1 and with 8 concurrent clients (threads, one
  httpx connection and one queue each), and the p50/p99 latency of single requests;
* long-poll wake latency: a receiver blocks in ReceiveMessage (pollingWaitSeconds=10), a send is
  issued, and the time from the send's start to the receiver's return is recorded.

Usage: ``.venv/bin/python bench/emulator_throughput.py [--cycles 400] [--wakes 30]``
"""

from __future__ import annotations

import argparse
import os
import statistics
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
    """One signed legacy client (one connection)."""

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


def start_server() -> tuple[subprocess.Popen[str], str]:
    """``cmqconform serve`` on a free port; returns the process and its base URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "cmqconform.cli", "serve", "--port",
                             str(port), "--secret-id", SID, "--secret-key", SKEY,
                             "--log-level", "warning"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base_url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(base_url, timeout=1)
            return proc, base_url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the emulator did not start")


def cycles(base_url: str, clients: int, per_client: int) -> tuple[float, list[float]]:
    """Run send+receive+delete cycles; returns (cycles per second, request latencies)."""
    workers = [Legacy(base_url) for _ in range(clients)]
    for i, worker in enumerate(workers):
        worker.call("CreateQueue", queueName=f"bench-{clients}-{i}")
        worker.latencies.clear()

    def run(i: int, worker: Legacy) -> None:
        queue = f"bench-{clients}-{i}"
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
        worker.call("DeleteQueue", queueName=f"bench-{clients}-{i}")
        worker.http.close()
    return clients * per_client / elapsed, latencies


def wake_latency(base_url: str, rounds: int) -> list[float]:
    """Seconds from a send's start to the blocked receiver's return, per round."""
    receiver, sender = Legacy(base_url), Legacy(base_url)
    sender.call("CreateQueue", queueName="bench-wake")
    out: list[float] = []
    for n in range(rounds):
        returned: list[float] = []

        def receive(into: list[float]) -> None:
            receiver.call("ReceiveMessage", queueName="bench-wake", pollingWaitSeconds=10)
            into.append(time.perf_counter())

        thread = threading.Thread(target=receive, args=(returned,))
        thread.start()
        time.sleep(0.1)  # let the receive reach the server and block
        sent_at = time.perf_counter()
        sender.call("SendMessage", queueName="bench-wake", msgBody=f"w{n}")
        thread.join(15)
        out.append(returned[0] - sent_at)
    sender.call("DeleteQueue", queueName="bench-wake")
    receiver.http.close()
    sender.http.close()
    return out


def pct(values: list[float], q: float) -> float:
    """The q-quantile in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> int:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=400, help="cycles per client")
    parser.add_argument("--wakes", type=int, default=30, help="long-poll wake rounds")
    args = parser.parse_args()
    proc, base_url = start_server()
    try:
        print(f"emulator: {base_url} (subprocess), python {sys.version.split()[0]}, "
              f"{os.cpu_count()} CPUs")
        for clients in (1, 8):
            rate, latencies = cycles(base_url, clients, args.cycles)
            print(f"{clients} client(s): {rate:8.0f} send+receive+delete msgs/s "
                  f"({clients * args.cycles} cycles, {len(latencies)} requests); "
                  f"request latency p50 {pct(latencies, 0.5):.2f} ms, "
                  f"p99 {pct(latencies, 0.99):.2f} ms")
        wakes = wake_latency(base_url, args.wakes)
        print(f"long-poll wake (send start -> blocked receiver returns), {len(wakes)} rounds: "
              f"p50 {pct(wakes, 0.5):.2f} ms, p99 {pct(wakes, 0.99):.2f} ms, "
              f"max {max(wakes) * 1000:.2f} ms, mean {statistics.mean(wakes) * 1000:.2f} ms")
    finally:
        proc.terminate()
        proc.wait(20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
