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
from pathlib import Path

from benchlib import cycles, pct, serve, start

from cmqconform.netutil import free_port


def main() -> int:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=200, help="cycles per client per round")
    parser.add_argument("--rounds", type=int, default=3, help="direct/proxy alternations")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()
    proxy_port = free_port()
    work = Path(tempfile.mkdtemp(prefix="cmqconform-bench-proxy-"))
    upstream, direct_url = serve()
    proxy, proxy_url = start(["proxy", "--upstream", direct_url, "--product", "cmq", "--listen",
                              f"127.0.0.1:{proxy_port}", "--record",
                              str(work / "cassette.jsonl"), "--report-dir",
                              str(work / "report")], proxy_port)
    try:
        print(f"emulator {direct_url}, proxy {proxy_url} (judging, recording); python "
              f"{sys.version.split()[0]}, {os.cpu_count()} CPUs")
        for clients in args.clients:
            figures: dict[str, tuple[list[float], list[float]]] = {"direct": ([], []),
                                                                    "proxy": ([], [])}
            for n in range(args.rounds):
                for name, url in (("direct", direct_url), ("proxy", proxy_url)):
                    rate, latencies = cycles(url, clients, args.cycles, f"{name}{clients}{n}")
                    figures[name][0].append(rate * 3)  # three requests make a cycle
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
