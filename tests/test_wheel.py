"""A plain (non-editable) install ships the suites: ``cmqconform run`` and ``pytest --cmq-target``
work from a directory that is not the checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from cmqconform.netutil import free_port
from cmqconform.targets import SECRET_ID_ENV, SECRET_KEY_ENV
from tests.processes import stop, wait_serving

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding the built wheel; its dependencies come from this environment."""
    base = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(base / "dist"), str(ROOT)], check=True, capture_output=True)
    env_dir = base / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; "
                              "print(sysconfig.get_paths()['purelib'])"], check=True,
                             capture_output=True, text=True).stdout.strip()
    # The dependencies, not this checkout: a .pth adds a site directory's path without running
    # its own .pth files, so the editable install's finder stays out.
    Path(purelib, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    wheel = next((base / "dist").glob("cmqconform-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True)
    return env_dir


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env.pop("PYTHONPATH", None)
    return env


def test_the_wheel_ships_the_suites_and_run_works_elsewhere(installed: Path,
                                                            tmp_path: Path) -> None:
    """`cmqconform run` from an empty directory: the bundled suites, a full results.json."""
    found = subprocess.run([str(installed / "bin" / "python"), "-c",
                            "import cmqconform.coverage as c; print(c.SUITES)"], cwd=tmp_path,
                           capture_output=True, text=True, env=_env(), check=True).stdout
    assert str(installed) in found and found.strip().endswith("_suites")
    done = subprocess.run([str(installed / "bin" / "cmqconform"), "run", "--product", "tdmq",
                           "-q", "--report-dir", "out"], cwd=tmp_path, capture_output=True,
                          text=True, env=_env(), timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    doc = json.loads((tmp_path / "out" / "results.json").read_text())
    # 26 generated and behaviour cases, 31 signature integrity cases (suites/properties).
    assert doc["summary"]["total"] == doc["summary"]["pass"] == 57


def test_plain_pytest_with_a_target_url_collects_the_bundled_suites(installed: Path,
                                                                    tmp_path: Path) -> None:
    """`pytest --cmq-target URL` in a project without a conftest.py runs the shipped suites."""
    env = dict(_env(), **{SECRET_ID_ENV: "AKIDwheel", SECRET_KEY_ENV: "wheel-key"})
    port = free_port()
    server = subprocess.Popen([str(installed / "bin" / "cmqconform"), "serve", "--product",
                               "tdmq", "--port", str(port)], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_serving(f"http://127.0.0.1:{port}/", server, "cmqconform serve")
        done = subprocess.run([str(installed / "bin" / "python"), "-m", "pytest",
                               f"--cmq-target=http://127.0.0.1:{port}", "--cmq-product=tdmq",
                               "--cmq-report-dir=out", "-p", "no:randomly", "-q", "-n", "2"],
                              cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300)
    finally:
        stop(server)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    doc = json.loads((tmp_path / "out" / "results.json").read_text())
    # A URL target declares no second account: those scenarios skip.
    assert doc["summary"]["total"] == 57 and doc["summary"]["fail"] == doc["summary"]["error"] == 0
    assert all(c["id"].startswith(("generated/", "behaviour/", "properties/"))
               for c in doc["cases"]), \
        doc["cases"][0]["id"]
