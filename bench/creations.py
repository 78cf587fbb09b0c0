"""What creates: the resources a CMQ run creates, per test (prints figures; not a test).

A ``-n 1`` run (one case at a time) against ``cmqconform serve --request-log FILE`` (not
throttled): every create request the server answered ok (the create actions product.yaml names
for the kinds it deletes again: queues, topics, subscriptions) is counted under the test whose
case was running when it arrived (its Allure start..stop), parameters folded:
``generated.cmq.v3#CreateQueue`` counts every generated CreateQueue case. A resource a pool makes
for the next borrower after one retired counts under that borrower.

Usage: ``.venv/bin/python bench/creations.py [--top 40]``
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from benchlib import by_case, case_spans
from throttled_run import create_actions, throttled_run


def main() -> int:
    """Run, attribute, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=40, help="groups listed (default 40)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cmqc-creations-") as tmp:
        work = Path(tmp)
        figures = throttled_run(None, 1, work)
        creates = create_actions()
        times = [float(line["t"]) for line in map(json.loads, (work / "requests.jsonl").read_text(
            encoding="utf-8").splitlines()) if (line["api"], line["action"]) in creates
            and line["outcome"] == "ok"]
        counted = by_case(times, case_spans(work / "report" / "allure"))
    cases = max(1, figures["cases"])
    print(f"creations (answered ok), -n 1, unthrottled: {len(times)} in {figures['cases']} cases "
          f"= {len(times) / cases:.2f} per case ({figures['failed']} cases failed/errored)")
    families: dict[str, int] = {}
    for group, count in counted.items():
        family = group.split(".")[0] if "#" in group else group
        families[family] = families.get(family, 0) + count
    print("  " + ", ".join(f"{family} {count}" for family, count in
                           sorted(families.items(), key=lambda kv: -kv[1])))
    print(f"  {'creations':>9}  test (parameters folded)")
    for group, count in counted.most_common(args.top):
        print(f"  {count:>9}  {group}")
    rest = counted.most_common()[args.top:]
    if rest:
        print(f"  {sum(c for _, c in rest):>9}  ... {len(rest)} more tests")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
