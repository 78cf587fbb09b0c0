"""The spec-driven mock beside CMQ's emulator: requests per second and p50/p99 latency.

Prints figures; not a test. Starts ``cmqconform serve --product P`` for CMQ (its hand-written
emulator) and for each product served by the mock (TDMQ, TRTC), each in a subprocess on a free
loopback port, then sends one API 3.0 action per product, TC3-signed by the suite's own session:
the first action whose baseline needs nothing set up (CMQ: a queue listing; TDMQ: SendMessages;
TRTC: the first such Describe action), with 1 and with 4 concurrent clients.

Usage: ``.venv/bin/python bench/mock_throughput.py [--requests 300]``
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from typing import Any

from benchlib import SID, SKEY, serve

from cmqconform.cases.build import baseline, repair, setup_for
from cmqconform.dialects import Credentials
from cmqconform.models import ApiSpec
from cmqconform.session import Session
from cmqconform.spec import load_specs
from cmqconform.targets import target_from_url

#: Product -> the API 3.0 surface measured.
SURFACES = {"cmq": "cmq.v3", "tdmq": "tdmq.v3", "trtc": "trtc.v3"}


def probe(api: ApiSpec) -> tuple[str, dict[str, Any]]:
    """The first action (Describe ones first) whose baseline needs nothing set up."""
    ordered = sorted(api.actions.values(), key=lambda a: not a.name.startswith("Describe"))
    for action in ordered:
        params = repair(api, action, baseline(api, action)) or baseline(api, action)
        if not setup_for(action, params):
            return action.name, params
    raise SystemExit(f"{api.id}: no action without setup")


def measure(base_url: str, surface: str, clients: int, per_client: int
            ) -> tuple[str, float, list[float]]:
    """(action, requests per second, latencies) of ``clients`` threads of ``per_client``."""
    specs = load_specs()
    api = specs.api(surface)
    action, params = probe(api)
    target = target_from_url(base_url, credentials=Credentials.of(SID, SKEY), specs=specs,
                             surfaces=(surface,))
    sessions = [Session(specs, target) for _ in range(clients)]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures: list[str] = []

    def run(i: int) -> None:
        for _ in range(per_client):
            started = time.perf_counter()
            got = sessions[i].call(surface, action, params)
            latencies[i].append(time.perf_counter() - started)
            if not got.ok:
                failures.append(got.describe())

    for session in sessions:  # warm the connection and the server's caches
        session.call(surface, action, params)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    for session in sessions:
        session.close()
    if failures:
        raise SystemExit(f"{surface} {action}: {failures[0]}")
    return action, clients * per_client / elapsed, [x for row in latencies for x in row]


def main() -> None:
    """Print one row per product and concurrency."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300, help="requests per client")
    args = parser.parse_args()
    print(f"{'server':28}{'action':24}{'clients':>8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    for product, surface in SURFACES.items():
        proc, url = serve("--product", product)
        kind = "emulator" if product == "cmq" else "mock"
        try:
            for clients in (1, 4):
                action, rate, lat = measure(url, surface, clients, args.requests)
                cuts = statistics.quantiles(lat, n=100)
                print(f"{product + ' ' + kind:28}{action:24}{clients:>8}{rate:>9.0f}"
                      f"{cuts[49] * 1000:>9.1f}{cuts[98] * 1000:>9.1f}")
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
