"""``cmqconform run``: the pytest command line, exit codes, and one real run's four outputs.

The real run goes against a ``cmqconform serve`` child this module starts on loopback with known
credentials and the ``signature-unchecked`` mutant (it accepts any signature), on two workers, in
CI mode (plain lines). The bad-signature cases then fail, so results.json, report.html and JUnit
carry signed requests as evidence; every artifact is searched for the credentials and for any
unmasked signature or Authorization value.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from cmqconform.cli import build_parser, main
from cmqconform.netutil import free_port
from cmqconform.run import pytest_argv
from tests.processes import run, spawn, stop, wait_serving

SECRET_ID, SECRET_KEY = "AKIDcmqcRunCliTest01", "RunCliS3cretKeyNeverShown0042"
SCHEMA = Path(__file__).resolve().parents[1] / "cmqconform" / "schemas" / "results.schema.json"
SELECTION = "CreateQueue or SendMessage"
MUTANT = "signature-unchecked"
#: A signature or Authorization value that is not the mask: what must never appear.
UNMASKED = re.compile(r"(?i)(Signature(?:=|%3D|\"\s*:\s*\")(?!\*\*\*)[A-Za-z0-9+/%_-]{6,})"
                      r"|(\"Authorization\"\s*:\s*\"(?![^\"]*Signature=\*\*\*)(?!\*\*\*)[^\"]+\")")


def test_argv_carries_every_option(tmp_path: Path) -> None:
    args = build_parser().parse_args(["run", "--target", "http://127.0.0.1:1", "--api",
                                      "cmq.v3", "-n", "2", "--report-dir", str(tmp_path),
                                      "-k", "CreateQueue"])
    argv = pytest_argv(args)
    assert "--cmq-target=http://127.0.0.1:1" in argv
    assert "--cmq-api=cmq.v3" in argv and argv[argv.index("-n"):][:2] == ["-n", "2"]
    assert not any(a.startswith("--junitxml") for a in argv)  # written from results.json
    assert f"--alluredir={tmp_path / 'allure'}" in argv
    assert argv[argv.index("-k") + 1] == "CreateQueue"


def test_product_reaches_the_plugin(tmp_path: Path) -> None:
    base = ["run", "--report-dir", str(tmp_path)]
    argv = pytest_argv(build_parser().parse_args([*base, "--product", "cmq"]))
    assert "--cmq-product=cmq" in argv and "--cmq-api=all" in argv
    assert "--cmq-product=all" in pytest_argv(build_parser().parse_args(base))


@pytest.mark.parametrize(("options", "says"), [
    (["--product", "nope"],
     "--product nope: no such product; the specs define cmq, roma, tdmq, trtc"),
    (["--product", "cmq", "--api", "cmq.v9"],
     "--api cmq.v9: no such surface in product cmq; choose from cmq.v3, cmq.legacy"),
    (["--api", "v3"], "--api v3: no such surface in the specs; choose from cmq.v3, "
                      "cmq.legacy, roma.v2, tdmq.v3, trtc.v3"),
])
def test_product_and_surface_are_checked_against_the_specs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str],
        says: str) -> None:
    """No argparse choices: the specs decide, and a wrong name is exit 2 before pytest starts."""
    code = main(["run", "--report-dir", str(tmp_path / "out"), *options])
    err = capsys.readouterr().err
    assert code == 2 and err == f"cmqconform: {says}\n"
    assert not (tmp_path / "out").exists()


def test_fuzz_examples_reach_the_plugin(tmp_path: Path) -> None:
    args = build_parser().parse_args(["run", "--report-dir", str(tmp_path), "--fuzz",
                                      "--fuzz-examples", "7"])
    assert {"--cmq-fuzz", "--cmq-fuzz-examples=7"} <= set(pytest_argv(args))
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--fuzz-examples", "0"])


def test_slow_scenarios_only_with_slow(tmp_path: Path) -> None:
    base = ["run", "--report-dir", str(tmp_path)]
    default = pytest_argv(build_parser().parse_args(base))
    assert "not slow" in default and default[default.index("not slow") - 1] == "-m"
    assert "not slow" not in pytest_argv(build_parser().parse_args([*base, "--slow"]))
    chosen = pytest_argv(build_parser().parse_args([*base, "--allure", str(tmp_path / "a")]))
    assert f"--alluredir={tmp_path / 'a'}" in chosen


def test_unknown_target_is_a_usage_error(tmp_path: Path) -> None:
    code = main(["run", "--target", "no-such-target-name", "--report-dir", str(tmp_path),
                 "-k", "CreateQueue and baseline"])
    assert code == 2


# -- one real run ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    """What a finished ``cmqconform run`` left: exit code, console output, folders."""

    code: int
    output: str
    report_dir: Path
    serve_log: Path


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """``cmqconform run -n 2 -k SELECTION`` against a serve child with known credentials."""
    folder = tmp_path_factory.mktemp("run")
    env = {**os.environ, "TENCENTCLOUD_SECRET_ID": SECRET_ID,
           "TENCENTCLOUD_SECRET_KEY": SECRET_KEY, "CI": "true"}
    port, serve_log = free_port(), folder / "serve.log"
    with serve_log.open("wb") as log:
        # info: one line per request, the emulator's own log is an artifact to search too.
        serve = spawn([sys.executable, "-m", "cmqconform", "serve", "--port", str(port),
                       "--log-level", "info", "--mutant", MUTANT],
                      env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_serving(url, serve, "cmqconform serve", log=serve_log)
        done = run(
            [sys.executable, "-m", "cmqconform", "run", "--target", url, "-n", "2",
             "--product", "cmq", "--report-dir", str(folder / "report"), "-k", SELECTION],
            timeout=900, env=env)
        yield Run(done.returncode, done.stdout + done.stderr, folder / "report", serve_log)
    finally:
        stop(serve)


def test_a_real_run_writes_four_outputs_and_no_credential(real_run: Run) -> None:
    """One test, so that ``pytest -n 2`` never runs the module's real run twice."""
    check_four_outputs(real_run)
    check_no_credential(real_run)


def check_four_outputs(real_run: Run) -> None:
    """results.json (schema-valid), report.html, junit.xml, labelled Allure results, console."""
    assert real_run.code == 1, real_run.output[-3000:]  # the mutant is caught
    report_dir = real_run.report_dir
    doc = json.loads((report_dir / "results.json").read_text())
    Draft202012Validator(json.loads(SCHEMA.read_text())).validate(doc)
    total, summary = doc["summary"]["total"], doc["summary"]
    assert total > 100 and summary["error"] == 0
    failed = [c for c in doc["cases"] if c["verdict"] == "fail"]
    assert len(failed) == summary["fail"] > 0
    assert all("bad signature" in c["id"] and c["kind"] == "auth" for c in failed)
    assert {c["api"] for c in failed} == {"cmq.v3", "cmq.legacy"}
    assert doc["run"]["workers"] == 2 and doc["target"]["kind"] == "url"
    assert {c["api"] for c in doc["cases"]} == {"cmq.v3", "cmq.legacy"}
    # Behaviour scenarios get surface and action from their clause ids.
    behaviour = [c for c in doc["cases"] if c["id"].startswith("behaviour/")]
    assert behaviour and all(c["api"] and c["action"] for c in behaviour)

    html = (report_dir / "report.html").read_text()
    assert f'data-count="total">{total}<' in html and "<script src=" not in html
    assert failed[0]["id"] in html and "cmq.v3.auth.signature_failure" in html

    suite = ET.parse(report_dir / "junit.xml").getroot()
    assert len(suite.findall(".//testcase")) == total
    assert len(suite.findall(".//testcase/failure")) == summary["fail"]

    allure = [json.loads(p.read_text()) for p in (report_dir / "allure").glob("*-result.json")]
    assert len(allure) == total
    one = next(r for r in allure if r["name"] == "CreateQueue[VisibilityTimeout=43201]")
    labels = {(lab["name"], lab["value"]) for lab in one["labels"]}
    assert {("epic", "cmq.v3"), ("feature", "CreateQueue"), ("story", "range")} <= labels
    assert ("clause", "cmq.v3.CreateQueue.VisibilityTimeout.range") in labels
    assert "cmq.v3.CreateQueue.VisibilityTimeout.range (range, cmq-api.txt:" in one["description"]
    scenario = next(r for r in allure if r["fullName"].startswith("behaviour."))
    assert {lab["name"] for lab in scenario["labels"]} >= {"epic", "feature", "story", "clause"}

    # CI=true: plain lines, each failing case, the summary per surface and the report's path.
    assert f"collected {total} cases" in real_run.output
    assert f"FAIL {failed[0]['id']}" in real_run.output
    assert f"summary: total={total} " in real_run.output
    assert re.search(r"^cmq\.legacy: total=\d+ pass=", real_run.output, re.M)
    assert f"report: {report_dir / 'report.html'}" in real_run.output


def check_no_credential(real_run: Run) -> None:
    """No artifact, the emulator log or the console holds the key or an unmasked signature."""
    artifacts = [p for p in real_run.report_dir.rglob("*") if p.is_file()]
    names = {p.name for p in artifacts}
    assert {"results.json", "report.html", "junit.xml", "pytest.log"} <= names
    assert any(p.parent.name == "allure" for p in artifacts)
    texts = {str(p.relative_to(real_run.report_dir)): p.read_text(errors="replace")
             for p in artifacts}
    texts["serve.log"] = real_run.serve_log.read_text(errors="replace")
    texts["console"] = real_run.output
    assert "SendMessage" in texts["serve.log"]  # the emulator did log every request
    # The failing auth cases sent signed requests: evidence with signatures exists to redact.
    assert re.search(r'(?i)"authorization": "TC3-HMAC-SHA256 Credential=', texts["results.json"])
    assert "Signature=***" in texts["results.json"] and "Signature=***" in texts["report.html"]
    for name, text in texts.items():
        assert SECRET_KEY not in text, f"the SecretKey leaked into {name}"
        leak = UNMASKED.search(text)
        assert leak is None, f"an unmasked credential in {name}: {leak and leak.group(0)[:40]}"


def test_the_leak_pattern_finds_what_it_must() -> None:
    for leak in ("Signature=3q2+7w==", "Signature%3Dabcdef12", '"Signature": "abcdef12"',
                 '"authorization": "TC3-HMAC-SHA256 Credential=a/b, Signature=0a1b2c3d"',
                 '"Authorization": "Bearer tok3n123"'):
        assert UNMASKED.search(leak), leak
    for masked in ("Signature=***", '"Signature": "***"', '"Authorization": "***"',
                   '"authorization": "TC3-HMAC-SHA256 Credential=a/b, Signature=***"'):
        assert not UNMASKED.search(masked), masked


def test_a_run_leaves_no_temporary_files(tmp_path: Path) -> None:
    """The embedded servers' logs and the shared rate folder go with the run (issue 18)."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    done = run([sys.executable, "-m", "cmqconform", "run", "--product", "tdmq", "-n", "2",
                "-q", "--report-dir", str(tmp_path / "report")],
               timeout=600, env={**os.environ, "TMPDIR": str(scratch), "CI": "true"})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert sorted(p.name for p in scratch.iterdir() if p.name.startswith("cmqc-")) == []


def test_the_embedded_servers_command_lines_carry_no_secret(tmp_path: Path) -> None:
    """Keys and session tokens reach `serve` in a private file: `ps` shows none (issue 18)."""
    import json as json_module
    import os as os_module

    from cmqconform.plugin_run import start_embedded, stop_process

    keys = tmp_path / "keys.json"
    keys.write_text(json_module.dumps({"accounts": {"AKIDcmqcsecond0001": "second-key-0001"},
                                       "tokens": {"AKIDcmqcsecond0001": "token-value-0001"}}))
    os_module.chmod(keys, 0o600)
    proc, _ = start_embedded("AKIDcmqcmain00001", "main-key-00001",
                             extra=["--product", "tdmq", "--accounts-file", str(keys)])
    try:
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().replace(b"\0", b" ")
    finally:
        stop_process(proc)
    assert b"--accounts-file" in cmdline
    for secret in (b"main-key-00001", b"second-key-0001", b"token-value-0001"):
        assert secret not in cmdline


@pytest.mark.parametrize(("content", "says"), [
    ("{", "not JSON"),
    ('{"accounts": {"AKID": 1}}', "accounts: expected an object of SecretId -> string"),
    ('{"tokens": []}', "tokens: expected an object of SecretId -> string"),
])
def test_a_bad_accounts_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         content: str, says: str) -> None:
    keys = tmp_path / "keys.json"
    keys.write_text(content)
    assert main(["serve", "--secret-id", "AKIDx", "--secret-key", "k", "--port", "0",
                 "--accounts-file", str(keys)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"cmqconform: --accounts-file {keys}: ") and says in err
    assert err.count("\n") == 1
