"""``cmqconform run`` and ``cmqconform spec coverage``: thin fronts over pytest and the plugin."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from cmqconform import __version__
from cmqconform.coverage import SUITES
from cmqconform.dialects.redaction import env_secrets, redact_text
from cmqconform.reporting.progress import RunProgress
from cmqconform.results import CASES_DIR, CaseTail, now_iso, reset, write_results
from cmqconform.spec.select import select_surfaces

DEFAULT_REPORT_DIR = Path("reports/latest")
#: How often the progress reads the case logs.
POLL_SECONDS = 0.2


def allure_dir(args: argparse.Namespace) -> Path:
    """Where Allure results go: ``--allure DIR``, else ``<report-dir>/allure``."""
    return Path(args.allure) if args.allure else Path(args.report_dir) / "allure"


def selection_argv(args: argparse.Namespace) -> list[str]:
    """The pytest command line that collects the run's cases (suites, surfaces, -k, markers)."""
    argv = [sys.executable, "-m", "pytest", str(SUITES), "-c", str(SUITES / "pytest.ini"),
            "--rootdir", str(SUITES), "-q", "--no-header", f"--cmq-api={args.api}",
            f"--cmq-product={args.product}"]
    if args.k:
        argv += ["-k", args.k]
    if getattr(args, "lf", False):
        argv.append("--lf")
    if getattr(args, "maxfail", None):
        argv.append(f"--maxfail={args.maxfail}")
    if getattr(args, "exitfirst", False):
        argv.append("-x")
    if not args.slow:
        argv += ["-m", "not slow"]
    if args.fuzz:
        argv += ["--cmq-fuzz", f"--cmq-fuzz-examples={args.fuzz_examples}"]
    return argv


def pytest_argv(args: argparse.Namespace) -> list[str]:
    """The pytest command line for a run."""
    report_dir = Path(args.report_dir)
    argv = [*selection_argv(args), f"--cmq-report-dir={report_dir}",
            # The last run's failures, for --lf: kept beside its results, never in the suites.
            "-o", f"cache_dir={report_dir.resolve() / '.cache'}",
            # Captured output is not evidence and may hold whatever a test printed: keep it out.
            f"--alluredir={allure_dir(args)}", "--clean-alluredir", "--allure-no-capture"]
    if args.target:
        argv.append(f"--cmq-target={args.target}")
    if not getattr(args, "fuzz", False):
        # schemathesis's pytest plugin (its parametrize; the fuzz mode drives schemathesis
        # itself) costs 0.4 s to import in every process: the controller and each worker.
        argv += ["-p", "no:schemathesis"]
    # hypothesis's pytest plugin serves @given tests (the fuzz engine drives hypothesis itself);
    # its end-of-session summary costs every worker a fraction of a second.
    argv += ["-p", "no:hypothesispytest"]
    if args.workers and args.workers > 1:
        argv += ["-n", str(args.workers)]
    else:
        argv += ["-p", "no:xdist"]
    if args.expectations:
        argv.append(f"--cmq-expectations={args.expectations}")
    if args.mutant:
        argv.append(f"--cmq-emulator-mutant={args.mutant}")
    return argv


def run_meta(args: argparse.Namespace, argv: Sequence[str]) -> dict[str, Any]:
    """What the run tells results.json about itself (redacted; never a credential)."""
    from cmqconform.targets import without_userinfo

    secrets = env_secrets()
    return {"argv": [without_userinfo(redact_text(a, secrets)) for a in ("cmqconform", *argv)],
            "workers": args.workers or 1, "slow": bool(args.slow),
            "target_arg": without_userinfo(redact_text(args.target, secrets))
            if args.target else None}


def target_secrets(arg: str | None) -> tuple[str, ...]:
    """The secret values of a file target (to scrub from report.html); none when unknown."""
    if not arg or arg.startswith(("http://", "https://")):
        return ()  # URL targets take their credentials from the environment, scrubbed anyway
    from cmqconform.errors import CmqConformError
    from cmqconform.targets import load_target

    try:
        target = load_target(Path(arg)) if Path(arg).is_file() else None
    except CmqConformError:
        return ()
    if target is None:
        return ()
    second = target.second_credentials.secrets() if target.second_credentials else ()
    return target.credentials.secrets() + second


#: Interrupts within this many seconds of the first count as one (a double Ctrl-C, a SIGTERM
#: after a SIGINT): pytest gets exactly one SIGINT and still sweeps and writes its results.
FORCE_AFTER_SECONDS = 3.0
#: How long pytest may wind down after the interrupt before its process group is killed.
STOP_GRACE_SECONDS = 90.0


class Stop:
    """The signals asking the run to stop: a handler records them (it never raises in the
    middle of a statement, so no second Ctrl-C can cut short the writing of the results)."""

    def __init__(self) -> None:
        self.signals: list[tuple[str, float]] = []
        #: Whether pytest's process group had to be killed.
        self.forced = False

    def handler(self, signum: int, frame: Any) -> None:
        """A signal handler: note the signal."""
        self.signals.append((signal.Signals(signum).name, time.monotonic()))

    @property
    def reason(self) -> str | None:
        """``interrupted (SIGINT)`` (the first signal), or None when none came."""
        if not self.signals:
            return None
        forced = "; pytest was killed, the sweep may not have run" if self.forced else ""
        return f"interrupted ({self.signals[0][0]}{forced})"

    def force_due(self, now: float) -> bool:
        """Whether to kill pytest: a signal well after the first, or the grace is over."""
        if not self.signals:
            return False
        first = self.signals[0][1]
        return (any(at - first > FORCE_AFTER_SECONDS for _, at in self.signals)
                or now - first > STOP_GRACE_SECONDS)


@contextlib.contextmanager
def _stop_on_signals(stop: Stop) -> Iterator[None]:
    # SIGINT and SIGTERM are noted, never raised: the watcher hands pytest (in a session of
    # its own, so a terminal's Ctrl-C reaches only this process) one SIGINT.
    try:
        previous = {sig: signal.signal(sig, stop.handler)
                    for sig in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL pytest's process group: pytest, its workers and the embedded emulators."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def watch(proc: subprocess.Popen[bytes], report_dir: Path, progress: RunProgress,
          stop: Stop | None = None) -> None:
    """Feed the progress from the case logs until the pytest process ends; on the first signal
    of ``stop`` hand pytest one SIGINT, and kill its group when :meth:`Stop.force_due`."""
    stop = stop or Stop()
    tail = CaseTail(report_dir)
    total: int | None = None
    forwarded = False
    while True:
        finished = proc.poll() is not None
        if total is None and (total := tail.collected()) is not None:
            progress.set_total(total)
        for rec in tail.new_records():
            progress.update(str(rec.get("verdict", "error")), str(rec.get("id", "")),
                            str(rec.get("message") or ""))
        if finished:
            return
        if stop.signals and not forwarded:
            forwarded = True
            proc.send_signal(signal.SIGINT)
        elif forwarded and stop.force_due(time.monotonic()):
            stop.forced = True
            kill_group(proc)
            proc.wait()
            return
        time.sleep(POLL_SECONDS)


def fallback_results(args: argparse.Namespace, report_dir: Path, started_at: str,
                     ended: str) -> None:
    """Write results.json from the case logs when pytest could not (it was killed): partial,
    marked interrupted, saying why."""
    from cmqconform.coverage import coverage, load_ineligible
    from cmqconform.results import RunInfo, assemble, read_cases
    from cmqconform.spec import load_specs
    from cmqconform.targets import without_userinfo
    from cmqconform.verdicts import TESTED

    specs = load_specs()
    apis = select_surfaces(specs, args.product, args.api)
    tested = {c for rec in read_cases(report_dir) if rec.get("verdict") in TESTED
              for c in rec.get("clause_ids", ())}
    target = {"name": without_userinfo(args.target) if args.target else "embedded emulator",
              "embedded": not args.target}
    assemble(report_dir, RunInfo(target, started_at, tuple(apis), True, ended),
             coverage(specs, tested, load_ineligible(), apis))


def amend_ended(results: Path, ended: str) -> None:
    """Set results.json's ``ended`` (atomically)."""
    doc = json.loads(results.read_text(encoding="utf-8"))
    doc["ended"] = ended
    write_results(results.parent, doc)


def per_api(doc: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """Counts per verdict for each API surface of a results document."""
    out: dict[str, dict[str, int]] = {}
    for case in doc.get("cases") or ():
        row = out.setdefault(str(case.get("api") or "(none)"), {"total": 0})
        row["total"] += 1
        row[case["verdict"]] = row.get(case["verdict"], 0) + 1
    return dict(sorted(out.items()))


def _positive(text: str) -> int:
    """An argparse type: an integer of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


def _tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return redact_text("\n".join(text.splitlines()[-lines:]), env_secrets())


def check_config(args: argparse.Namespace) -> None:
    """Load the target, expectations and ineligible list as the plugin will, before pytest.

    A bad file is then one ConfigError naming file, line and field (exit 2), not a traceback
    at the end of pytest.log.
    """
    from cmqconform.coverage import load_ineligible
    from cmqconform.errors import ConfigError
    from cmqconform.expectations import load_expectations
    from cmqconform.plugin_run import EMBEDDED, resolve_target
    from cmqconform.spec import load_specs

    if getattr(args, "specs", None):
        raise ConfigError(f"--specs {args.specs}: `run` tests against the specs bundled with "
                          "the package; --specs applies to the `spec` commands")
    if args.k:
        from _pytest.mark.expression import Expression

        try:
            Expression.compile(args.k)
        except SyntaxError as exc:  # pytest 8.4 raises SyntaxError (ParseError before)
            raise ConfigError(f"-k {args.k!r}: not a valid expression: "
                              f"{exc.msg or exc}") from None
    load_ineligible()
    specs = load_specs()
    apis = select_surfaces(specs, args.product, args.api)
    if args.mutant:
        check_mutant(args.mutant, specs, apis)
    expectations = args.expectations
    if args.target and args.target not in EMBEDDED:
        target = resolve_target(args.target, specs)
        expectations = expectations or target.expectations
        if not args.list and not args.no_preflight:
            from cmqconform.preflight import preflight
            from cmqconform.session import Session

            with Session(specs, target) as session:
                preflight(session, apis)
    load_expectations(expectations)
    if not args.list:
        writable_report_dir(Path(args.report_dir))


def check_mutant(name: str, specs: Any, apis: Sequence[str]) -> None:
    """A ``--mutant`` no product of the run knows is one ConfigError naming the valid ones."""
    from cmqconform.errors import ConfigError
    from cmqconform.products import mutant_catalog  # the registry, by name

    products = tuple(dict.fromkeys(specs.apis[a].product for a in apis))
    catalogs = [mutant_catalog(p, specs) for p in products]
    if not any(name in c for c in catalogs):
        valid = sorted({n for c in catalogs for n in c})
        raise ConfigError(f"--mutant {name!r}: unknown for {', '.join(products)}; valid names: "
                          f"{', '.join(valid)}")


def writable_report_dir(path: Path) -> None:
    """Create the report directory, or one ConfigError saying why it cannot be written."""
    import tempfile

    from cmqconform.errors import ConfigError

    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise ConfigError(f"--report-dir {path}: cannot write there: "
                          f"{exc.strerror or exc}") from None


def banner(args: argparse.Namespace) -> str:
    """The first line of a run: target, products, surfaces, mutant, selection, workers."""
    target = args.target or "the embedded emulators (one per product)"
    parts = [f"cmqconform {__version__}: target {target}", f"product {args.product}",
             f"surface {args.api}"]
    if args.mutant:
        parts.append(f"mutant {args.mutant}")
    if args.k:
        parts.append(f"-k {args.k!r}")
    parts.append(f"{args.workers} worker{'s' if args.workers > 1 else ''}")
    parts.append("slow scenarios included" if args.slow else "slow scenarios excluded")
    return " · ".join(parts)


def cmd_run(args: argparse.Namespace) -> int:
    """Run the suites against a target; 0 no fail/error, 1 some, 2 usage or config error."""
    from cmqconform.plugin_report import RUN_META_ENV  # imports pytest: only when running
    from cmqconform.reporting.html import write_html
    from cmqconform.reporting.junit import write_junit
    from cmqconform.spec import load_specs

    select_surfaces(load_specs(), args.product, args.api)
    check_config(args)
    if args.list:
        return list_cases(args)
    report_dir = Path(args.report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    results = report_dir / "results.json"
    for stale in (results, report_dir / "report.html", report_dir / "junit.xml"):
        stale.unlink(missing_ok=True)
    reset(report_dir)
    argv = pytest_argv(args)
    env = dict(os.environ, **{RUN_META_ENV: json.dumps(run_meta(args, sys.argv[1:]))})
    log_path = report_dir / "pytest.log"
    progress = RunProgress(quiet=args.quiet, banner=banner(args))
    started_at = now_iso()
    stop = Stop()
    # pytest's temporary files (the embedded emulators' keys and logs, the rate folder) go in
    # one folder of this run, removed whatever happens to pytest.
    run_tmp = tempfile.mkdtemp(prefix="cmqc-run-")
    env["TMPDIR"] = run_tmp
    try:
        with _stop_on_signals(stop), log_path.open("wb") as log, progress:
            # pytest's own output goes to a file: the terminal belongs to the progress bar.
            # Its own session: a terminal's Ctrl-C reaches only this process, which hands
            # pytest exactly one SIGINT (a second one would cut short the sweep and results).
            proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env,
                                    start_new_session=True)
            try:
                watch(proc, report_dir, progress, stop)
            finally:
                if proc.poll() is None:
                    stop.forced = True
                    kill_group(proc)
                proc.wait()
                # Whatever pytest left running in its group (an emulator it could not stop).
                kill_group(proc)
            if not results.exists() and stop.reason and (report_dir / CASES_DIR).is_dir():
                fallback_results(args, report_dir, started_at, str(stop.reason))
            if not results.exists():
                progress.abort()
    finally:
        shutil.rmtree(run_tmp, ignore_errors=True)
    if not results.exists():
        # Nothing ran: a usage or configuration error (pytest 2-4, or a target it refused).
        print(f"cmqconform: no results written (pytest exit {proc.returncode}); "
              f"the last lines of {log_path}:\n{_tail(log_path)}", file=sys.stderr)
        return 2
    if stop.reason and str(json.loads(results.read_text(encoding="utf-8")).get(
            "ended", "")).startswith("interrupted"):
        # pytest saw the SIGINT this process handed it; the run ended for what came here.
        amend_ended(results, stop.reason)
    doc = json.loads(results.read_text(encoding="utf-8"))
    if not doc["summary"]["total"] and not doc.get("interrupted"):
        print(f"cmqconform: the selection has no case (product {args.product}, surface "
              f"{args.api}{', -k ' + repr(args.k) if args.k else ''}{', --lf' if args.lf else ''})"
              "; nothing ran, no report written", file=sys.stderr)
        return 2
    report = write_html(doc, report_dir / "report.html", secrets=target_secrets(args.target))
    # JUnit from results.json, not pytest's: error verdicts as <error>, clause ids as properties.
    write_junit(doc, report_dir / "junit.xml", secrets=target_secrets(args.target))
    summary = doc["summary"]
    progress.finish(report=report, summary=summary, per_api=per_api(doc),
                    extra=[f"clauses: {doc['coverage']['clauses_total']} total, "
                           f"{doc['coverage']['clauses_tested']} tested, "
                           f"{doc['coverage']['clauses_ineligible']} ineligible",
                           f"results: {results}", f"junit: {report_dir / 'junit.xml'}",
                           f"allure: {allure_dir(args)}",
                           *(["interrupted: these results are partial"]
                             if doc.get("interrupted") else [])],
                    ended=str(doc.get("ended") or ("interrupted" if doc.get("interrupted")
                                                   else "completed")))
    if summary.get("missing") and not doc.get("interrupted"):
        print(f"cmqconform: {summary['missing']} of {summary['collected']} collected cases have "
              f"no result in {results}", file=sys.stderr)
        return 1
    if summary["fail"] or summary["error"]:
        return 1
    if doc.get("interrupted") or proc.returncode not in (0, 1, 5):
        return 1
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Render any results.json (from ``run`` or plain pytest) as report.html, optionally JUnit."""
    from cmqconform.reporting.html import write_html
    from cmqconform.reporting.junit import write_junit
    from cmqconform.reporting.view import load_results

    doc = load_results(args.results)
    out = Path(args.output) if args.output else Path(args.results).with_name("report.html")
    print(write_html(doc, out))
    if args.junit:
        print(write_junit(doc, args.junit))
    return 0


def add_report_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``report``."""
    report = sub.add_parser(
        "report", help="render a results.json as report.html (and JUnit XML)",
        description="Render any results.json — from cmqconform run or from plain pytest with "
                    "--cmq-report-dir — as one self-contained report.html. Exit 2 when the file "
                    "is not a results document.")
    report.add_argument("results", metavar="RESULTS.json", help="the results document")
    report.add_argument("-o", "--output", metavar="PATH",
                        help="where report.html goes (default: beside RESULTS.json)")
    report.add_argument("--junit", metavar="PATH", help="also write JUnit XML here")
    report.set_defaults(func=cmd_report)


def list_cases(args: argparse.Namespace) -> int:
    """Print the id of every case the run would collect, and nothing else; no target needed."""
    argv = [*selection_argv(args), "--collect-only", "-p", "no:xdist", "-p", "no:cacheprovider"]
    code = subprocess.run(argv, check=False).returncode
    return 0 if code == 0 else (1 if code == 5 else 2)


def cmd_coverage(args: argparse.Namespace) -> int:
    """Print clause coverage figures from the specs, generated cases and clause markers."""
    from cmqconform.coverage import static_coverage
    from cmqconform.spec import load_specs

    specs = load_specs(Path(args.specs) if getattr(args, "specs", None) else None)
    figures = static_coverage(specs, select_surfaces(specs, args.product, args.api))
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
    run = sub.add_parser(
        "run", help="run the conformance suites against a target",
        description="Run the generated and behaviour suites against a target (default: each "
                    "product's embedded emulator or mock) and write results.json, report.html, "
                    "junit.xml and Allure results. Exit 0: every case passed (or was skipped or "
                    "expected); 1: a case failed or errored, or the run was cut short; 2: a "
                    "usage or configuration error, a failed preflight, or an empty selection.")
    run.add_argument("--target", metavar="NAME|URL|FILE",
                     help="a URL (credentials from TENCENTCLOUD_SECRET_ID/_KEY), a target TOML "
                          "file, or NAME for targets/NAME.toml in the current directory "
                          "(default: the embedded emulators)")
    run.add_argument("--product", default="all", metavar="PRODUCT",
                     help="a product id from the specs (default: every product)")
    run.add_argument("--api", default="all", metavar="SURFACE",
                     help="one surface id (default: every surface of the products)")
    run.add_argument("-n", "--workers", type=_positive, default=1, metavar="N",
                     help="pytest-xdist worker processes (default 1)")
    run.add_argument("--report-dir", default=str(DEFAULT_REPORT_DIR), metavar="DIR",
                     help="where results.json, report.html, junit.xml and allure/ go "
                          f"(default: {DEFAULT_REPORT_DIR})")
    run.add_argument("-k", metavar="EXPR", help="pytest -k expression selecting cases")
    run.add_argument("--fuzz", action="store_true", help="add property-based fuzz cases")
    run.add_argument("--fuzz-examples", type=_positive, default=20, metavar="N",
                     help="with --fuzz: examples per action (default 20)")
    run.add_argument("--expectations", help="expectations file (xfail/disabled per target)")
    run.add_argument("--slow", action="store_true",
                     help="include the scenarios marked slow (minutes of waiting on timers)")
    run.add_argument("--allure", metavar="DIR",
                     help="Allure results directory (default: <report-dir>/allure)")
    run.add_argument("--mutant", metavar="NAME",
                     help="run the embedded emulator with one deliberate deviation "
                          "(docs/mutants.md): a known-broken target")
    run.add_argument("--list", action="store_true",
                     help="list the cases the run would collect and exit (no target needed)")
    run.add_argument("--maxfail", type=_positive, metavar="N",
                     help="stop after N failing or erroring cases (the run is then partial)")
    run.add_argument("-x", "--exitfirst", action="store_true",
                     help="stop at the first failing or erroring case")
    run.add_argument("--lf", action="store_true",
                     help="run only the cases that failed in the last run into the same "
                          "--report-dir (all when none failed)")
    run.add_argument("--no-preflight", action="store_true",
                     help="skip the one authenticated call per surface made before the run "
                          "against a URL or file target")
    run.add_argument("-q", "--quiet", action="store_true",
                     help="plain lines instead of the progress bar (also when CI=true)")
    run.set_defaults(func=cmd_run)


def add_coverage_parser(spec: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``spec coverage``."""
    cov = spec.add_parser("coverage", help="clause coverage: tested, ineligible, uncovered")
    cov.add_argument("--product", default="all", metavar="PRODUCT",
                     help="a product id from the specs (default: every product)")
    cov.add_argument("--api", default="all", metavar="SURFACE",
                     help="one surface id (default: every surface of the products)")
    cov.add_argument("--json", action="store_true", help="print the figures as JSON")
    cov.set_defaults(func=cmd_coverage)
