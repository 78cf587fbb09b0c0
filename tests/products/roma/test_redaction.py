"""The IAM token, the SK and the Authorization signature never reach an artifact of a roma run:
evidence, results.json, junit, Allure, report.html, test ids."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cmqconform.dialects import Credentials
from cmqconform.emulator.server import EmulatorServer, ServerOptions
from cmqconform.session import Session
from cmqconform.spec import load_specs
from cmqconform.targets import SECRET_ID_ENV, SECRET_KEY_ENV, TOKEN_ENV, target_from_url

AK, SK, TOKEN = "HPUAREDACTION000001", "redaction-secret-key-9f8e7d6c5b4a", "redaction-iam-token-77"
API, ACTION = "roma.v2", "ShowMqsInstanceMessages"
#: A signature in the clear: 64 hex digits after ``Signature=``.
SIGNATURE = re.compile(r"Signature=[0-9a-f]{64}")


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    """A roma emulator knowing the account and its token."""
    options = ServerOptions(product="roma", tokens={AK: TOKEN})
    with EmulatorServer({AK: SK}, options=options) as base:
        yield base


def leaks(text: str) -> list[str]:
    """The secrets ``text`` shows."""
    found = [name for name, value in (("SK", SK), ("token", TOKEN)) if value in text]
    return found + SIGNATURE.findall(text)


@pytest.mark.parametrize("method,tamper", [
    ("X-Auth-Token", None), ("X-Auth-Token", "bad_token"),
    ("SDK-HMAC-SHA256", None), ("SDK-HMAC-SHA256", "bad_signature"),
])
def test_evidence_masks_every_secret(url: str, method: str, tamper: str | None) -> None:
    specs = load_specs()
    target = target_from_url(url, credentials=Credentials.of(AK, SK, TOKEN), specs=specs,
                             surfaces=(API,))
    values = dict(specs.api(API).action(ACTION).recipe.values)
    with Session(specs, target) as session:
        got = session.call(API, ACTION, values, signature=method, tamper=tamper)
    assert got.fault is None
    shown = str(got.evidence.to_json())
    assert not leaks(shown), shown
    headers = {k.lower(): v for k, v in got.evidence.request_headers.items()}
    if method == "X-Auth-Token":
        assert headers["x-auth-token"] == "***"
    else:
        assert headers["authorization"].endswith("Signature=***")
        assert f"Access={AK}" in headers["authorization"]


def test_run_artifacts_hold_no_secret(url: str, tmp_path: Path) -> None:
    report = tmp_path / "report"
    env = {**os.environ, SECRET_ID_ENV: AK, SECRET_KEY_ENV: SK, TOKEN_ENV: TOKEN}
    proc = subprocess.run(
        [sys.executable, "-m", "cmqconform.cli", "run", "--product", "roma", "--target", url,
         "--report-dir", str(report), "-k", "auth or Token or HMAC or limit"],
        env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    files = [p for p in report.rglob("*") if p.is_file()]
    assert any(p.name == "results.json" for p in files)
    assert any(p.name == "junit.xml" for p in files)
    assert any(p.parent.name == "allure" for p in files)
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert not leaks(text), f"{path.relative_to(report)}: {leaks(text)}"
    assert not leaks(proc.stdout + proc.stderr)
