"""Report hooks of the pytest plugin: run metadata, the selected-case count and Allure labels.

Registered by :mod:`cmqconform.pytest_plugin`; every hook is a no-op unless the run writes
results (``--cmq-report-dir``) or Allure results (``--alluredir``), so the project's own test
runs pay nothing.

Allure labels (allure-pytest reads them from ``allure_label`` markers at setup):
``epic`` = API surface, ``feature`` = action, ``story`` = clause kind (range, required, pattern,
error_code, semantics, auth...), ``clause`` = each clause id and ``doc`` = its doc line, plus a
``tms`` link per clause id (``--allure-link-pattern tms:URL/{}`` can point it at the spec) and
a description listing each clause's kind, doc line and text.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from cmqconform.results import derive_api_action, write_collected, write_run_meta
from cmqconform.targets import without_userinfo

#: Environment variable through which ``cmqconform run`` hands its own metadata to pytest.
RUN_META_ENV = "CMQCONFORM_RUN_META"
#: allure-pytest's marker names (allure_pytest.utils), spelled here to keep the import lazy.
LABEL_MARK = "allure_label"
LINK_MARK = "allure_link"
DESCRIPTION_MARK = "allure_description"


def _worker(config: pytest.Config) -> str | None:
    winput = getattr(config, "workerinput", None)
    return str(winput["workerid"]) if winput else None


def _report_dir(config: pytest.Config) -> Path | None:
    value = getattr(config.option, "cmq_report_dir", None)
    return Path(value) if value else None


def run_meta(config: pytest.Config) -> dict[str, Any]:
    """What the controller knows about the run: argv, workers, target argument, mutant."""
    meta: dict[str, Any] = {}
    raw = os.environ.get(RUN_META_ENV)
    if raw:
        try:
            loaded = json.loads(raw)
        except ValueError:
            loaded = {}
        meta.update(loaded if isinstance(loaded, dict) else {})
    workers = getattr(config.option, "numprocesses", None)
    meta.setdefault("workers", workers if workers else 1)
    meta["pytest_argv"] = list(config.invocation_params.args)
    meta.setdefault("argv", ["pytest", *config.invocation_params.args])
    meta["pytest_version"] = pytest.__version__
    meta.setdefault("target_arg", getattr(config.option, "cmq_target", None))
    # A URL's user:password@ is never kept (a target refuses it; the record must not keep it).
    for key in ("argv", "pytest_argv"):
        meta[key] = [without_userinfo(str(arg)) for arg in meta[key]]
    if meta["target_arg"]:
        meta["target_arg"] = without_userinfo(str(meta["target_arg"]))
    mutant = getattr(config.option, "cmq_emulator_mutant", None)
    if mutant:
        meta["mutant"] = mutant
    return meta


def pytest_configure(config: pytest.Config) -> None:
    """Controller of a results-writing run: leave the run metadata for results.json."""
    report_dir = _report_dir(config)
    if report_dir is not None and _worker(config) is None:
        write_run_meta(report_dir, run_meta(config))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Record how many cases this process selected, for the live progress of ``cmqconform run``.

    Under xdist only workers collect (each the whole selection), so each writes the same count.
    """
    report_dir = _report_dir(session.config)
    if report_dir is not None:
        write_collected(report_dir, _worker(session.config) or "main", len(session.items))


def _clause_ids(item: pytest.Item) -> list[str]:
    from cmqconform.pytest_plugin import clause_ids_of  # one rule for records and labels

    return list(clause_ids_of(item))


def allure_labels(item: pytest.Item, clauses: dict[str, Any]) -> list[tuple[str, str]]:
    """(label type, value) pairs of one item."""
    ids = _clause_ids(item)
    api = getattr(item, "api", None)
    action = getattr(item, "action", None)
    if not api or not action:
        derived_api, derived_action = derive_api_action(ids)
        api, action = api or derived_api, action or derived_action
    labels = [("epic", str(api or "behaviour")), ("feature", str(action or "(surface-wide)"))]
    kinds = [clauses[c].category for c in ids if c in clauses]
    # The first clause is the one the case is built around; the others are what it also hits.
    labels.append(("story", kinds[0] if kinds else "semantics"))
    for cid in ids:
        labels.append(("clause", cid))
        if cid in clauses:
            labels.append(("doc", str(clauses[cid].source)))
    return labels


@cache
def _all_clauses() -> dict[str, Any]:
    """Every clause of the default specs by id, once per process (none: the specs are bad,
    which the run reports elsewhere)."""
    from cmqconform.errors import CmqConformError
    from cmqconform.spec import load_specs

    try:
        return {c.id: c for c in load_specs().all_clauses()}
    except CmqConformError:
        return {}


# Per case, as it starts (before allure-pytest reads its labels, links and description): a
# worker labels the cases it runs, not every case of the run.
@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """With ``--alluredir``: label the item (epic, feature, story, clause ids, doc lines)."""
    if not getattr(item.config.option, "allure_report_dir", None):
        return
    clauses = _all_clauses()
    label = getattr(pytest.mark, LABEL_MARK)
    link = getattr(pytest.mark, LINK_MARK)
    describe = getattr(pytest.mark, DESCRIPTION_MARK)
    by_type: dict[str, list[str]] = {}
    for kind, value in allure_labels(item, clauses):
        by_type.setdefault(kind, []).append(value)
    for kind, values in by_type.items():
        item.add_marker(label(*dict.fromkeys(values), label_type=kind))
    for cid in by_type.get("clause", []):
        item.add_marker(link(cid, link_type="tms", name=cid))
        for url, name in clause_links(clauses.get(cid)):
            item.add_marker(link(url, link_type="link", name=name))
    text = description(_clause_ids(item), clauses)
    if text and not any(item.iter_markers(DESCRIPTION_MARK)):
        item.add_marker(describe(text))


def clause_links(clause: Any) -> list[tuple[str, str]]:
    """(URL, name) links that resolve on this machine: the spec file line stating the clause
    and the doc line it cites (``file://`` URLs with a ``#L<line>`` fragment)."""
    if clause is None:
        return []
    from cmqconform.spec import default_root

    root = _resolved(str(default_root()))
    out = []
    where = getattr(clause, "where", None)
    if where is not None:
        spec = root / str(where.file).removeprefix("specs/")
        out.append((f"{spec.as_uri()}#L{where.line}", f"spec {where}"))
    doc = root / "reference" / clause.source.doc
    if _is_file(doc):
        out.append((f"{doc.as_uri()}#L{clause.source.line}", f"doc {clause.source}"))
    return out


@cache
def _resolved(root: str) -> Path:
    """``root`` resolved, once per process (thousands of clauses share it)."""
    return Path(root).resolve()


@cache
def _is_file(path: Path) -> bool:
    """Whether a cited doc exists, once per doc and process."""
    return path.is_file()


def description(ids: list[str], clauses: dict[str, Any]) -> str:
    """The clauses a case checks, one per line: id, kind, doc line, the statement."""
    lines = [f"- {cid} ({clauses[cid].category}, {clauses[cid].source}): {clauses[cid].text}"
             if cid in clauses else f"- {cid}" for cid in ids]
    return ("Clauses checked:\n" + "\n".join(lines)) if lines else ""


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    """With ``--alluredir``: the case's own parameters, so that each case has its own history id.

    allure-pytest hashes the test's full name (without the ``[...]`` part) and its parameters; a
    generated case has no pytest parameters, so without these every case of an action would
    share one history id and Allure would fold them into one test as retries.
    """
    if not getattr(item.config.option, "allure_report_dir", None):
        return
    import allure

    allure.dynamic.parameter("case", item.nodeid)
    api = getattr(item, "api", None)
    if api:
        allure.dynamic.parameter("surface", str(api))


#: The verdict of an item's results record, for the Allure status (an error is "broken").
VERDICT_STASH = pytest.StashKey[str]()


def attach_evidence(item: pytest.Item, rec: dict[str, Any]) -> None:
    """With ``--alluredir``: a failing or erroring case's redacted request and response."""
    if not getattr(item.config.option, "allure_report_dir", None):
        return
    item.stash[VERDICT_STASH] = str(rec.get("verdict"))
    evidence = rec.get("evidence")
    if rec.get("verdict") not in ("fail", "error") or not isinstance(evidence, dict):
        return
    import allure

    for part in ("request", "response"):
        if evidence.get(part) is not None:
            allure.attach(json.dumps(evidence[part], indent=2, ensure_ascii=False), name=part,
                          attachment_type=allure.attachment_type.JSON)


def pytest_runtest_teardown(item: pytest.Item) -> None:
    """With ``--alluredir``: an ``error`` verdict is Allure's "broken", whatever was raised.

    allure-pytest calls any AssertionError "failed"; a scenario whose step got no answer raised
    one but is an error (the transport broke, not the contract), and Allure must count it as
    results.json does. The listener's test result is still open here (it closes at logfinish).
    """
    if item.stash.get(VERDICT_STASH, None) != "error":
        return
    listener = item.config.pluginmanager.get_plugin("allure_listener")
    cache = getattr(listener, "_cache", None)
    logger = getattr(listener, "allure_logger", None)
    if cache is None or logger is None:
        return
    result = logger.get_test(cache.get(item.nodeid))
    if result is not None and result.status == "failed":
        result.status = "broken"
