"""Issue 18's goal figures: fault runs, hostile probes, shutdown and load (prints figures; not a
test).

* Fault runs: ``cmqconform run`` against ``cmqconform serve`` (the CMQ emulator, in a
  subprocess) through the fault injector (:mod:`cmqconform.proxy.faults`), which spoils one
  request in ten with one kind of fault, for each kind in turn, after one run without faults.
  Per kind: cases, faults injected, ``fail`` verdicts the fault-free run did not have (goal 0),
  dropped cases (collected - recorded, goal 0), artifacts holding a secret or an unmasked
  signature (goal 0). The selection is a subset of the CMQ suite (:data:`SELECTION`): the
  generated cases of five actions and the queue, message and rewind scenarios (their polling
  loops), both surfaces.
* Probes: the same signed legacy request twice (the second must answer the specs'
  ``replayed_nonce`` code), a TC3 body nested 1000 deep and a 100,000-digit integer (the
  ``invalid_type`` code), a shutdown with 200 long polls in flight (HTTP 500 answers, goal 0),
  200 concurrent clients sending and receiving 6000 messages (lost and duplicated, goal 0),
  and Ctrl-C against a hung target (seconds until ``cmqconform run`` exits).

Usage: ``.venv/bin/python bench/fault_runs.py [--every 10] [--kinds reset,hang] [--no-probes]``
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from benchlib import SID, SKEY, Legacy, serve

from cmqconform.dialects import Credentials
from cmqconform.dialects.call import Call
from cmqconform.proxy.faults import KINDS, injecting
from cmqconform.session import Session, url_target
from cmqconform.spec import load_specs

V3, LEGACY = "cmq.v3", "cmq.legacy"
SELECTION = ("DeleteQueue or DescribeQueueDetail or SendMessage or ReceiveMessage or "
             "BatchReceiveMessage or test_queue_lifecycle or test_messages or test_rewind")
#: A signature left in clear: ``Signature=`` (a header, a form, a quoted request) or a JSON
#: member, not followed by the mask.
UNMASKED = re.compile(rb'Signature(=|%3D|"\s*:\s*")(?!\*\*\*|%2A%2A%2A)')


def run_suite(url: str, report: Path) -> dict[str, Any]:
    """One ``cmqconform run`` of :data:`SELECTION` against ``url``; its results.json."""
    env = {**os.environ, "TENCENTCLOUD_SECRET_ID": SID, "TENCENTCLOUD_SECRET_KEY": SKEY,
           "CI": "true"}
    subprocess.run([sys.executable, "-m", "cmqconform", "run", "--target", url, "--product",
                    "cmq", "-k", SELECTION, "--report-dir", str(report), "-q"],
                   env=env, capture_output=True, timeout=900, check=False)
    results = report / "results.json"
    if not results.exists():
        return {}
    doc: dict[str, Any] = json.loads(results.read_text(encoding="utf-8"))
    return doc


def leaks(report: Path) -> int:
    """Artifacts holding the secret key or an unmasked signature."""
    return sum(1 for p in report.rglob("*") if p.is_file()
               and (SKEY.encode() in (data := p.read_bytes()) or UNMASKED.search(data)))


def fault_runs(base_url: str, kinds: list[str], every: int, work: Path) -> None:
    """The fault-run table."""
    specs = load_specs()
    started = time.perf_counter()
    baseline = run_suite(base_url, work / "baseline")
    base_fails = {c["id"] for c in baseline.get("cases", []) if c["verdict"] == "fail"}
    summary = baseline.get("summary", {})
    print(f"fault-free run: {summary.get('total')} cases, fail={summary.get('fail')} "
          f"error={summary.get('error')} ({time.perf_counter() - started:.0f} s)")
    print(f"{'kind':10}{'cases':>7}{'spoiled':>9}{'error':>7}{'retries':>9}"
          f"{'fault fail':>12}{'dropped':>9}{'leaks':>7}{'secs':>6}")
    for kind in kinds:
        httpx.post(f"{base_url}/_cmqconform/reset", timeout=10)
        started = time.perf_counter()
        report = work / kind
        with injecting(base_url, (kind,), every, specs=specs, apis=(V3, LEGACY),
                       hang_seconds=0.5) as injector:
            doc = run_suite(injector.url, report)
        if not doc:
            print(f"{kind:10} no results.json written")
            continue
        s = doc["summary"]
        caused = [c for c in doc["cases"] if c["verdict"] == "fail" and c["id"] not in base_fails]
        dropped = s.get("collected", s["total"]) - s["total"]
        print(f"{kind:10}{s['total']:>7}{injector.spoiled[kind]:>9}{s['error']:>7}"
              f"{s.get('retries', 0):>9}{len(caused):>12}{dropped:>9}{leaks(report):>7}"
              f"{time.perf_counter() - started:>6.0f}")
        for case in caused[:3]:
            print(f"    fail: {case['id']}: {str(case['message'])[:160]}")


def _signed_legacy(base_url: str) -> httpx.Request:
    """A signed legacy ListQueue request, ready to send as it is (any number of times)."""
    specs = load_specs()
    target = url_target(base_url, Credentials.of(SID, SKEY), specs)
    prepared = target.prepare(Call(LEGACY, "ListQueue", {}), specs)
    flow = prepared.auth.sync_auth_flow(prepared.request) if prepared.auth else None
    return next(flow) if flow is not None else prepared.request


def probes(base_url: str) -> None:
    """Replay, deep JSON, huge integer."""
    specs = load_specs()
    legacy, v3 = specs.api(LEGACY), specs.api(V3)
    replay_code = legacy.conditions["replayed_nonce"].accept[0].code
    request = _signed_legacy(base_url)
    with httpx.Client(timeout=10) as client:
        first = client.send(request).json()
        again = client.send(request).json()
    print(f"replay (one signed legacy request twice): first code {first.get('code')}, "
          f"second code {again.get('code')} (the specs' replayed_nonce: {replay_code})")
    invalid = v3.conditions["invalid_type"].accept[0].code
    target = url_target(base_url, Credentials.of(SID, SKEY), specs)
    with Session(specs, target) as session:
        for label, body in (
                ("nested JSON depth 1000", '{"QueueName": "q", "D": ' + "[" * 1000
                 + "]" * 1000 + "}"),
                ("100,000-digit integer", '{"QueueName": "q", "MaxMsgSize": '
                 + "9" * 100_000 + "}")):
            prepared = target.prepare(Call(V3, "CreateQueue", {"QueueName": "q"}), specs)
            headers = {k: v for k, v in prepared.request.headers.items()
                       if k.lower() != "content-length"}
            raw = httpx.Request("POST", prepared.request.url, headers=headers,
                                content=body.encode())
            got = session.send_request(V3, raw, prepared.auth, action="CreateQueue")
            print(f"{label}: HTTP {got.evidence.status}, code {got.code} "
                  f"(the specs' invalid_type: {invalid})")


def shutdown_probe(polls: int) -> None:
    """``polls`` long polls in flight when ``serve`` gets SIGTERM: their answers."""
    proc, base_url = serve()
    Legacy(base_url).call("CreateQueue", queueName="bench-drain")
    answers: list[str] = []
    lock = threading.Lock()

    def poll() -> None:
        client = Legacy(base_url)
        try:
            response = client.http.post("/v2/index.php", data={
                "Action": "ReceiveMessage", "queueName": "bench-drain",
                "pollingWaitSeconds": 30}, timeout=60)
            kind = f"HTTP {response.status_code} code {response.json().get('code')}" \
                if response.status_code == 200 else f"HTTP {response.status_code}"
        except (httpx.HTTPError, ValueError) as exc:
            kind = type(exc).__name__
        with lock:
            answers.append(kind)
        client.http.close()

    threads = [threading.Thread(target=poll) for _ in range(polls)]
    for thread in threads:
        thread.start()
    time.sleep(3)  # every poll reaches the server and waits
    stopped = time.perf_counter()
    proc.send_signal(signal.SIGTERM)
    for thread in threads:
        thread.join(60)
    proc.wait(30)
    counts = Counter(answers)
    print(f"shutdown with {polls} long polls in flight: "
          f"{sum(n for k, n in counts.items() if k.startswith('HTTP 500'))} HTTP 500; answers "
          f"{dict(counts)}; exit {proc.returncode} after {time.perf_counter() - stopped:.1f} s")


def load_probe(clients: int, messages: int) -> None:
    """``clients`` threads send ``messages`` in all, then as many receive and delete them."""
    proc, base_url = serve()
    queues = 10
    try:
        admin = Legacy(base_url)
        for q in range(queues):
            admin.call("CreateQueue", queueName=f"bench-load-{q}", visibilityTimeout=43200)
        per = messages // clients
        received: list[str] = []
        lock = threading.Lock()

        def send(i: int) -> None:
            client = Legacy(base_url)
            for n in range(per):
                client.call("SendMessage", queueName=f"bench-load-{i % queues}",
                            msgBody=f"c{i}-m{n}")
            client.http.close()

        def receive(i: int) -> None:
            client = Legacy(base_url)
            empty = 0
            while empty < 2:
                got = client.http.post("/v2/index.php", data={
                    "Action": "ReceiveMessage", "queueName": f"bench-load-{i % queues}",
                    "pollingWaitSeconds": 1}).json()
                if got["code"] != 0:
                    empty += 1
                    continue
                with lock:
                    received.append(got["msgBody"])
                client.call("DeleteMessage", queueName=f"bench-load-{i % queues}",
                            receiptHandle=got["receiptHandle"])
            client.http.close()

        started = time.perf_counter()
        for phase in (send, receive):
            threads = [threading.Thread(target=phase, args=(i,)) for i in range(clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(300)
        sent = {f"c{i}-m{n}" for i in range(clients) for n in range(per)}
        unique = set(received)
        print(f"{clients} clients, {len(sent)} messages: lost {len(sent - unique)}, duplicated "
              f"{len(received) - len(unique)} ({time.perf_counter() - started:.0f} s)")
    finally:
        proc.terminate()
        proc.wait(30)


def slow_client_probe(work: Path, silent: int = 300, limit: int = 256) -> None:
    """``serve`` with a descriptor limit of ``limit``: ``silent`` connections that never send a
    request, then 3 real requests at once and 3 after the head timeout; the log's size."""
    import resource

    from cmqconform.emulator.asgi import HEAD_TIMEOUT
    from cmqconform.netutil import free_port

    port = free_port()
    log_path = work / "serve-slow.log"

    def lower() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    with log_path.open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "cmqconform", "serve", "--port", str(port),
                                 "--log-level", "warning"], stdout=log, stderr=log,
                                preexec_fn=lower, env={**os.environ,
                                                       "TENCENTCLOUD_SECRET_ID": SID,
                                                       "TENCENTCLOUD_SECRET_KEY": SKEY})
    base_url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(base_url, timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    socks = []
    try:
        for _ in range(silent):
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))

        def real() -> str:
            started = time.perf_counter()
            try:
                response = httpx.post(f"{base_url}/v2/index.php", data={"Action": "ListQueue"},
                                      timeout=30)
                what = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                what = type(exc).__name__
            return f"{what} in {(time.perf_counter() - started) * 1000:.0f} ms"

        during = [real() for _ in range(3)]
        time.sleep(HEAD_TIMEOUT + 1)
        after = [real() for _ in range(3)]
    finally:
        for sock in socks:
            sock.close()
        proc.terminate()
        proc.wait(30)
    text = log_path.read_bytes()
    lines = text.count(b"\n")
    print(f"{silent} silent connections, descriptor limit {limit}: real requests {during}; "
          f"after the {HEAD_TIMEOUT:.0f} s head timeout {after}; log {lines} "
          f"lines, {len(text)} bytes")


def hung_probe(work: Path) -> None:
    """Seconds from Ctrl-C to the exit of ``cmqconform run`` against a target that never
    answers, and why its results say it ended."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    listener.settimeout(0.2)
    done = threading.Event()

    def accept() -> None:
        while not done.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    report = work / "hung"
    env = {**os.environ, "TENCENTCLOUD_SECRET_ID": SID, "TENCENTCLOUD_SECRET_KEY": SKEY,
           "CI": "true"}
    proc = subprocess.Popen([sys.executable, "-m", "cmqconform", "run", "--target", url,
                             "--no-preflight", "--product", "cmq", "-k", "test_queue_lifecycle",
                             "--report-dir", str(report), "-q"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while not accepted and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    before = len(accepted)
    interrupted = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    proc.wait(120)
    took = time.perf_counter() - interrupted
    done.set()
    acceptor.join(5)
    ended = json.loads((report / "results.json").read_text())["ended"] \
        if (report / "results.json").exists() else "no results.json"
    print(f"Ctrl-C against a hung target: exit {proc.returncode} after {took:.1f} s, "
          f"{len(accepted) - before} call(s) after the interrupt; ended: {ended}")
    for conn in accepted:
        conn.close()
    listener.close()


def main() -> None:
    """Parse the options, run the fault runs and the probes, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    parser.add_argument("--every", type=int, default=10, help="spoil one request in N")
    parser.add_argument("--kinds", default=",".join(KINDS),
                        help="comma-separated kinds (empty: the probes only)")
    parser.add_argument("--no-probes", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cmqc-faultbench-") as tmp:
        work = Path(tmp)
        proc, base_url = serve()
        try:
            print(f"fault runs: one request in {args.every} spoiled; selection -k {SELECTION!r}")
            kinds = [k for k in args.kinds.split(",") if k]
            if kinds:
                fault_runs(base_url, kinds, args.every, work)
            if not args.no_probes:
                probes(base_url)
        finally:
            proc.terminate()
            proc.wait(30)
        if not args.no_probes:
            shutdown_probe(200)
            load_probe(200, 6000)
            slow_client_probe(work)
            hung_probe(work)
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
