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
import sys
import threading
import time

from benchlib import Legacy, cycles, pct, serve


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


def main() -> int:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=400, help="cycles per client")
    parser.add_argument("--wakes", type=int, default=30, help="long-poll wake rounds")
    args = parser.parse_args()
    proc, base_url = serve()
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
