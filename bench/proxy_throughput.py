"""Proxy overhead: requests per second through ``cmqconform proxy`` versus direct, in one run.

Starts ``cmqconform serve`` and ``cmqconform proxy --upstream <it> --record ...`` as
subprocesses on free loopback ports (client, proxy and emulator do not share a GIL), then sends
the same legacy send+receive+delete cycles to the emulator directly and through the proxy,
alternating the two in rounds so machine load falls on both alike. Prints requests per second
for each, their ratio (proxy / direct), the p50 and p99 request latency of each, and the p50
latency the proxy adds. Not a test: it asserts nothing about time.

Usage: ``.venv/bin/python bench/proxy_throughput.py [--cycles 200] [--rounds 3] [--clients 1 4]``
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
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


def start(argv: list[str], port: int) -> subprocess.Popen[bytes]:
    """A ``cmqconform`` subcommand on ``port``; returns once it answers HTTP."""
    proc = subprocess.Popen([sys.executable, "-m", "cmqconform", *argv],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "TENCENTCLOUD_SECRET_ID": SID,
                                 "TENCENTCLOUD_SECRET_KEY": SKEY})
    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"cmqconform {argv[0]} did not start")


def cycles(base_url: str, clients: int, per_client: int, tag: str) -> tuple[float, list[float]]:
    """Run send+receive+delete cycles; (requests per second, request latencies)."""
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
    return len(latencies) / elapsed, latencies


def pct(values: list[float], q: float) -> float:
    """The q-quantile in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> int:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=200, help="cycles per client per round")
    parser.add_argument("--rounds", type=int, default=3, help="direct/proxy alternations")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()
    up_port, proxy_port = free_port(), free_port()
    work = Path(tempfile.mkdtemp(prefix="cmqconform-bench-proxy-"))
    upstream = start(["serve", "--port", str(up_port), "--log-level", "warning"], up_port)
    proxy = start(["proxy", "--upstream", f"http://127.0.0.1:{up_port}", "--product", "cmq",
                   "--listen", f"127.0.0.1:{proxy_port}", "--record",
                   str(work / "cassette.jsonl"), "--report-dir", str(work / "report")],
                  proxy_port)
    direct_url, proxy_url = f"http://127.0.0.1:{up_port}", f"http://127.0.0.1:{proxy_port}"
    try:
        print(f"emulator {direct_url}, proxy {proxy_url} (judging, recording); python "
              f"{sys.version.split()[0]}, {os.cpu_count()} CPUs")
        for clients in args.clients:
            figures: dict[str, tuple[list[float], list[float]]] = {"direct": ([], []),
                                                                    "proxy": ([], [])}
            for n in range(args.rounds):
                for name, url in (("direct", direct_url), ("proxy", proxy_url)):
                    rate, latencies = cycles(url, clients, args.cycles, f"{name}{clients}{n}")
                    figures[name][0].append(rate)
                    figures[name][1].extend(latencies)
            rates = {k: sum(v[0]) / len(v[0]) for k, v in figures.items()}
            p50 = {k: pct(v[1], 0.5) for k, v in figures.items()}
            p99 = {k: pct(v[1], 0.99) for k, v in figures.items()}
            print(f"{clients} client(s), {args.rounds} x {clients * args.cycles * 3} requests "
                  f"each way:")
            for name in ("direct", "proxy"):
                print(f"  {name:6} {rates[name]:8.0f} req/s  p50 {p50[name]:6.2f} ms  "
                      f"p99 {p99[name]:6.2f} ms")
            print(f"  ratio proxy/direct {rates['proxy'] / rates['direct']:.2f}; "
                  f"added p50 {p50['proxy'] - p50['direct']:.2f} ms")
    finally:
        proxy.send_signal(signal.SIGINT)
        try:
            proxy.wait(60)
        except subprocess.TimeoutExpired:
            proxy.kill()
        upstream.terminate()
        upstream.wait(20)
    report = work / "report" / "results.json"
    print(f"proxy reports: {report} ({report.stat().st_size if report.exists() else 0} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
