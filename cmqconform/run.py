"""``cmqconform run`` and ``cmqconform spec coverage``: thin fronts over pytest and the plugin."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from cmqconform.models import APIS

SUITES = Path(__file__).resolve().parents[1] / "suites"
DEFAULT_REPORT_DIR = Path("reports/latest")


def pytest_argv(args: argparse.Namespace) -> list[str]:
    """The pytest command line for a run."""
    report_dir = Path(args.report_dir)
    argv = [sys.executable, "-m", "pytest", str(SUITES), "-c", str(SUITES / "pytest.ini"),
            "--rootdir", str(SUITES), "-q", "--no-header",
            f"--cmq-report-dir={report_dir}", f"--cmq-api={args.api}",
            f"--junitxml={report_dir / 'junit.xml'}"]
    if args.target:
        argv.append(f"--cmq-target={args.target}")
    if args.workers and args.workers > 1:
        argv += ["-n", str(args.workers)]
    else:
        argv += ["-p", "no:xdist"]
    if args.k:
        argv += ["-k", args.k]
    if args.fuzz:
        argv.append("--cmq-fuzz")
    if args.expectations:
        argv.append(f"--cmq-expectations={args.expectations}")
    return argv


def cmd_run(args: argparse.Namespace) -> int:
    """Run the suites against a target; 0 no fail/error, 1 some, 2 usage or config error."""
    report_dir = Path(args.report_dir)
    results = report_dir / "results.json"
    if results.exists():
        results.unlink()
    proc = subprocess.run(pytest_argv(args), check=False)
    if proc.returncode in (3, 4) and not results.exists():
        return 2  # pytest usage error or internal error before any case ran
    if not results.exists():
        print(f"cmqconform: no results written (pytest exit {proc.returncode})",
              file=sys.stderr)
        return 2
    doc = json.loads(results.read_text(encoding="utf-8"))
    summary = doc["summary"]
    cover = doc["coverage"]
    print(f"{summary['total']} cases: " + ", ".join(
        f"{summary[k]} {k}" for k in ("pass", "fail", "error", "skip", "disabled", "xfail",
                                      "xpass")))
    print(f"clauses: {cover['clauses_total']} total, {cover['clauses_tested']} tested, "
          f"{cover['clauses_ineligible']} ineligible; results in {results}")
    if summary["fail"] or summary["error"]:
        return 1
    if doc.get("interrupted") or proc.returncode not in (0, 1, 5):
        return 1
    return 0


def cmd_coverage(args: argparse.Namespace) -> int:
    """Print clause coverage figures from the specs, generated cases and clause markers."""
    from cmqconform.coverage import static_coverage
    from cmqconform.spec import load_specs

    specs = load_specs(Path(args.specs) if getattr(args, "specs", None) else None)
    figures = static_coverage(specs, APIS if args.api == "all" else (args.api,))
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"{'':12}{'total':>8}{'tested':>8}{'inelig.':>8}{'uncov.':>8}")
        for api, row in figures["per_api"].items():
            print(f"{api:12}{row['total']:>8}{row['tested']:>8}{row['ineligible']:>8}"
                  f"{row['uncovered']:>8}")
        for clause in figures["clauses_uncovered"]:
            print(f"uncovered: {clause}")
    return 1 if figures["clauses_uncovered"] else 0


def add_run_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``run``."""
    run = sub.add_parser("run", help="run the conformance suites against a target")
    run.add_argument("--target", help="NAME, URL or target FILE (default: embedded emulator)")
    run.add_argument("--api", choices=["all", *APIS], default="all")
    run.add_argument("-n", "--workers", type=int, default=1, help="pytest-xdist workers")
    run.add_argument("--report-dir", default=str(DEFAULT_REPORT_DIR))
    run.add_argument("-k", help="pytest -k expression selecting cases")
    run.add_argument("--fuzz", action="store_true", help="add property-based fuzz cases")
    run.add_argument("--expectations", help="expectations file (xfail/disabled per target)")
    run.set_defaults(func=cmd_run)


def add_coverage_parser(spec: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``spec coverage``."""
    cov = spec.add_parser("coverage", help="clause coverage: tested, ineligible, uncovered")
    cov.add_argument("--api", choices=["all", *APIS], default="all")
    cov.add_argument("--json", action="store_true")
    cov.set_defaults(func=cmd_coverage)
