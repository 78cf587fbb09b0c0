"""`cmqconform run`: every bad input is one line and exit 2 (no traceback, no report); preflight
stops a run against a wrong key or a dead target; --maxfail, -x and --lf pass through."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cmqconform.cli import main
from cmqconform.netutil import free_port
from cmqconform.targets import SECRET_ID_ENV, SECRET_KEY_ENV
from tests.processes import stop, wait_serving


def _run(tmp_path: Path, *argv: str, env: dict[str, str] | None = None,
         report: str = "out") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cmqconform.cli", *argv],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env=env)


def _one_line(done: subprocess.CompletedProcess[str], text: str) -> None:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and text in lines[0], done.stderr
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.parametrize(("argv", "text"), [
    (["-k", "a and ("], "-k 'a and (': not a valid expression"),
    (["-k", "zzzz_nothing"], "the selection has no case"),
    (["--workers", "0"], "argument -n/--workers: expected at least 1, got 0"),
    (["--workers", "-3"], "argument -n/--workers: expected at least 1, got -3"),
    (["--mutant", "nosuch"], "--mutant 'nosuch': unknown for tdmq; valid names:"),
    (["--report-dir", "afile/x"], "--report-dir afile/x: cannot write there"),
    (["--target", "nosuch"], "target 'nosuch': not a URL"),
    (["--expectations", "missing.yaml"], "missing.yaml: cannot read expectations file"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, argv: list[str], text: str,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "afile").write_text("")
    monkeypatch.chdir(tmp_path)
    try:
        code = main(["run", "--product", "tdmq", "-q", "--report-dir", "out", *argv])
    except SystemExit as exc:  # argparse's own errors
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    _one_line(subprocess.CompletedProcess([], code, "", err), text)
    assert not (tmp_path / "out" / "report.html").exists()


def test_specs_is_refused_by_run_and_serve_checks_its_port(tmp_path: Path) -> None:
    _one_line(_run(tmp_path, "--specs", str(tmp_path), "run"), "--specs")
    done = _run(tmp_path, "serve", "--port", "99999")
    assert done.returncode == 2 and "expected a port in 0-65535" in done.stderr
    assert "Traceback" not in done.stderr


def test_preflight_stops_a_wrong_key_and_a_dead_target(tmp_path: Path) -> None:
    env = {**_env(), SECRET_ID_ENV: "AKIDpreflight", SECRET_KEY_ENV: "right-key-123"}
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "cmqconform.cli", "serve", "--product",
                               "tdmq", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_serving(f"http://127.0.0.1:{port}/", server, "cmqconform serve")
        wrong = {**env, SECRET_KEY_ENV: "wrong-key-456"}
        done = _run(tmp_path, "run", "--product", "tdmq", "-q", "--report-dir", "out",
                    "--target", f"http://127.0.0.1:{port}", env=wrong)
        _one_line(done, "preflight: tdmq.v3 SendMessages")
        assert "refused the credentials (AuthFailure" in done.stderr
        assert "wrong-key-456" not in done.stderr
    finally:
        stop(server)
    done = _run(tmp_path, "run", "--product", "tdmq", "-q", "--report-dir", "out",
                "--target", f"http://127.0.0.1:{free_port()}", env=env)
    _one_line(done, "no answer (transport: ConnectError")


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}


def test_lf_reruns_the_failures_and_maxfail_makes_a_partial_run(tmp_path: Path) -> None:
    broken = ["run", "--product", "tdmq", "-q", "--report-dir", "out", "--mutant",
              "required-unchecked"]
    first = _run(tmp_path, *broken)
    doc = json.loads((tmp_path / "out" / "results.json").read_text())
    failed = {c["id"] for c in doc["cases"] if c["verdict"] == "fail"}
    assert first.returncode == 1 and len(failed) == 2
    again = _run(tmp_path, *broken, "--lf")
    doc = json.loads((tmp_path / "out" / "results.json").read_text())
    assert again.returncode == 1 and {c["id"] for c in doc["cases"]} == failed
    cut = _run(tmp_path, *broken, "--maxfail", "1")
    doc = json.loads((tmp_path / "out" / "results.json").read_text())
    assert cut.returncode == 1 and doc["interrupted"] is True
    assert doc["summary"]["fail"] == 1 and doc["summary"]["missing"] > 0
