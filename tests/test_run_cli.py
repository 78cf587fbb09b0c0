"""``cmqconform run``: the pytest command line, and exit 2 for configuration errors."""

from __future__ import annotations

from pathlib import Path

from cmqconform.cli import build_parser, main
from cmqconform.run import pytest_argv


def test_argv_carries_every_option(tmp_path: Path) -> None:
    args = build_parser().parse_args(["run", "--target", "http://127.0.0.1:1", "--api",
                                      "cmq.v3", "-n", "2", "--report-dir", str(tmp_path),
                                      "-k", "CreateQueue"])
    argv = pytest_argv(args)
    assert "--cmq-target=http://127.0.0.1:1" in argv
    assert "--cmq-api=cmq.v3" in argv and argv[argv.index("-n"):][:2] == ["-n", "2"]
    assert f"--junitxml={tmp_path / 'junit.xml'}" in argv
    assert argv[argv.index("-k") + 1] == "CreateQueue"


def test_unknown_target_is_a_usage_error(tmp_path: Path) -> None:
    code = main(["run", "--target", "no-such-target-name", "--report-dir", str(tmp_path),
                 "-k", "CreateQueue and baseline"])
    assert code == 2
