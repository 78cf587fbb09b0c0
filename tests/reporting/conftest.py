"""Shared fixtures of the report tests: the sample results documents and a headless Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests import processes

SAMPLES = Path(__file__).parent.parent / "fixtures" / "results"
CHROMIUM = "/usr/bin/chromium"


def sample(name: str) -> dict[str, Any]:
    """A sample results document from tests/fixtures/results (parsed afresh each time)."""
    doc: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return doc


@pytest.fixture
def reference() -> dict[str, Any]:
    """The healthy target's results."""
    return sample("reference-emulator")


@pytest.fixture
def broken() -> dict[str, Any]:
    """The deliberately broken target's results."""
    return sample("broken-target")


@pytest.fixture
def chromium(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run headless Chromium on a file with extra flags; skips when Chromium is not installed."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip(f"{CHROMIUM} is absent: apt-get install -y chromium")
    profile = tmp_path / "chromium-profile"

    def run(page: Path, *flags: str) -> subprocess.CompletedProcess[str]:
        command = [CHROMIUM if Path(CHROMIUM).exists() else "chromium", "--headless",
                   "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                   "--disable-component-update", "--disable-sync", "--no-first-run",
                   f"--user-data-dir={profile}", *flags, page.resolve().as_uri()]
        return processes.run(command, timeout=120)

    return run
