"""The pytest plugin (pytest11 entry point ``cmqconform``): target, fixtures, markers, results.

Options: ``--cmq-target NAME|URL|FILE`` (default: the embedded reference emulator on a free
loopback port, in a child process, stopped at the end), ``--cmq-report-dir DIR`` (write
``DIR/results.json`` as the run goes), ``--cmq-product``, ``--cmq-api``,
``--cmq-expectations FILE``.

Fixtures: ``cmq_specs``, ``cmq_target``, ``cmq_session``, ``cmq_client(surface)`` (a client
per surface), ``cmq_second_session`` (a second account), ``cmq_throttled_session`` (a target
with a declared rate limit), ``cmq_push_time_scale``, ``cmq_resources`` (run-prefixed resources
cleaned after the test); :func:`resource_factory` makes a product's per-kind factories. Mark
hand-written tests with the clause ids they check:
``@pytest.mark.clause("<surface>.CreateQueue.VisibilityTimeout.range")``.

Everything heavy starts lazily, so the plugin costs nothing in runs that do not use it.
"""

from __future__ import annotations

import ast
import os
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import replace
from typing import Any

import pytest

from cmqconform import plugin_schedule as schedule
from cmqconform.cases.resources import SUITE_PREFIX
from cmqconform.errors import CmqConformError
from cmqconform.expectations import Expectation, lookup
from cmqconform.models import surface_of
from cmqconform.plugin_run import CmqRun
from cmqconform.provision import Resources, SetupBreach
from cmqconform.ratelimit import FileRateLimiter
from cmqconform.results import RunInfo, assemble, derive_api_action, record
from cmqconform.runner import ContractFailure, SuiteFault
from cmqconform.session import Sent, Session
from cmqconform.verdicts import Exchange, Expected, Verdict

RUN_KEY = pytest.StashKey["CmqRun"]()
EXPECT_KEY = pytest.StashKey[Expectation]()
VERDICT_KEY = pytest.StashKey[Verdict]()
CALLS_KEY = pytest.StashKey[int]()
RETRIES_KEY = pytest.StashKey[int]()
SENT_KEY = pytest.StashKey[Sent]()
CPU_KEY = pytest.StashKey[float]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ``--cmq-*`` options."""
    group = parser.getgroup("cmqconform", "cloud messaging API conformance (cmqconform)")
    group.addoption("--cmq-target", default=None, metavar="NAME|URL|FILE",
                    help="target to test (default: the embedded reference emulator)")
    group.addoption("--cmq-report-dir", default=None, metavar="DIR",
                    help="write DIR/results.json (one record per case, as the run goes)")
    group.addoption("--cmq-product", default="all", metavar="PRODUCT",
                    help="product whose surfaces run (default: all the specs define)")
    group.addoption("--cmq-api", default="all", metavar="SURFACE",
                    help="one surface of the generated cases (default: all)")
    group.addoption("--cmq-expectations", default=None, metavar="FILE",
                    help="expectations file (overrides the target's)")
    group.addoption("--cmq-emulator-mutant", default=None, metavar="NAME",
                    help="start the embedded emulator with this mutant (cmqconform mutate)")
    group.addoption("--cmq-fuzz", action="store_true", default=False,
                    help="also run the property-based fuzz cases")
    group.addoption("--cmq-fuzz-examples", type=int, default=20, metavar="N",
                    help="fuzz examples per action (default 20)")
    group.addoption("--cmq-suites", action="store_true", default=False,
                    help="collect the bundled conformance suites (implied by --cmq-target when "
                         "no path is given and the directory has no conftest.py)")
    group.addoption("--cmq-preflight", action="store_true", default=False,
                    help="before the run, one authenticated call per surface of a URL or file "
                         "target (implied with the bundled suites)")
    group.addoption("--cmq-slow", action="store_true", default=False,
                    help="with the bundled suites: include the scenarios marked slow")


#: The bundled suites' markers (suites/pytest.ini), registered wherever the suites are collected.
SUITE_MARKERS = ("valid", "invalid", "missing", "unknown_param", "rule", "resource", "protocol",
                 "auth", "fuzz", "slow")


def use_bundled_suites(config: pytest.Config) -> None:
    """Point a plain ``pytest --cmq-target URL`` at the suites the package ships.

    Only when no path was given on the command line and the invocation directory brings no
    conftest.py of its own (a project with its own scenarios keeps them), or with
    ``--cmq-suites``; slow scenarios stay out unless ``--cmq-slow`` or a ``-m`` says otherwise.
    """
    from cmqconform.coverage import SUITES

    option = config.option
    implicit = config.args_source != pytest.Config.ArgsSource.ARGS and \
        not (config.invocation_params.dir / "conftest.py").exists()
    if not (option.cmq_suites or (option.cmq_target and implicit)):
        return
    if option.cmq_suites and config.args_source == pytest.Config.ArgsSource.ARGS:
        config.args.append(str(SUITES))
    else:
        config.args[:] = [str(SUITES)]
    if not option.cmq_slow and not option.markexpr:
        option.markexpr = "not slow"
    option.cmq_preflight = True


def _worker(config: pytest.Config) -> str | None:
    winput = getattr(config, "workerinput", None)
    return str(winput["workerid"]) if winput else None


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker; in the controller, fix the run id and (maybe) the embedded target."""
    winput = getattr(config, "workerinput", None)
    config.addinivalue_line("markers", "clause(*ids): the spec clause ids a test checks")
    for marker in SUITE_MARKERS:
        config.addinivalue_line("markers", f"{marker}: a cmqconform suite marker")
    # xdist workers get the controller's command line, not its args: each decides the same way.
    use_bundled_suites(config)
    config.pluginmanager.import_plugin("cmqconform.plugin_report")  # Allure labels, run meta
    shared = dict(winput.get("cmq", {})) if winput else {}
    try:
        run = CmqRun(config, shared)
        config.stash[RUN_KEY] = run
        if winput is None and (config.option.cmq_report_dir or config.option.cmq_target):
            run.prepare_controller()
    except CmqConformError as exc:
        # A bad option or file is a usage error (one line, exit 4), not an internal error.
        raise pytest.UsageError(str(exc)) from None
    if winput is None and run.active:
        config.pluginmanager.register(schedule.Recorder(config), "cmqconform-history")
        if getattr(config.option, "maxschedchunk", False) is None:
            # xdist hands each worker a quarter of its share at first: the order the items
            # were put in would hold only within each chunk. One at a time keeps it run-wide.
            config.option.maxschedchunk = 1
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistHooks(run), "cmqconform-xdist")


class _XdistHooks:
    """Hands the controller's run id, target URL and limiter folder to every worker."""

    def __init__(self, run: CmqRun) -> None:
        self.run = run

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        """Called in the controller for each worker before it starts."""
        self.run.prepare_controller()
        node.workerinput["cmq"] = self.run.shared()

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        """A run's load scheduling hands its waiting cases to the workers beyond the cores."""
        if not self.run.active or config.getvalue("dist") != "load":
            return None
        # The cores this process may run on (its affinity), not the host's count.
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
        limiter = self.run.session.limiter
        slots = schedule.Slots(limiter, self.run.target.credentials.secret_id) \
            if isinstance(limiter, FileRateLimiter) else None
        return schedule.WaitAwareScheduling(config, log, schedule.history(config),
                                            cores or os.cpu_count() or 1, slots)


class VerdictItem(pytest.Item):
    """A suite item judged by one Verdict (a generated case, a fuzzed action).

    ``expects`` and ``case_kind`` are what the item's record carries when it ends without a
    verdict (disabled by the target's expectations, a fixture that failed).
    """

    expects: Expected | None = None
    case_kind: str | None = None

    def settle(self, verdict: Verdict) -> None:
        """Keep ``verdict`` for the results; raise ContractFailure on fail, SuiteFault on error."""
        self.stash[VERDICT_KEY] = verdict
        if verdict.verdict == "fail":
            raise ContractFailure(verdict.message)
        if verdict.verdict == "error":
            raise SuiteFault(verdict.message)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        """The verdict message, without a traceback."""
        if isinstance(excinfo.value, ContractFailure | SuiteFault):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))


def get_run(config: pytest.Config) -> CmqRun:
    """This process's run state (started on first use)."""
    run = config.stash[RUN_KEY]
    run.ensure()
    return run


def pytest_sessionstart(session: pytest.Session) -> None:
    """Controller: sweep leftovers of earlier runs (suite prefix only) before anything runs."""
    run = session.config.stash[RUN_KEY]
    if _worker(session.config) is None and run.active:
        run.ensure()
        run.sweep(SUITE_PREFIX + "-")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect items whose clauses all belong to unselected surfaces (``--cmq-product``,
    ``--cmq-api``); apply the target's expectations (xfail / disabled) by name or clause id."""
    run = config.stash[RUN_KEY]
    _parseable_ids(items)
    for item in items:
        surface = param_surface(item, run.specs.apis)
        if surface is not None:
            # A scenario parametrised per surface is a case of that surface: its record, labels
            # and coverage carry that surface's clauses and action, not the first listed.
            item.cmq_surface = surface  # type: ignore[attr-defined]
            item.api = surface  # type: ignore[attr-defined]
            item.action = derive_api_action(clause_ids_of(item))[1]  # type: ignore[attr-defined]
    selected = set(run.apis)
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        surfaces = {s for s in map(surface_of, clause_ids_of(item)) if s is not None}
        (dropped if surfaces and not surfaces & selected else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
    if run.active:
        items[:] = schedule.order(items, schedule.history(config),
                                  run.session.target.rate_limit)
    entries = run.expectations()
    if not entries:
        return
    for item in items:
        hit = lookup(entries, [item.name, item.nodeid], clause_ids_of(item))
        if hit is None:
            continue
        item.stash[EXPECT_KEY] = hit
        if hit.status == "disabled":
            item.add_marker(pytest.mark.skip(reason=f"disabled: {hit.reason}"))
        else:
            item.add_marker(pytest.mark.xfail(reason=hit.reason, raises=AssertionError,
                                              strict=False))


def _parseable_ids(items: list[pytest.Item]) -> None:
    """Give generated items the structured id pytest 9 reads back from the cache.

    pytest 9 keys ``--lf`` by a structured node id and parses the cached string, reading
    ``Action[input]`` as a name plus parameters; a generated case is one item named
    ``Action[input]`` (no pytest parameters), so its id would never match and ``--lf`` would rerun
    everything. The string node id is unchanged.
    """
    for item in items:
        current = getattr(item, "_id", None)
        parse = getattr(type(current), "parse", None)
        if parse is None:  # pytest 8: string node ids, nothing to do
            return
        parsed = parse(item.nodeid)
        if parsed != current and str(parsed) == item.nodeid:
            item._id = parsed


def clause_ids_of(item: pytest.Item) -> tuple[str, ...]:
    """Clause ids of an item: a generated case's, plus every ``clause`` marker's.

    For a scenario parametrised with a surface id, only the clauses of that surface (and
    clauses naming no surface), when it lists any.
    """
    ids = list(getattr(item, "clause_ids", ()))
    for mark in item.iter_markers("clause"):
        ids.extend(str(a) for a in mark.args)
    surface = getattr(item, "cmq_surface", None)
    if surface is not None:
        own = [c for c in ids if surface_of(c) in (None, surface)]
        ids = own if any(surface_of(c) == surface for c in own) else ids
    return tuple(dict.fromkeys(ids))


def param_surface(item: pytest.Item, apis: Any) -> str | None:
    """The surface id a parametrised scenario runs against (``[<product>.<surface>]``), if any."""
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    for value in callspec.params.values():
        if isinstance(value, str) and value in apis:
            return value
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Note how many calls the run has sent, to find the exchanges this item makes."""
    run = item.config.stash.get(RUN_KEY, None)
    if run is not None:
        item.stash[CALLS_KEY] = run.calls_made()
        item.stash[RETRIES_KEY] = run.retries_made()
        item.stash[SENT_KEY] = run.sent()
        item.stash[CPU_KEY] = time.process_time()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item,
                              call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """Write one results record per item: after the call, or after a setup that did not pass."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    run = item.config.stash[RUN_KEY]
    if report.when == "teardown" and SENT_KEY in item.stash:
        # For the controller's history: what this case sent, and the CPU it took.
        report.user_properties.append((schedule.SENT_PROPERTY, schedule.sent(
            item.stash[SENT_KEY], run.sent(), time.process_time() - item.stash[CPU_KEY])))
    if not run.logging or report.when == "teardown":
        return
    if report.when == "setup" and report.passed:
        return
    rec = item_record(item, report, call)
    run.log(rec)
    from cmqconform.plugin_report import attach_evidence

    attach_evidence(item, rec)


def item_record(item: pytest.Item, report: pytest.TestReport,
                call: pytest.CallInfo[None]) -> dict[str, Any]:
    """The results record of a finished item."""
    verdict = item.stash.get(VERDICT_KEY, None)
    expectation = item.stash.get(EXPECT_KEY, None)
    excinfo = call.excinfo
    if report.skipped and hasattr(report, "wasxfail"):
        state = "xfail"
    elif report.skipped:
        state = "disabled" if expectation is not None and expectation.status == "disabled" \
            else "skip"
    elif report.passed and hasattr(report, "wasxfail"):
        state = "xpass"
    elif report.passed:
        state = "pass"
    elif excinfo is not None and excinfo.errisinstance((ContractFailure, AssertionError)) \
            and (report.when == "call" or excinfo.errisinstance(SetupBreach)):
        state = "fail"
    else:
        state = "error"
    if verdict is None:
        if report.passed:
            text = ""
        elif excinfo is not None and not report.skipped:
            # The exception itself, not the traceback's last line ("provision.py:64: SetupError"),
            # and of an assertion only its message, not pytest's "assert None + where" rewrite.
            text = f"{excinfo.typename}: {excinfo.value}".split("\nassert ")[0]
        else:
            lines = str(report.longreprtext).strip().splitlines()
            text = lines[-1] if lines else ""
        # A scenario keeps no verdict of its own: its last exchange is the evidence.
        last = None if state not in ("fail", "error") else \
            item.config.stash[RUN_KEY].last_exchange_since(item.stash.get(CALLS_KEY, 0))
        fault = item.config.stash[RUN_KEY].first_fault_since(item.stash.get(CALLS_KEY, 0)) \
            if state == "fail" else None
        if fault is not None:
            # A step got no usable answer (a reset, a garbled body, a throttle that outlasted
            # the retries): a fault of the network or the target, not evidence about the
            # contract, whatever the scenario asserted after it.
            state, text, last = "error", f"{fault.fault} (then: {text})", fault
        verdict = Verdict(item.nodeid, state, clause_ids_of(item), "", "", text[:2000],
                          api=getattr(item, "api", None), action=getattr(item, "action", None),
                          evidence=last.evidence if last is not None else None,
                          expects=getattr(item, "expects", None),
                          case_kind=getattr(item, "case_kind", None))
    verdict = replace(verdict, case_id=item.nodeid, clause_ids=clause_ids_of(item))
    rec = record(verdict, duration=report.duration, clauses=get_run(item.config).clauses)
    rec["verdict"] = state
    if state in ("skip", "disabled", "xfail") and rec["message"]:
        rec["message"] = skip_reason(rec["message"])
    if expectation is not None:
        rec["expectation"] = {"status": expectation.status, "reason": expectation.reason}
    retries = item.config.stash[RUN_KEY].retries_made() - item.stash.get(RETRIES_KEY, 0)
    if retries > 0:
        rec["retries"] = retries
    return rec


def skip_reason(message: str) -> str:
    """The reason of a skip whose message is pytest's ``(path, line, 'Skipped: reason')``."""
    if not (message.startswith("(") and message.endswith(")")):
        return message
    try:
        value = ast.literal_eval(message)
    except (ValueError, SyntaxError):
        return message
    if isinstance(value, tuple) and len(value) == 3 and isinstance(value[2], str):
        return value[2].removeprefix("Skipped: ")
    return message


#: How long each call of the sweep may wait once the run was interrupted or lost its target.
SWEEP_SECONDS_AFTER_STOP = 2.0


# First: under xdist the controller's sweep need not wait for xdist to tear the workers down
# (each has drained its pool before it reported finished; its exit takes seconds more).
@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Controller: sweep this run's leftovers, assemble results.json, stop the emulator."""
    run = session.config.stash[RUN_KEY]
    run.close_log()
    run.drain_pool()
    if _worker(session.config) is not None or not run.active:
        run.close()
        return
    try:
        interrupted = exitstatus == pytest.ExitCode.INTERRUPTED
        stopped = bool(session.shouldfail) or bool(session.shouldstop)
        gone = run.target_gone() if run.active else None
        if interrupted or gone:
            # Winding down: the sweep waits seconds, not the full timeout, on a hung target.
            run.hurry(SWEEP_SECONDS_AFTER_STOP)
        # No cmq fixture was used (e.g. the project's own tests): nothing was created to sweep.
        namer = getattr(run, "namer", None)
        if namer is not None:
            run.sweep(namer.run_prefix)
        if run.report_dir is not None:
            # --maxfail / -x stop the run early too: what it leaves is partial, like Ctrl-C's;
            # so does a target that died or stopped answering.
            ended = ("interrupted (SIGINT)" if interrupted else gone if gone
                     else "stopped early (--maxfail / -x)" if stopped else "completed")
            info = RunInfo(run.target_info(), run.started_at, run.apis,
                           interrupted or stopped or gone is not None, ended)
            assemble(run.report_dir, info, run.coverage())
    finally:
        run.close()


# -- fixtures ---------------------------------------------------------------------------------
class Client:
    """One surface of the target: ``client.call("CreateQueue", QueueName="q")``."""

    def __init__(self, session: Session, api: str) -> None:
        self.session = session
        self.api = api

    def call(self, action: str, params: dict[str, Any] | None = None, **kwargs: Any) -> Exchange:
        """Send ``action`` with ``params`` (and/or keyword parameters)."""
        return self.session.call(self.api, action, {**(params or {}), **kwargs})


@pytest.fixture(scope="session")
def cmq_run(pytestconfig: pytest.Config) -> CmqRun:
    """The run state: target, session, namer."""
    return get_run(pytestconfig)


@pytest.fixture(scope="session")
def cmq_specs(cmq_run: CmqRun) -> Any:
    """The loaded specs."""
    return cmq_run.specs


@pytest.fixture(scope="session")
def cmq_target(cmq_run: CmqRun) -> Any:
    """The target under test."""
    return cmq_run.target


@pytest.fixture(scope="session")
def cmq_session(cmq_run: CmqRun) -> Session:
    """The session sending calls to the target."""
    return cmq_run.session


@pytest.fixture(scope="session")
def cmq_client(cmq_session: Session) -> Callable[[str], Client]:
    """Factory: a client of one surface of the target, ``cmq_client("<product>.<surface>")``."""
    clients: dict[str, Client] = {}

    def client(api: str) -> Client:
        if api not in cmq_session.specs.apis:
            raise pytest.UsageError(f"cmq_client({api!r}): no such surface; the specs define "
                                    f"{', '.join(cmq_session.specs.apis)}")
        return clients.setdefault(api, Client(cmq_session, api))
    return client


@pytest.fixture(scope="session")
def cmq_push_time_scale(cmq_target: Any) -> float:
    """Factor the target applies to HTTP push retry waits (the embedded emulator's is small)."""
    return float(cmq_target.push_time_scale)


@pytest.fixture(scope="session")
def cmq_second_session(cmq_run: CmqRun) -> Session:
    """A session with a second, separate account of the target (skips when it has none)."""
    session = cmq_run.second_session()
    if session is None:
        pytest.skip("the target declares no second account (a target file's "
                    "[second_credentials] secret_id_env / secret_key_env)")
    return session


@pytest.fixture(scope="session")
def cmq_throttled_session(cmq_run: CmqRun) -> Session:
    """A session with a target that declares its rate limit (skips when none does)."""
    session = cmq_run.throttled_session()
    if session is None:
        pytest.skip("the target declares no rate limit (declared_limits."
                    "v3_requests_per_second / legacy_requests_per_second)")
    return session


@pytest.fixture
def cmq_resources(cmq_run: CmqRun) -> Iterator[Callable[[str], Resources]]:
    """Factory of per-surface resource sets, all run-prefixed, deleted after the test."""
    made: list[Resources] = []

    def make(api: str) -> Resources:
        resources = Resources(cmq_run.session, api, cmq_run.namer, lender=cmq_run.lender)
        made.append(resources)
        return resources

    yield make
    for resources in reversed(made):
        resources.cleanup()


def resource_factory(kind: str, default_api: str) -> Callable[..., Any]:
    """A fixture creating run-prefixed resources of ``kind`` (``api=``, create attributes).

    A product's scenarios declare theirs in a conftest:
    ``cmq_queue = resource_factory("queue", "<product>.<surface>")``.
    """
    def fixture(cmq_resources: Callable[[str], Resources]) -> Callable[..., str]:
        def create(api: str = default_api, **attrs: Any) -> str:
            resources = cmq_resources(api)
            return resources.create(kind, attrs=tuple((k.lower(), v) for k, v in attrs.items()))
        return create
    fixture.__name__ = f"cmq_{kind}"
    fixture.__doc__ = f"Factory: create a run-prefixed {kind} (``api=``, create attributes)."
    return pytest.fixture(fixture)
