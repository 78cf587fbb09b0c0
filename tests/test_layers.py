"""Imports point back along the data flow: the engine and the gateway never import a product."""

from __future__ import annotations

import ast
from pathlib import Path

import cmqconform

PACKAGE = Path(cmqconform.__file__).parent
#: Modules allowed to import cmqconform.products: the products themselves and the fronts.
FRONTS = ("pytest_plugin.py", "cli.py", "run.py")


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth (function-local imports included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _is_front(path: Path) -> bool:
    relative = path.relative_to(PACKAGE)
    name = relative.name
    return len(relative.parts) == 1 and (
        name in FRONTS or name.startswith(("plugin_", "mutate")))


def _importing_products(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(PACKAGE)) for p in paths
            if any(m == "cmqconform.products" or m.startswith("cmqconform.products.")
                   for m in _imports(p))]


def test_the_engine_never_imports_a_product() -> None:
    """Outside emulator/, products/ and the fronts, nothing imports cmqconform.products."""
    engine = [p for p in PACKAGE.rglob("*.py")
              if p.relative_to(PACKAGE).parts[0] not in ("emulator", "products")
              and not _is_front(p)]
    assert engine and _importing_products(engine) == []


def test_the_gateway_reaches_products_only_through_the_registry() -> None:
    """cmqconform.emulator imports no product module; it builds one by id (importlib)."""
    gateway = list((PACKAGE / "emulator").rglob("*.py"))
    assert gateway and _importing_products(gateway) == []
