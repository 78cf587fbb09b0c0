"""``cmqconform mutate``: run the relevant tests against each emulator mutant; the mutation score.

For every category in play the selection first runs against the unmutated emulator (the
baseline); then each mutant's category selection runs against an emulator with that mutant
switched on. A test catches a mutant when it passed on the baseline and fails on the mutant, or
ends in an error that is an observable deviation (an undecodable answer, a missing field), not
transport trouble. Runs go ``-j`` at a time, each with its own emulator on a loopback port.

Results go to ``reports/mutation/results.json`` and ``reports/mutation/mutation.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from cmqconform.coverage import SUITES
from cmqconform.emulator.mutants import Category, Mutant
from cmqconform.errors import ConfigError
from cmqconform.netutil import free_port
from cmqconform.plugin_run import stop_process
from cmqconform.results import now_iso, read_cases

DEFAULT_REPORT_DIR = Path("reports/mutation")
#: Longest one pytest run may take before it is stopped and reported as an error.
RUN_TIMEOUT = 900.0
#: Error messages that mean the run could not judge the target, so they never catch a mutant.
INFRASTRUCTURE = re.compile(
    r"ConnectError|ConnectTimeout|ReadTimeout|WriteTimeout|PoolTimeout|RemoteProtocolError|"
    r"TransportError|Connection refused|timed out|XPASS|embedded emulator (exited|did not)",
    re.IGNORECASE)
#: Verdicts of a test that passed.
PASSED = frozenset({"pass"})
#: Most catching tests ``--confirm`` runs again per mutant.
CONFIRM_MAX = 10
#: A clause id as failure messages name it (``<product>.<surface>.<Action>.<Param>.<kind>``).
_CLAUSE_ID = re.compile(r"\b[a-z][a-z0-9]*\.[a-z][a-z0-9]*\.[A-Za-z0-9_.]*[A-Za-z0-9_]")
#: The product whose mutants run when ``--product`` names none.
DEFAULT_PRODUCT = "cmq"


@dataclass(frozen=True, slots=True)
class Catalog:
    """A product's mutants and the categories selecting the tests relevant to each."""

    product: str
    mutants: tuple[Mutant, ...]
    categories: Mapping[str, Category]

    def lookup(self, name: str) -> Mutant:
        """The mutant ``name``; ConfigError listing the valid names when unknown."""
        for mutant in self.mutants:
            if mutant.name == name:
                return mutant
        raise ConfigError(f"unknown mutant {name!r} of {self.product}; valid names: "
                          f"{', '.join(sorted(m.name for m in self.mutants))}")


def catalog_of(product: str = DEFAULT_PRODUCT) -> Catalog:
    """The catalog of ``product``: its package's (CATALOG, CATEGORIES), else, for a product
    served by the spec-driven mock, the mock's generic one as it applies to the product's specs.
    ConfigError for a product the specs do not define."""
    from cmqconform.products import mutant_catalog, mutant_categories

    return Catalog(product, tuple(mutant_catalog(product).values()),
                   dict(mutant_categories(product)))


@dataclass(frozen=True, slots=True)
class Catch:
    """One test that caught a mutant."""

    test: str
    clause_ids: tuple[str, ...]
    verdict: str
    message: str
    #: Clause ids the failure itself names (its message and checks), beside the case's own.
    named: tuple[str, ...] = ()

    def names_rule_of(self, mutant: Mutant) -> bool:
        """Whether the case's or its failure's clause ids include a rule ``mutant`` breaks (a
        generic catalog's ``<surface>.*.range`` matches any surface's)."""
        return any(fnmatchcase(named, rule.replace("<surface>", "*.*"))
                   for rule in mutant.clauses for named in {*self.clause_ids, *self.named})

    def to_json(self) -> dict[str, Any]:
        """The results.json form."""
        return {"test": self.test, "clause_ids": list(self.clause_ids),
                "named": list(self.named), "verdict": self.verdict, "message": self.message}


@dataclass(slots=True)
class RunResult:
    """The case records of one pytest run (or why there are none)."""

    cases: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class MutantOutcome:
    """How one mutant fared."""

    mutant: Mutant
    caught_by: tuple[Catch, ...]
    tests_run: int
    seconds: float
    error: str | None = None

    @property
    def caught(self) -> bool:
        """Whether some test caught the mutant."""
        return bool(self.caught_by)

    @property
    def on_rule(self) -> tuple[Catch, ...]:
        """The catches whose clause ids name a rule the mutant breaks."""
        return tuple(c for c in self.caught_by if c.names_rule_of(self.mutant))

    @property
    def state(self) -> str:
        """``caught``, ``caught by accident`` (no catch names its rule), ``error``, ``survived``."""
        if self.caught:
            return "caught" if self.on_rule else "caught by accident"
        return "error" if self.error else "survived"

    def to_json(self) -> dict[str, Any]:
        """The results.json form."""
        m = self.mutant
        return {"mutant": m.name, "category": m.category, "description": m.description,
                "clauses": list(m.clauses), "caught": self.caught,
                "state": self.state, "on_rule": len(self.on_rule),
                "caught_by": [c.to_json() for c in self.caught_by],
                "tests_run": self.tests_run, "seconds": round(self.seconds, 1),
                "error": self.error}


# -- running pytest ------------------------------------------------------------------------------
def selectors(category: Category, full: bool) -> list[str]:
    """The ``--cmq-select`` values of a run (none for ``--full``: every non-slow test)."""
    return [] if full else list(category.select)


def collect_paths(select: Sequence[str]) -> list[Path]:
    """The files and folders under suites/ the selectors reach (all of suites/ when unsure).

    Collecting only these spares each run generating every case of folders it never uses.
    """
    paths: list[Path] = []
    for selector in select:
        heads = [t for t in selector.split() if t[0] not in "@~"]
        if not heads:
            return [SUITES]
        head = heads[0].split("::")[0].split("*")[0]
        path = SUITES / head
        if not head or not path.exists():
            return [SUITES]
        if path not in paths:
            paths.append(path)
    return paths or [SUITES]


def pytest_argv(report_dir: Path, select: Sequence[str], target: Sequence[str],
                nodeids: Sequence[str] = ()) -> list[str]:
    """The pytest command line of one run (``nodeids``: exactly these tests instead)."""
    paths = [f"{SUITES}/{n}" for n in nodeids] or [str(p) for p in collect_paths(select)]
    argv = [sys.executable, "-m", "pytest", *paths,
            "-c", str(SUITES / "pytest.ini"),
            "--rootdir", str(SUITES), "-q", "--no-header", "-p", "no:xdist",
            "-p", "no:cacheprovider",
            "-p", "cmqconform.mutate_select", "-m", "not slow",
            f"--cmq-report-dir={report_dir}", *target]
    for selector in select:
        argv.append(f"--cmq-select={selector}")
    return argv


def _start_server(mutant: str | None, options: Sequence[str], env: Mapping[str, str],
                  log_path: Path, product: str = DEFAULT_PRODUCT
                  ) -> tuple[subprocess.Popen[bytes], int]:
    """``cmqconform serve`` with ``options`` (and the mutant) on a free port, once it listens."""
    port = free_port()
    argv = [sys.executable, "-m", "cmqconform.cli", "serve", "--host", "127.0.0.1", "--port",
            str(port), "--log-level", "warning", "--product", product, *options,
            *(["--mutant", mutant] if mutant else [])]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(argv, env=dict(env), stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ConfigError(f"the emulator exited at start: "
                              f"{log_path.read_text(errors='replace')[-300:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise ConfigError("the emulator did not listen within 30 s")


def _target_file(folder: Path, port: int, category: Category) -> Path:
    from cmqconform.spec import load_specs
    from cmqconform.targets import default_region

    lines = [f'name = "mutation emulator ({category.name})"', f'url = "http://127.0.0.1:{port}"',
             f'region = "{default_region(load_specs())}"', "", "[declared_limits]"]
    lines += [f"{key} = {value}" for key, value in category.declared_limits.items()]
    path = folder / "target.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_selection(category: Category, mutant: str | None, work: Path, *,
                  full: bool = False, nodeids: Sequence[str] = (),
                  product: str = DEFAULT_PRODUCT) -> RunResult:
    """Run ``category``'s tests against an emulator with ``mutant`` (None: the reference).

    A run that ends without a single result (the emulator or pytest failed to start) is tried
    once more before it is reported as an error.
    """
    first = _run_once(category, mutant, work, full=full, nodeids=nodeids, product=product)
    if first.cases:
        return first
    again = _run_once(category, mutant, work / "retry", full=full, nodeids=nodeids,
                      product=product)
    again.seconds += first.seconds
    return again


def _run_once(category: Category, mutant: str | None, work: Path, *,
              full: bool = False, nodeids: Sequence[str] = (),
              product: str = DEFAULT_PRODUCT) -> RunResult:
    from cmqconform.plugin_run import embedded_credentials
    from cmqconform.targets import SECRET_ID_ENV, SECRET_KEY_ENV

    started = time.monotonic()
    work.mkdir(parents=True, exist_ok=True)
    report_dir = work / "report"
    env = dict(os.environ)
    server: subprocess.Popen[bytes] | None = None
    try:
        if category.serve:
            # Options the embedded emulator does not take: a server of our own and a target file
            # declaring what the tests may rely on.
            secret_id, secret_key = embedded_credentials()
            env[SECRET_ID_ENV], env[SECRET_KEY_ENV] = secret_id, secret_key
            server, port = _start_server(mutant, category.serve, env, work / "emulator.log",
                                         product)
            target = [f"--cmq-target={_target_file(work, port, category)}"]
        else:
            target = [f"--cmq-emulator-mutant={mutant}"] if mutant else []
        select = [] if nodeids else selectors(category, full)
        argv = pytest_argv(report_dir, select, [*target, f"--cmq-product={product}"], nodeids)
        with (work / "pytest.log").open("wb") as log:
            proc = subprocess.run(argv, env=env, stdout=log, stderr=subprocess.STDOUT,
                                  timeout=RUN_TIMEOUT, check=False)
        cases = list(read_cases(report_dir))
        error = None
        if not cases:
            error = f"pytest exit {proc.returncode} without results; see {work / 'pytest.log'}"
        return RunResult(cases, error, time.monotonic() - started)
    except subprocess.TimeoutExpired:
        return RunResult([], f"stopped after {RUN_TIMEOUT:.0f} s", time.monotonic() - started)
    except ConfigError as exc:
        return RunResult([], str(exc), time.monotonic() - started)
    finally:
        if server is not None:
            stop_process(server)


# -- judging ---------------------------------------------------------------------------------
def is_deviation(case: Mapping[str, Any]) -> bool:
    """Whether an ``error`` record reflects an observable deviation, not transport trouble."""
    return not INFRASTRUCTURE.search(str(case.get("message") or ""))


def named_clauses(case: Mapping[str, Any]) -> tuple[str, ...]:
    """The clause ids a case record's failure names, in its message and its checks' messages."""
    texts = [str(case.get("message") or "")]
    texts += [str(f.get("message") or "") for f in case.get("failures") or ()
              if isinstance(f, Mapping)]
    return tuple(dict.fromkeys(m.rstrip(".") for t in texts for m in _CLAUSE_ID.findall(t)))


def catches(baseline: Iterable[Mapping[str, Any]],
            mutated: Iterable[Mapping[str, Any]]) -> tuple[Catch, ...]:
    """Tests that passed on the baseline and fail (or err observably) on the mutant.

    Failures come first: an error counts only when it is a deviation (:func:`is_deviation`).
    """
    passed = {c["id"] for c in baseline if c.get("verdict") in PASSED}
    fails, errors = [], []
    for case in mutated:
        if case["id"] not in passed:
            continue
        found = Catch(str(case["id"]), tuple(case.get("clause_ids") or ()),
                      str(case["verdict"]), str(case.get("message") or "")[:500],
                      named_clauses(case))
        if case["verdict"] == "fail":
            fails.append(found)
        elif case["verdict"] == "error" and is_deviation(case):
            errors.append(found)
    return tuple(fails + errors)


# -- the command -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Report:
    """A whole mutate run."""

    outcomes: tuple[MutantOutcome, ...]
    equivalent: tuple[Mutant, ...]
    baselines: Mapping[str, RunResult]
    seconds: float
    jobs: int
    full: bool

    @property
    def caught(self) -> int:
        """Mutants caught."""
        return sum(o.caught for o in self.outcomes)

    @property
    def score(self) -> float:
        """Caught / counted (1.0 when nothing was counted)."""
        return self.caught / len(self.outcomes) if self.outcomes else 1.0

    @property
    def on_rule(self) -> int:
        """Mutants caught by some case whose clause ids name a rule they break."""
        return sum(bool(o.on_rule) for o in self.outcomes)

    @property
    def accidental(self) -> tuple[MutantOutcome, ...]:
        """Mutants caught only by cases whose clause ids name none of their rules."""
        return tuple(o for o in self.outcomes if o.state == "caught by accident")

    def summary(self) -> dict[str, Any]:
        """The ``--json`` document."""
        return {"mutants": len(self.outcomes), "caught": self.caught,
                "score": round(self.score, 4), "caught_on_rule": self.on_rule,
                "caught_by_accident": [o.mutant.name for o in self.accidental],
                "results": [{"mutant": o.mutant.name, "caught": o.caught, "state": o.state,
                             "caught_by": [{"test": c.test, "clause_ids": list(c.clause_ids),
                                            "named": list(c.named),
                                            "on_rule": c.names_rule_of(o.mutant)}
                                           for c in o.caught_by]}
                            for o in self.outcomes]}

    def document(self) -> dict[str, Any]:
        """results.json: the summary plus categories, baselines, timings and equivalents."""
        doc = self.summary()
        doc.update({
            "version": "1.0", "generated_at": now_iso(), "wall_seconds": round(self.seconds, 1),
            "jobs": self.jobs, "selection": "full" if self.full else "category",
            "results": [o.to_json() for o in self.outcomes],
            "equivalent": [{"mutant": m.name, "category": m.category, "reason": m.equivalent}
                           for m in self.equivalent],
            "baseline": {name: {"tests": len(r.cases), "error": r.error,
                                "not_passing": sorted(c["id"] for c in r.cases
                                                      if c.get("verdict") not in PASSED)}
                         for name, r in sorted(self.baselines.items())},
        })
        return doc


def judge(mutant: Mutant, baseline: RunResult, root: Path, *, full: bool = False,
          confirm: bool = False, catalog: Catalog | None = None) -> MutantOutcome:
    """Run one mutant's selection and find its catches (``confirm``: they must fail twice)."""
    catalog = catalog or catalog_of()
    category = catalog.categories[mutant.category]
    result = run_selection(category, mutant.name, root / mutant.name, full=full,
                           product=catalog.product)
    error = result.error or (f"baseline: {baseline.error}" if baseline.error else None)
    caught = () if error else catches(baseline.cases, result.cases)
    seconds = result.seconds
    if caught and confirm:
        # A timing scenario can fail once on a loaded machine; a real catch fails again.
        again = run_selection(category, mutant.name, root / f"{mutant.name}-confirm",
                              nodeids=[c.test for c in caught[:CONFIRM_MAX]],
                              product=catalog.product)
        repeated = {c.test for c in catches(baseline.cases, again.cases)}
        caught = tuple(c for c in caught[:CONFIRM_MAX] if c.test in repeated)
        seconds += again.seconds
    return MutantOutcome(mutant, caught, len(result.cases), seconds, error)


def mutate(mutants: Sequence[Mutant], *, jobs: int = 2, full: bool = False,
           work: Path | None = None, confirm: bool = False,
           catalog: Catalog | None = None) -> Report:
    """Baselines per category, then every countable mutant; ``jobs`` runs at a time."""
    catalog = catalog or catalog_of()
    categories = catalog.categories
    started = time.monotonic()
    counted = [m for m in mutants if m.equivalent is None]
    equivalent = tuple(m for m in mutants if m.equivalent is not None)
    root = work or Path(tempfile.mkdtemp(prefix="cmqc-mutate-"))
    names = sorted({m.category for m in counted})
    # --full runs one selection for everything, so one baseline serves every category.
    keys = ["full"] if full else names
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        runs = {key: pool.submit(run_selection, categories[names[0] if full else key], None,
                                 root / f"baseline-{key}", full=full, product=catalog.product)
                for key in keys if names}
        baselines = {key: future.result() for key, future in runs.items()}
        futures = [pool.submit(judge, m, baselines["full" if full else m.category], root,
                               full=full, confirm=confirm, catalog=catalog) for m in counted]
        outcomes = [future.result() for future in futures]
    if work is None:
        shutil.rmtree(root, ignore_errors=True)
    return Report(tuple(outcomes), equivalent, baselines, time.monotonic() - started, jobs, full)


def markdown(report: Report) -> str:
    """The short markdown table of a run."""
    lines = [f"# Mutation score: {report.caught}/{len(report.outcomes)} "
             f"({report.score:.1%}) of non-equivalent mutants", "",
             f"Wall time {report.seconds:.0f} s with {report.jobs} jobs "
             f"({'whole suite' if report.full else 'category selections'}); "
             f"{len(report.equivalent)} equivalent mutant(s) not counted; "
             f"{report.on_rule}/{len(report.outcomes)} caught by a case naming the rule they "
             f"break, {len(report.accidental)} caught by accident.", "",
             "| mutant | category | verdict | caught by (first naming its rule) | clause ids |",
             "|---|---|---|---|---|"]
    for o in report.outcomes:
        first = (o.on_rule or o.caught_by or (None,))[0]
        verdict = (f"caught by {len(o.caught_by)} ({len(o.on_rule)} naming its rule)"
                   if o.on_rule else f"CAUGHT BY ACCIDENT by {len(o.caught_by)}") if o.caught \
            else (f"ERROR (not judged: {o.error})" if o.error else "SURVIVED")
        test = f"`{first.test}`" if first else ""
        clauses = ", ".join(dict.fromkeys(
            [c for c in (*first.named, *first.clause_ids)
             if Catch(first.test, (c,), "", "").names_rule_of(o.mutant)]
            + list(first.clause_ids[:3]))) if first else ""
        lines.append(f"| `{o.mutant.name}` | {o.mutant.category} | {verdict} | {test} | "
                     f"{clauses} |")
    for m in report.equivalent:
        lines.append(f"| `{m.name}` | {m.category} | equivalent: {m.equivalent} | | |")
    return "\n".join(lines) + "\n"


def write_report(report: Report, folder: Path) -> None:
    """results.json and mutation.md in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(report.document(), indent=2) + "\n",
                                         encoding="utf-8")
    (folder / "mutation.md").write_text(markdown(report), encoding="utf-8")


def print_report(report: Report, shown: int = 3) -> None:
    """The human-readable score and, per mutant, its catching tests or SURVIVED."""
    print(f"mutation score: {report.caught}/{len(report.outcomes)} = {report.score:.1%} of "
          f"non-equivalent mutants ({len(report.equivalent)} equivalent not counted); "
          f"{report.seconds:.0f} s wall, -j {report.jobs}; {report.on_rule} caught by a case "
          f"naming their rule, {len(report.accidental)} caught by accident")
    for o in report.outcomes:
        if not o.caught:
            # A run that could not judge is not a hole in the suite: say which it was.
            state = f"ERROR     {o.mutant.name} [{o.mutant.category}] ({o.error})" if o.error \
                else f"SURVIVED  {o.mutant.name} [{o.mutant.category}]"
            print(f"  {state}")
            continue
        head = "caught   " if o.on_rule else "ACCIDENT "
        print(f"  {head} {o.mutant.name} [{o.mutant.category}] by {len(o.caught_by)} "
              f"test(s), {len(o.on_rule)} naming its rule:")
        for c in (*o.on_rule, *(c for c in o.caught_by if c not in o.on_rule))[:shown]:
            named = [x for x in (*c.named, *c.clause_ids)
                     if Catch(c.test, (x,), "", "").names_rule_of(o.mutant)]
            print(f"              {c.test} ({c.verdict}) "
                  f"{', '.join(dict.fromkeys([*named, *c.clause_ids[:4]]))}")
        if len(o.caught_by) > shown:
            print(f"              ... and {len(o.caught_by) - shown} more")
    for m in report.equivalent:
        print(f"  equivalent {m.name} [{m.category}]: {m.equivalent}")


def catalog_table(catalog: Catalog | None = None) -> str:
    """The catalog as a markdown table (docs/mutants.md)."""
    lines = ["| mutant | category | deviation | violates |", "|---|---|---|---|"]
    for m in (catalog or catalog_of()).mutants:
        what = m.description + (f" *Equivalent: {m.equivalent}.*" if m.equivalent else "")
        lines.append(f"| `{m.name}` | {m.category} | {what} | "
                     f"{', '.join(f'`{c}`' for c in m.clauses)} |")
    return "\n".join(lines) + "\n"


def cmd_mutate(args: argparse.Namespace) -> int:
    """Run the mutants; 0 when every non-equivalent one is caught, 1 otherwise, 2 usage error."""
    if args.external:
        from cmqconform.external.run import cmd_external

        if args.full or args.confirm or args.product != DEFAULT_PRODUCT:
            raise ConfigError("--full, --confirm and --product go without --external (the "
                              "external catalog is CMQ's, each deviation runs its selection)")

        return cmd_external(args)
    if args.target or args.catalog:
        raise ConfigError("--target and --catalog go with --external")
    catalog = catalog_of(args.product)
    if args.list:
        print(catalog_table(catalog), end="")
        return 0
    if args.jobs < 1:
        raise ConfigError(f"-j must be >= 1: {args.jobs}")
    chosen = [catalog.lookup(name) for name in args.only] if args.only else list(catalog.mutants)
    work = Path(args.keep) if args.keep else None
    report = mutate(chosen, jobs=args.jobs, full=args.full, work=work, confirm=args.confirm,
                    catalog=catalog)
    write_report(report, Path(args.report_dir))
    if args.json:
        print(json.dumps(report.summary(), indent=2))
    else:
        print_report(report)
        print(f"report: {Path(args.report_dir) / 'results.json'}")
    # Done: every counted mutant caught, each by a case naming the rule it breaks.
    return 0 if report.on_rule == len(report.outcomes) else 1


def add_mutate_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``mutate``."""
    p = sub.add_parser("mutate", help="run the suites against each emulator mutant (score)",
                       description="Mutation testing of the suites: each mutant of the "
                                   "reference emulator must make some test fail.")
    p.add_argument("--product", default=DEFAULT_PRODUCT, metavar="ID",
                   help=f"the product whose emulator mutants run (default {DEFAULT_PRODUCT}; "
                        "a product without one gets the spec-driven mock's generic mutants)")
    p.add_argument("--only", action="append", metavar="NAME", default=[],
                   help="run only this mutant (repeatable)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("-j", "--jobs", type=int, default=2, help="runs at a time (default 2)")
    p.add_argument("--full", action="store_true",
                   help="run every non-slow test per mutant instead of its category's selection")
    p.add_argument("--confirm", action="store_true",
                   help=f"run up to {CONFIRM_MAX} catching tests of each mutant again; only "
                        "tests that fail twice count (guards against load-induced flakes)")
    p.add_argument("--report-dir", default=str(DEFAULT_REPORT_DIR), metavar="DIR",
                   help=f"where each mutant's run and the score go (default {DEFAULT_REPORT_DIR})")
    p.add_argument("--keep", metavar="DIR", help="keep every run's logs and results in DIR")
    p.add_argument("--list", action="store_true", help="print the catalog as a markdown table")
    p.add_argument("--external", action="store_true",
                   help="run the external deviations instead: a proxy between the suite and the "
                        "target injects one doc-derived deviation at a time (reports/mutation/"
                        "external.json)")
    p.add_argument("--target", metavar="FILE",
                   help="with --external: the target behind the proxy (default: a fresh "
                        "emulator per run)")
    p.add_argument("--catalog", metavar="FILE",
                   help="with --external: the deviation catalog (default: the bundled one)")
    p.set_defaults(func=cmd_mutate)
