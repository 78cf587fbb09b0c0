"""No secret in any artifact of a mistaken configuration (issue 18, item 4).

A URL password in ``--target`` is refused (exit 2) without being shown or stored; a credential
written where its environment variable's name belongs is reported without its value. Both are
checked by grepping every file the run leaves and everything it printed, through both fronts
(``cmqconform run`` and pytest with the plugin).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PASSWORD = "urlpassw0rdNeverShown"
KEY_ITSELF = "Zx8yPastedSecretKeyValue0001"


def _env() -> dict[str, str]:
    return {**os.environ, "TENCENTCLOUD_SECRET_ID": "AKIDcmqcsecretartifact",
            "TENCENTCLOUD_SECRET_KEY": "secret-artifact-key", "CI": "true"}


def _leaks(secret: str, report: Path, *outputs: bytes) -> list[str]:
    """Every artifact (and output) holding ``secret``."""
    found = [str(p.relative_to(report)) for p in report.rglob("*")
             if p.is_file() and secret.encode() in p.read_bytes()] if report.exists() else []
    return found + [f"output {i}" for i, out in enumerate(outputs) if secret.encode() in out]


def _cli(tmp_path: Path, target: str) -> tuple[int, bytes, Path]:
    report = tmp_path / "report"
    done = subprocess.run([sys.executable, "-m", "cmqconform", "run", "--target", target,
                           "--report-dir", str(report), "-q", "--product", "cmq"],
                          env=_env(), capture_output=True, timeout=120, check=False, cwd=tmp_path)
    return done.returncode, done.stdout + done.stderr, report


def _plugin(tmp_path: Path, target: str) -> tuple[int, bytes, Path]:
    report = tmp_path / "plugin-report"
    suites = Path(__file__).resolve().parents[2] / "suites"
    done = subprocess.run([sys.executable, "-m", "pytest", str(suites / "behaviour"
                                                               / "test_names.py"),
                           "-c", str(suites / "pytest.ini"), "--rootdir", str(suites), "-q",
                           "-p", "no:xdist", "-p", "no:cacheprovider", f"--cmq-target={target}",
                           f"--cmq-report-dir={report}"],
                          env=_env(), capture_output=True, timeout=180, check=False, cwd=tmp_path)
    return done.returncode, done.stdout + done.stderr, report


@pytest.fixture
def key_in_name_field(tmp_path: Path) -> str:
    path = tmp_path / "mistaken.toml"
    path.write_text(f'url = "http://127.0.0.1:9"\nregion = "ap-guangzhou"\n[credentials]\n'
                    f'secret_id_env = "TENCENTCLOUD_SECRET_ID"\nsecret_key_env = "{KEY_ITSELF}"\n',
                    encoding="utf-8")
    return str(path)


def test_a_url_password_is_refused_and_never_shown_or_stored(tmp_path: Path) -> None:
    code, out, report = _cli(tmp_path, f"http://user:{PASSWORD}@127.0.0.1:9")
    assert code == 2, out.decode()
    assert b"a user or password in the URL is not supported" in out
    assert _leaks(PASSWORD, report, out) == []


def test_a_url_password_given_to_the_plugin_is_kept_nowhere(tmp_path: Path) -> None:
    code, out, report = _plugin(tmp_path, f"http://user:{PASSWORD}@127.0.0.1:9")
    assert code != 0 and b"a user or password in the URL is not supported" in out, out
    assert _leaks(PASSWORD, report, out) == []


def test_a_key_written_as_its_variable_name_is_reported_without_its_value(
        tmp_path: Path, key_in_name_field: str) -> None:
    code, out, report = _cli(tmp_path, key_in_name_field)
    assert code == 2, out.decode()
    assert b"credentials.secret_key_env" in out and b"the value is not shown" in out
    assert _leaks(KEY_ITSELF, report, out) == []


def test_the_plugin_reports_the_mistaken_key_without_its_value(
        tmp_path: Path, key_in_name_field: str) -> None:
    code, out, report = _plugin(tmp_path, key_in_name_field)
    assert code != 0 and b"the value is not shown" in out, out
    assert _leaks(KEY_ITSELF, report, out) == []
