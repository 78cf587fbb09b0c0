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


#: Engine stages in data-flow order (spec -> cases -> exchanges -> verdicts -> reports); a
#: module may import its own stage or an earlier one. ``verdicts.py`` holds the records every
#: stage passes on (Case, Exchange, Verdict), so it sits with the models.
STAGES: tuple[tuple[str, ...], ...] = (
    ("models", "errors", "netutil", "verdicts"),
    ("spec", "configschema"),
    ("cases",),
    ("dialects", "targets", "session", "provision", "ratelimit", "preflight"),
    ("checks", "runner", "fuzz", "properties"),
    ("results", "results_enrich", "reporting", "coverage", "expectations"),
)
#: Never imported by the engine: the fronts, the emulator and the products.
OUTSIDE = ("emulator", "products", "proxy", "external", "pytest_plugin", "plugin_run",
           "plugin_report", "plugin_items", "plugin_schedule", "cli", "run", "mutate",
           "mutate_select", "__main__")


def _unit(module: str) -> str | None:
    """``cmqconform.spec.loader`` -> ``spec``; None for anything outside the package."""
    parts = module.split(".")
    return parts[1] if parts[0] == "cmqconform" and len(parts) > 1 else None


def _stage(unit: str) -> int | None:
    return next((i for i, units in enumerate(STAGES) if unit in units), None)


def _engine_modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py")
            if _stage(p.relative_to(PACKAGE).with_suffix("").parts[0]) is not None]


def test_every_engine_module_has_a_stage() -> None:
    """A new top-level module is placed on the arrow (or named a front) on purpose."""
    units = {p.relative_to(PACKAGE).with_suffix("").parts[0] for p in PACKAGE.glob("*")
             if p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists())}
    placed = {u for stage in STAGES for u in stage} | set(OUTSIDE) | {"__init__"}
    assert units - placed == set()


def test_models_and_errors_import_nothing_of_the_package() -> None:
    """The records depend on nothing."""
    for name in ("models.py", "errors.py"):
        assert {m for m in _imports(PACKAGE / name) if _unit(m)} == set(), name


def test_imports_point_back_along_the_data_flow() -> None:
    """No engine module imports a later stage, a front, the emulator or a product."""
    wrong = []
    for path in _engine_modules():
        own = _stage(path.relative_to(PACKAGE).with_suffix("").parts[0])
        assert own is not None
        for module in _imports(path):
            unit = _unit(module)
            if unit is None or unit == "__version__":
                continue
            stage = _stage(unit)
            if unit in OUTSIDE or (stage is not None and stage > own):
                wrong.append(f"{path.relative_to(PACKAGE)} imports {module}")
    assert wrong == []


def test_no_module_outside_the_cmq_package_names_a_cmq_surface() -> None:
    """Surfaces are data: only products/cmq (and CMQ's specs and tests) may name cmq.v3."""
    named = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*")
             if p.is_file() and p.suffix in (".py", ".json", ".j2", ".js")
             and "products/cmq" not in p.as_posix()
             and ("cmq.v3" in p.read_text(encoding="utf-8")
                  or "cmq.legacy" in p.read_text(encoding="utf-8"))]
    assert named == []
