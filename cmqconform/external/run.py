"""``cmqconform mutate --external``: the suite against each external deviation; the score.

A baseline first runs the union of every chosen deviation's test selection through a deviation
proxy that changes nothing; then each deviation's selection runs through a proxy applying that
deviation alone. Each run has its own target behind its proxy: a fresh ``cmqconform serve`` (the
embedded emulator's setup: a second account, scaled push retries) unless ``--target`` names
one. A test catches a deviation as it catches a mutant (:func:`cmqconform.mutate.catches`): it
passed on the baseline and fails, or errs observably, through the deviation. A catch is *on
rule* when the case's or its failure's clause ids name a clause the deviation violates.

Results: ``reports/mutation/external.json`` and ``external.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
import tomllib
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cmqconform import mutate
from cmqconform.dialects.credentials import Credentials
from cmqconform.errors import ConfigError
from cmqconform.external.catalog import Deviation, load_catalog, lookup
from cmqconform.external.proxy import DeviationProxy, DeviationServer
from cmqconform.mutate import Catch, MutantOutcome, RunResult
from cmqconform.results import now_iso, read_cases

#: The push retry scale of the served target (as the embedded emulator's).
PUSH_TIME_SCALE = 0.01
#: Environment variables naming the served target's second account.
SECOND_ID_ENV, SECOND_KEY_ENV = "CMQC_EXTERNAL_SECOND_ID", "CMQC_EXTERNAL_SECOND_KEY"
REPORT_NAME = "external"


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one deviation fared: the mutant-style outcome and how often the proxy applied it."""

    deviation: Deviation
    outcome: MutantOutcome
    applied: int
    unsigned: int

    @property
    def state(self) -> str:
        """``caught``, ``caught by accident``, ``error``, ``not exercised`` or ``missed``."""
        state = self.outcome.state
        if state == "survived":
            return "not exercised" if not self.applied else "missed"
        return state

    def to_json(self) -> dict[str, Any]:
        """The external.json form."""
        d, o = self.deviation, self.outcome
        return {"deviation": d.name, "source": d.source, "statement": d.statement,
                "surface": d.surface, "actions": list(d.actions), "clauses": list(d.clauses),
                "transform": d.describe(), "state": self.state, "applied": self.applied,
                "not_resigned": self.unsigned, "on_rule": len(o.on_rule),
                "catching_clauses": catching_clauses(self),
                "caught_by": [c.to_json() for c in o.caught_by], "tests_run": o.tests_run,
                "seconds": round(o.seconds, 1), "error": o.error}


def catching_clauses(outcome: Outcome) -> list[str]:
    """The deviation's clause ids that its on-rule catches name, in catalog order."""
    named = {n for c in outcome.outcome.on_rule for n in (*c.clause_ids, *c.named)}
    return [c for c in outcome.deviation.clauses if c in named]


class Served:
    """The target behind a proxy: a fresh ``cmqconform serve`` or the ``--target`` given."""

    def __init__(self, work: Path, product: str, target: str | None) -> None:
        self.work, self.product, self.given = work, product, target
        self.proc: subprocess.Popen[bytes] | None = None
        self.keys: str | None = None
        self.env = dict(os.environ)

    def start(self) -> tuple[str, Credentials | None]:
        """The upstream URL and the keys the proxy re-signs with."""
        from cmqconform.plugin_run import embedded_credentials
        from cmqconform.targets import SECRET_ID_ENV, SECRET_KEY_ENV, load_target

        if self.given is not None:
            # One upstream behind the proxy: the target must serve every surface at one URL.
            target = load_target(self.given)
            urls = set(target.endpoints.urls.values())
            if len(urls) != 1:
                raise ConfigError(f"--target {self.given}: the deviation proxy forwards to one "
                                  f"URL; this target names {len(urls)}")
            return urls.pop(), target.credentials
        (sid, key), (sid2, key2) = embedded_credentials(), embedded_credentials()
        self.env.update({SECRET_ID_ENV: sid, SECRET_KEY_ENV: key,
                         SECOND_ID_ENV: sid2, SECOND_KEY_ENV: key2})
        # The second account reaches serve in a private file (never argv, never the kept
        # work folder), removed when the run stops.
        self.keys = tempfile.mkdtemp(prefix="cmqc-external-keys-")
        accounts = Path(self.keys) / "accounts.json"
        fd = os.open(accounts, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"accounts": {sid2: key2}, "tokens": {}}, handle)
        self.proc, port = mutate._start_server(
            None, ["--accounts-file", str(accounts), "--push-time-scale", str(PUSH_TIME_SCALE)],
            self.env, self.work / "serve.log", self.product)
        return f"http://127.0.0.1:{port}", Credentials.of(sid, key)

    def target_file(self, proxy_url: str) -> Path:
        """A target file sending the suite to ``proxy_url`` (a given target's credentials,
        limits and push scale kept: only its address changes)."""
        from cmqconform.spec import load_specs
        from cmqconform.targets import default_region

        specs = load_specs()
        doc: dict[str, Any] = {}
        if self.given is not None:
            with open(self.given, "rb") as handle:
                doc = {k: v for k, v in tomllib.load(handle).items()
                       if k not in ("url", "surfaces", "name")}
        else:
            limits = {name: limit.value for p in specs.products.values()
                      for name, limit in p.limits.items()}
            doc = {"push_time_scale": PUSH_TIME_SCALE,
                   "second_credentials": {"secret_id_env": SECOND_ID_ENV,
                                          "secret_key_env": SECOND_KEY_ENV},
                   "declared_limits": {key: int(limits[name]) for key, name in (
                       ("topics", "topics_per_account"),
                       ("subscriptions_per_topic", "subscriptions_per_topic"))
                       if name in limits}}
        doc = {"name": f"deviation proxy ({self.work.name})", "url": proxy_url,
               "region": default_region(specs), **doc}
        path = self.work / "target.toml"
        path.write_text(_toml(doc), encoding="utf-8")
        return path

    def stop(self) -> None:
        """Stop the served target (a given one is left alone)."""
        from cmqconform.plugin_run import stop_process

        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None
        if self.keys is not None:
            shutil.rmtree(self.keys, ignore_errors=True)
            self.keys = None


def _toml(doc: Mapping[str, Any]) -> str:
    """``doc`` as TOML: scalars first, then one table per mapping (one level, as targets use)."""
    def value(v: Any) -> str:
        return json.dumps(v) if isinstance(v, (str, bool, int, float)) else \
            "[" + ", ".join(value(x) for x in v) + "]"
    lines = [f"{k} = {value(v)}" for k, v in doc.items() if not isinstance(v, Mapping)]
    for key, table in doc.items():
        if isinstance(table, Mapping):
            lines += ["", f"[{key}]", *(f"{k} = {value(v)}" for k, v in table.items()
                                         if not isinstance(v, Mapping))]
    return "\n".join(lines) + "\n"


def run_through(deviation: Deviation | None, select: Sequence[str], work: Path, product: str,
                target: str | None) -> tuple[RunResult, int, int]:
    """Run the ``select``ed tests through a proxy applying ``deviation``; (result, applied,
    not re-signed)."""
    from cmqconform.spec import load_specs

    started = time.monotonic()
    work.mkdir(parents=True, exist_ok=True)
    served = Served(work, product, target)
    try:
        upstream, creds = served.start()
        proxy = DeviationProxy(upstream, load_specs(), product, creds, deviation)
        with DeviationServer(proxy) as proxy_url:
            argv = mutate.pytest_argv(work / "report", select,
                                      [f"--cmq-target={served.target_file(proxy_url)}",
                                       f"--cmq-product={product}"])
            with (work / "pytest.log").open("wb") as log:
                proc = subprocess.run(argv, env=served.env, stdout=log,
                                      stderr=subprocess.STDOUT, timeout=mutate.RUN_TIMEOUT,
                                      check=False)
        cases = list(read_cases(work / "report"))
        error = None if cases else (f"pytest exit {proc.returncode} without results; see "
                                    f"{work / 'pytest.log'}")
        return RunResult(cases, error, time.monotonic() - started), proxy.applied, proxy.unsigned
    except subprocess.TimeoutExpired:
        return RunResult([], f"stopped after {mutate.RUN_TIMEOUT:.0f} s",
                         time.monotonic() - started), 0, 0
    except ConfigError as exc:
        return RunResult([], str(exc), time.monotonic() - started), 0, 0
    finally:
        served.stop()


def judge(deviation: Deviation, baseline: RunResult, root: Path, product: str,
          target: str | None) -> Outcome:
    """One deviation's run and its catches."""
    result, applied, unsigned = run_through(deviation, deviation.selectors(),
                                            root / deviation.name, product, target)
    error = result.error or (f"baseline: {baseline.error}" if baseline.error else None)
    caught = () if error else mutate.catches(baseline.cases, result.cases)
    outcome = MutantOutcome(deviation.as_mutant(), caught, len(result.cases), result.seconds,
                            error)
    return Outcome(deviation, outcome, applied, unsigned)


@dataclass(frozen=True, slots=True)
class ExternalReport:
    """A whole ``mutate --external`` run."""

    outcomes: tuple[Outcome, ...]
    baseline: RunResult
    seconds: float
    jobs: int

    def count(self, state: str) -> int:
        """Deviations in ``state``."""
        return sum(o.state == state for o in self.outcomes)

    def summary(self) -> dict[str, Any]:
        """The ``--json`` document."""
        n = len(self.outcomes)
        return {"deviations": n, "caught": self.count("caught") + self.count("caught by accident"),
                "caught_on_rule": self.count("caught"),
                "caught_by_accident": [o.deviation.name for o in self.outcomes
                                       if o.state == "caught by accident"],
                "missed": [o.deviation.name for o in self.outcomes if o.state == "missed"],
                "not_exercised": [o.deviation.name for o in self.outcomes
                                  if o.state == "not exercised"],
                "errors": [o.deviation.name for o in self.outcomes if o.state == "error"],
                "score": round(self.count("caught") / n, 4) if n else 1.0,
                "results": [{"deviation": o.deviation.name, "state": o.state,
                             "catching_clauses": catching_clauses(o),
                             "caught_by": [c.test for c in o.outcome.caught_by]}
                            for o in self.outcomes]}

    def document(self) -> dict[str, Any]:
        """external.json: the summary plus per deviation its catches, the baseline, timings."""
        doc = self.summary()
        doc.update({"version": "1.0", "generated_at": now_iso(),
                    "wall_seconds": round(self.seconds, 1), "jobs": self.jobs,
                    "results": [o.to_json() for o in self.outcomes],
                    "baseline": {"tests": len(self.baseline.cases), "error": self.baseline.error,
                                 "not_passing": sorted(c["id"] for c in self.baseline.cases
                                                       if c.get("verdict") not in mutate.PASSED)}})
        return doc


def markdown(report: ExternalReport) -> str:
    """The score table of a run (docs/mutants.md quotes its rows)."""
    s = report.summary()
    lines = [f"# External deviation score: {s['caught_on_rule']}/{s['deviations']} caught on "
             f"rule", "",
             f"Wall time {report.seconds:.0f} s with {report.jobs} jobs; "
             f"{len(s['caught_by_accident'])} caught by accident, {len(s['missed'])} missed, "
             f"{len(s['not_exercised'])} not exercised, {len(s['errors'])} not judged.", "",
             *score_table(report.document()["results"])]
    return "\n".join(lines) + "\n"


def score_table(results: Sequence[Mapping[str, Any]]) -> list[str]:
    """One row per deviation of external.json's ``results``: its state and the clause ids of
    the catches naming its rule (docs/mutants.md quotes these rows)."""
    rows = ["| deviation | source | state | catching clause ids |", "|---|---|---|---|"]
    for r in results:
        clauses = ", ".join(f"`{c}`" for c in r["catching_clauses"])
        state = f"caught ({r['on_rule']} tests)" if r["state"] == "caught" else r["state"]
        rows.append(f"| `{r['deviation']}` | {r['source']} | {state} | {clauses} |")
    return rows


def catalog_table(catalog: Sequence[Deviation]) -> str:
    """The catalog as a markdown table (``mutate --external --list``, docs/mutants.md)."""
    lines = ["| deviation | doc statement | applies to | transformation | violates |",
             "|---|---|---|---|---|"]
    for d in catalog:
        statement = d.statement.replace("|", "\\|")
        lines.append(f"| `{d.name}` | {d.source}: “{statement}” | {d.surface} "
                     f"{', '.join(d.actions)} | {d.describe().replace('|', '/')} | "
                     f"{', '.join(f'`{c}`' for c in d.clauses)} |")
    return "\n".join(lines) + "\n"


def external(chosen: Sequence[Deviation], *, jobs: int = 1, product: str = "cmq",
             target: str | None = None, work: Path | None = None) -> ExternalReport:
    """The baseline over every chosen selection, then each deviation; ``jobs`` at a time."""
    started = time.monotonic()
    root = work or Path(tempfile.mkdtemp(prefix="cmqc-external-"))
    union = list(dict.fromkeys(s for d in chosen for s in d.selectors()))
    baseline, _, _ = run_through(None, union, root / "baseline", product, target)
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        futures = [pool.submit(judge, d, baseline, root, product, target) for d in chosen]
        outcomes = tuple(f.result() for f in futures)
    if work is None:
        shutil.rmtree(root, ignore_errors=True)
    return ExternalReport(outcomes, baseline, time.monotonic() - started, jobs)


def write_report(report: ExternalReport, folder: Path) -> None:
    """external.json and external.md in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{REPORT_NAME}.json").write_text(json.dumps(report.document(), indent=2) + "\n",
                                                encoding="utf-8")
    (folder / f"{REPORT_NAME}.md").write_text(markdown(report), encoding="utf-8")


def print_report(report: ExternalReport) -> None:
    """The score and, per deviation, its state and the catching clause ids."""
    s = report.summary()
    print(f"external deviations: {s['caught_on_rule']}/{s['deviations']} caught on rule, "
          f"{len(s['caught_by_accident'])} by accident, {len(s['missed'])} missed, "
          f"{len(s['not_exercised'])} not exercised, {len(s['errors'])} errors; "
          f"{report.seconds:.0f} s wall, -j {report.jobs}")
    for o in report.outcomes:
        extra = ", ".join(catching_clauses(o)) or (o.outcome.error or "")
        first: Catch | None = (o.outcome.on_rule or o.outcome.caught_by or (None,))[0]
        print(f"  {o.state:<18} {o.deviation.name} {extra}"
              + (f" [{first.test}]" if first else ""))


def cmd_external(args: argparse.Namespace) -> int:
    """``mutate --external``: 0 when every deviation is caught on rule, 1 otherwise."""
    catalog = load_catalog(Path(args.catalog) if args.catalog else None)
    if args.list:
        print(catalog_table(catalog), end="")
        return 0
    if args.jobs < 1:
        raise ConfigError(f"-j must be >= 1: {args.jobs}")
    chosen = [lookup(catalog, n) for n in dict.fromkeys(args.only)] if args.only \
        else list(catalog)
    report = external(chosen, jobs=args.jobs, product=args.product, target=args.target,
                      work=Path(args.keep) if args.keep else None)
    write_report(report, Path(args.report_dir))
    if args.json:
        print(json.dumps(report.summary(), indent=2))
    else:
        print_report(report)
        print(f"report: {Path(args.report_dir) / (REPORT_NAME + '.json')}")
    return 0 if report.count("caught") == len(report.outcomes) else 1
