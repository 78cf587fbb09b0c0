"""A pytest plugin ``cmqconform mutate`` loads (``-p cmqconform.mutate_select``) to run a selection.

``--cmq-select SELECTOR`` (repeatable) keeps the items any selector matches; a selector is
space-separated tokens that must all match: a node-id prefix (``behaviour/test_rewind.py``),
``@mark`` (the item carries the marker), ``~prefix`` (a clause id of the item starts with it) or
``~*suffix`` (a clause id ends with it, e.g. ``~*.pattern``); a node-id token holding ``*`` is
a glob (``generated/*baseline*``).
See :mod:`cmqconform.products.cmq.mutants` for the per-category selections.
"""

from __future__ import annotations

import fnmatch

import pytest

from cmqconform.pytest_plugin import clause_ids_of


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ``--cmq-select`` option."""
    parser.addoption("--cmq-select", action="append", default=[], metavar="SELECTOR",
                     help="keep items matching SELECTOR (node-id prefix, @mark, ~clause-prefix)")


def matches(selector: str, item: pytest.Item) -> bool:
    """Whether every token of ``selector`` matches ``item``."""
    for token in selector.split():
        if token.startswith("@"):
            if item.get_closest_marker(token[1:]) is None:
                return False
        elif token.startswith("~*"):
            if not any(c.endswith(token[2:]) for c in clause_ids_of(item)):
                return False
        elif token.startswith("~"):
            if not any(c.startswith(token[1:]) for c in clause_ids_of(item)):
                return False
        elif "*" in token:
            if not fnmatch.fnmatchcase(item.nodeid, token):
                return False
        elif not item.nodeid.startswith(token):
            return False
    return True


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the items no ``--cmq-select`` selector matches (none given: keep all)."""
    selectors: list[str] = config.getoption("cmq_select")
    if not selectors:
        return
    keep = [item for item in items if any(matches(s, item) for s in selectors)]
    dropped = [item for item in items if item not in keep]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = keep
