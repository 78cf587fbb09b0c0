"""The behaviour scenarios keep the suite's rules: a one-line docstring, clause ids that exist,
and plugin fixtures only (never the emulator's internals)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cmqconform.spec import load_specs

SUITE = Path(__file__).resolve().parents[1] / "suites" / "behaviour"
FILES = sorted(SUITE.glob("test_*.py"))


def _tests(path: Path) -> list[ast.FunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")]


def _marked(node: ast.AST) -> list[str]:
    """Clause ids of every ``pytest.mark.clause(...)`` call inside ``node``."""
    return [arg.value for call in ast.walk(node) if isinstance(call, ast.Call)
            and ast.unparse(call.func) == "pytest.mark.clause"
            for arg in call.args if isinstance(arg, ast.Constant)]


def _clause_ids(func: ast.FunctionDef, tree: ast.Module | None = None) -> list[str]:
    """The clause ids a test is marked with: its decorators', and those of the ``pytest.param``
    marks of a module-level table its ``parametrize`` takes (one scenario per product)."""
    tables = {target.id: node.value for node in (tree.body if tree else ())
              if isinstance(node, ast.Assign) for target in node.targets
              if isinstance(target, ast.Name)}
    ids = []
    for deco in func.decorator_list:
        ids += _marked(deco)
        if isinstance(deco, ast.Call) and ast.unparse(deco.func) == "pytest.mark.parametrize":
            for arg in deco.args:
                if isinstance(arg, ast.Name) and arg.id in tables:
                    ids += _marked(tables[arg.id])
    return ids


def test_the_suite_is_there() -> None:
    """Every area of the issue has its module."""
    names = {p.stem for p in FILES}
    assert {"test_queue_lifecycle", "test_messages", "test_rewind", "test_dead_letters",
            "test_topics", "test_push", "test_auth", "test_limits"} <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_each_scenario_has_a_docstring_and_known_clause_ids(path: Path) -> None:
    """A one-line docstring and at least one clause id, each one the specs define."""
    known = {clause.id for clause in load_specs().all_clauses()}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for func in _tests(path):
        doc = ast.get_docstring(func)
        assert doc and doc.splitlines()[0].strip(), f"{path.name}::{func.name}: no docstring"
        ids = _clause_ids(func, tree)
        assert ids, f"{path.name}::{func.name}: no @pytest.mark.clause"
        unknown = sorted(set(ids) - known)
        assert not unknown, f"{path.name}::{func.name}: unknown clause ids {unknown}"


@pytest.mark.parametrize("path", sorted(SUITE.glob("*.py")), ids=lambda p: p.name)
def test_no_scenario_reaches_into_the_emulator(path: Path) -> None:
    """Scenarios talk to the target through the plugin's fixtures, never the emulator's code."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            assert not node.module.startswith("cmqconform.emulator"), \
                f"{path.name}:{node.lineno} imports {node.module}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                assert not alias.name.startswith("cmqconform.emulator"), \
                    f"{path.name}:{node.lineno} imports {alias.name}"


def test_cmq_fixtures_are_the_suites_own() -> None:
    """CMQ's clients and resource factories live in the suite's conftest, not in the plugin."""
    import cmqconform.pytest_plugin as plugin

    tree = ast.parse((SUITE / "conftest.py").read_text(encoding="utf-8"))
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    factories = {target.id: ast.unparse(node.value) for node in tree.body
                 if isinstance(node, ast.Assign) for target in node.targets
                 if isinstance(target, ast.Name)}
    assert {"cmq_v3", "cmq_legacy"} <= defined
    assert {"cmq_queue", "cmq_topic", "cmq_subscription"} <= factories.keys()
    assert all(factories[name].startswith("resource_factory(")
               for name in ("cmq_queue", "cmq_topic", "cmq_subscription"))
    moved = {"cmq_v3", "cmq_legacy", "cmq_queue", "cmq_topic", "cmq_subscription"}
    assert not moved & set(vars(plugin))
    assert callable(plugin.resource_factory) and "cmq_client" in vars(plugin)
