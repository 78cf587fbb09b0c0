"""A conformance run's economy against a rate-limited target (prints figures; not a test).

In one invocation:

* a CMQ run (``cmqconform run --product cmq -n N``) against ``cmqconform serve --rate-limit 20
  --request-log FILE`` through a target file declaring ``rate_limit = 20``. From the server's own
  request log: requests per action (and the rate units its limiter counted: a batch counts its
  items, a request refused before the limiter none), the bound
  (the busiest action's units / 20 per second), the span from the first request to the last and
  its ratio to the bound, creations per case (requests of the create actions product.yaml names,
  per case run), throttled answers, and the cases that failed or errored because of throttling;
  from the history the run leaves, the seconds its cases waited for the client limiter's slots;
  the span's parts (before the first case, the cases, after the last) and how busy the cores
  were in the first two; and the least span any schedule could reach: the time before the
  first case, then the longest of the cases' own bound, the longest case and the waiting
  cases' seconds per worker;
* the same run unthrottled (no ``--rate-limit``, no declared rate): the span the machine's own
  speed sets, the floor no schedule can beat;
* the default run's wall time against the embedded emulator with ``-n 1`` and ``-n 2``, and the
  speed-up ratio.

The span counts the run's own requests, from its first (the preflight) to its last (the
sweep), not the probe that waited for the server to start. Every run against a server shares one
report folder, as a user re-running into ``reports/latest`` does, so each is ordered by the
last run's history (``cmqconform/plugin_schedule.py``); a first untimed run writes it. So do the
default runs, after their own untimed first run.

Timings on a shared machine are noisy: ``--repeat N`` repeats each measurement, medians printed.
The runs write bytecode caches even where ``PYTHONDONTWRITEBYTECODE`` is set (as a machine that
caches bytecode does), and the first untimed runs warm them.

Usage: ``.venv/bin/python bench/throttled_run.py [--rate 20] [--workers 2,6] [--repeat 1]
[--brief] [--skip-throttled] [--skip-floor] [--skip-speedup]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchlib import SID, SKEY, CoresBusy, serve

from cmqconform.plugin_schedule import CACHE_KEY, read_history
from cmqconform.results import read_cases
from cmqconform.spec import load_specs
from cmqconform.targets import default_region

PRODUCT = "cmq"
#: A case record saying the target throttled it (the session's fault, or a rate-limit answer).
#: How many of the busiest actions are listed.
TOP = 15
THROTTLE_WORDS = ("throttled", "rate_limited", "RequestLimitExceeded", "4420", "4480")


def run(argv: list[str], report: Path, env: dict[str, str] | None = None) -> float:
    """``cmqconform run ARGV --report-dir REPORT -q``; its wall seconds (output discarded)."""
    env = dict(env or os.environ)
    # As on a machine that caches bytecode: without it every process (each xdist worker) spends
    # seconds compiling and assertion-rewriting the modules again.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cmqconform", "run", "--product", PRODUCT, "-q",
                    "--report-dir", str(report), *argv], env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                   timeout=1800)
    return time.perf_counter() - started


def create_actions() -> set[tuple[str, str]]:
    """(surface, action) of every action product.yaml says creates a resource kind that is
    deleted again (a queue, a topic, a subscription: not a message, which is consumed)."""
    product = load_specs().product(PRODUCT)
    return {(api, action) for kind in product.resources.values() if kind.delete
            for api, action in kind.create.items()}


def throttled_run(rate: int | None, workers: int, work: Path,
                  report: Path | None = None) -> dict[str, Any]:
    """One run against a server throttled at ``rate`` (None: not throttled, and a target file
    declaring no rate: the floor the machine's speed sets); the figures its request log and
    results give. ``report``: the report folder (its cache holds the last run's durations,
    which order the next run's cases), else one in ``work``."""
    report = report or work / "report"
    log = work / "requests.jsonl"
    throttle = ["--rate-limit", str(rate)] if rate else []
    proc, url = serve("--product", PRODUCT, *throttle, "--request-log", str(log))
    try:
        target = work / "target.toml"
        declared = f"rate_limit = {rate}\n" if rate else ""
        target.write_text(f'name = "throttled emulator"\nurl = "{url}"\n'
                          f'region = "{default_region(load_specs())}"\n{declared}',
                          encoding="utf-8")
        env = {**os.environ, "TENCENTCLOUD_SECRET_ID": SID, "TENCENTCLOUD_SECRET_KEY": SKEY}
        # The span counts the run's requests only, not the probe that waited for the server.
        started = time.time()
        with CoresBusy() as cores:
            wall = run(["--target", str(target), "-n", str(workers)], report, env)
    finally:
        proc.terminate()
        proc.wait(10)
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]
    lines = [line for line in lines if float(line["t"]) >= started]
    requests: Counter[str] = Counter()
    units: Counter[str] = Counter()
    for line in lines:
        key = f"{line['api']} {line['action']}"
        requests[key] += 1
        units[key] += int(line["cost"])
    creates = create_actions()
    created = sum(1 for line in lines if (line["api"], line["action"]) in creates
                  and line["outcome"] == "ok")
    create_requests = sum(1 for line in lines if (line["api"], line["action"]) in creates)
    cases = read_cases(report)
    # The history this run left (plugin_schedule): each case's seconds waiting for slots.
    past = report / ".cache" / "v" / CACHE_KEY
    pasts = read_history(json.loads(past.read_text(encoding="utf-8"))
                         if past.is_file() else {}).values()
    slot_waits = sum(p.waited for p in pasts)
    # The waiting cases' own seconds (timers, long polls: plugin_schedule.Past.waits): however
    # they are spread, the workers spend them one case at a time.
    waiting = sum(p.own_seconds for p in pasts if p.waits)
    throttled_cases = [c for c in cases if c.get("verdict") in ("fail", "error")
                       and any(w in json.dumps(c) for w in THROTTLE_WORDS)]
    times = [float(line["t"]) for line in lines]
    busiest = max(units, key=lambda k: units[k])
    bound = units[busiest] / (rate or 20)
    span = max(times) - min(times)
    # The cases' own stretch, from Allure's start and stop of each (milliseconds): what the
    # span holds before the first case (the preflight, the workers starting) and after the
    # last (the pools' drain, the sweep).
    marks = [json.loads(f.read_text(encoding="utf-8"))
             for f in (report / "allure").glob("*-result.json")]
    first = min((m["start"] / 1000 for m in marks), default=min(times))
    last = max((m["stop"] / 1000 for m in marks), default=max(times))
    phases = (first - min(times), last - first, max(times) - last)
    busy = (cores.share(min(times), first), cores.share(first, last))
    # The busiest action's units the cases sent (not the preflight, the drain or the sweep):
    # the cases' stretch is at least these at the rate.
    in_cases: Counter[str] = Counter()
    for line in lines:
        if first <= float(line["t"]) <= last:
            in_cases[f"{line['api']} {line['action']}"] += int(line["cost"])
    longest = max(((m["stop"] - m["start"]) / 1000, str(m["name"])) for m in marks) \
        if marks else (0.0, "")
    return {"wall": wall, "requests": requests, "units": units, "busiest": busiest,
            "bound": bound, "span": span, "cases": len(cases), "created": created,
            "create_requests": create_requests, "slot_waits": slot_waits, "phases": phases,
            "busy": busy, "longest": longest, "waiting": waiting,
            "cases_bound": max(in_cases.values(), default=0) / (rate or 20),
            "throttled_answers": sum(1 for line in lines if line["outcome"] == "rate_limited"),
            "throttled_cases": throttled_cases,
            "failed": sum(1 for c in cases if c.get("verdict") in ("fail", "error"))}


def busy(runs: list[dict[str, Any]]) -> str:
    """``; both cores busy N% before the first case, M% during the cases`` (medians), or
    nothing where the machine's load could not be sampled."""
    before = [r["busy"][0] for r in runs if r["busy"][0] is not None]
    during = [r["busy"][1] for r in runs if r["busy"][1] is not None]
    if not during:
        return ""
    first = f"{statistics.median(before):.0%} before the first case, " if before else ""
    return f"; both cores busy {first}{statistics.median(during):.0%} during the cases"


def report_throttled(args: argparse.Namespace, workers: int, root: Path,
                     history: Path) -> None:
    """Measure and print the throttled runs (and their unthrottled floor) with ``-n workers``."""
    runs = []
    for i in range(args.repeat):
        work = root / f"throttled-{workers}-{i}"
        work.mkdir()
        runs.append(throttled_run(args.rate, workers, work, history))
    last = runs[-1]
    print(f"throttled run: cmqconform serve --rate-limit {args.rate}, target "
          f"rate_limit = {args.rate}, -n {workers}, {last['cases']} cases")
    if not args.brief:
        print(f"  {'action':<42} {'requests':>8} {'units':>6} {'seconds':>8}")
        for key, count in last["units"].most_common(TOP):
            print(f"  {key:<42} {last['requests'][key]:>8} {count:>6} "
                  f"{last['units'][key] / args.rate:>8.1f}")
        rest = [k for k, _ in last["units"].most_common()][TOP:]
        if rest:
            print(f"  ... {len(rest)} more actions, "
                  f"{sum(last['requests'][k] for k in rest)} requests")
    bound = statistics.median(r["bound"] for r in runs)
    span = statistics.median(r["span"] for r in runs)
    print(f"  requests: {sum(last['requests'].values())} "
          f"(units {sum(last['units'].values())})")
    print(f"  bound: {bound:.1f} s (busiest: {last['busiest']})")
    print(f"  request span: {span:.1f} s = {span / bound:.2f}x the bound "
          f"(run wall {statistics.median(r['wall'] for r in runs):.1f} s)")
    print(f"  creations (answered ok): {last['created']} = "
          f"{last['created'] / max(1, last['cases']):.2f} per case; requests to create "
          f"actions: {last['create_requests']} = "
          f"{last['create_requests'] / max(1, last['cases']):.2f} per case")
    start, cases, end = (statistics.median(r["phases"][i] for r in runs) for i in range(3))
    print(f"  of the span: {start:.1f} s before the first case (preflight, workers starting), "
          f"{cases:.1f} s of cases, {end:.1f} s after the last (drain, sweep){busy(runs)}")
    print(f"  before the first case and after the last: {start + end:.1f} s = "
          f"{(start + end) / bound:.0%} of the bound (1.15x the bound leaves 15% over it, "
          f"with the cases' stretch no longer than the bound: it is {cases / bound:.2f}x)")
    seconds, name = last["longest"]
    waits = statistics.median(r["waiting"] for r in runs) / workers
    inside = statistics.median(r["cases_bound"] for r in runs)
    least = start + max(inside, seconds, waits)
    print(f"  no schedule spans less than the time before the first case and the longest of: "
          f"the cases' own bound ({inside:.1f} s: their busiest action's units at the rate), "
          f"the longest case ({seconds:.1f} s: {name}) and the waiting cases' seconds per "
          f"worker ({waits:.1f} s): {least:.1f} s = {least / bound:.2f}x the bound")
    print(f"  waits for rate-limit slots inside cases: "
          f"{statistics.median(r['slot_waits'] for r in runs):.1f} s (all workers)")
    print(f"  throttled answers: {last['throttled_answers']}; cases failed/errored "
          f"from throttling: {len(last['throttled_cases'])} "
          f"(of {last['failed']} failed/errored)")
    for case in last["throttled_cases"][:10]:
        print(f"    {case.get('verdict')} {case.get('nodeid') or case.get('id')}")
    if not args.skip_floor:
        floors = []
        for i in range(args.repeat):
            work = root / f"floor-{workers}-{i}"
            work.mkdir()
            floors.append(throttled_run(None, workers, work, history))
        floor = statistics.median(r["span"] for r in floors)
        start, cases, end = (statistics.median(r["phases"][i] for r in floors) for i in range(3))
        print(f"  floor: the same run unthrottled spans {floor:.1f} s (this machine's "
              f"speed: {start:.1f} s before the first case, {cases:.1f} s of cases, {end:.1f} s "
              f"after{busy(floors)}); throttled span / max(bound, floor) = "
              f"{span / max(bound, floor):.2f}")


def main() -> int:
    """Parse options, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=20, help="requests/s/action (default 20)")
    parser.add_argument("--workers", default="2,6",
                        help="-n of the throttled runs, comma-separated (default 2,6)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement (median)")
    parser.add_argument("--brief", action="store_true", help="no per-action table")
    parser.add_argument("--skip-throttled", action="store_true")
    parser.add_argument("--skip-speedup", action="store_true")
    parser.add_argument("--skip-floor", action="store_true",
                        help="no unthrottled run (the span the machine's speed sets)")
    args = parser.parse_args()
    try:
        counts = [int(n) for n in args.workers.split(",")]
    except ValueError:
        parser.error(f"--workers: not a comma-separated list of numbers: {args.workers!r}")
    with tempfile.TemporaryDirectory(prefix="cmqc-bench-") as tmp:
        root = Path(tmp)
        # One report folder for every run against a server, as a user re-running into
        # reports/latest has: each run is ordered by the last one's history.
        history = root / "report"
        if not args.skip_throttled:
            warm_up = root / "warm-up-target"
            warm_up.mkdir()
            throttled_run(None, counts[0], warm_up, history)  # untimed: the first history
            for workers in counts:
                report_throttled(args, workers, root, history)
        if not args.skip_speedup:
            default = root / "default"
            run(["-n", "2"], default)  # untimed: the bytecode caches and the first durations
            walls: dict[int, list[float]] = {1: [], 2: []}
            for _ in range(args.repeat):
                for n in (1, 2):
                    walls[n].append(run(["-n", str(n)], default))
            one, two = statistics.median(walls[1]), statistics.median(walls[2])
            print(f"default run (embedded emulator, --product {PRODUCT}): -n 1 {one:.1f} s, "
                  f"-n 2 {two:.1f} s, speed-up {one / two:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
