"""Child processes for tests: each in its own process group, always stopped, every wait bounded.

A test that starts a process must stop it whatever happens (a failed assertion, a timeout,
Ctrl-C); otherwise the child outlives the test and breaks an unrelated one. The bounds are
generous because the suite runs ``-n 2`` on loaded two-core machines::

    proc = spawn([sys.executable, "-m", "cmqconform", "serve", ...])
    try:
        wait_serving(url, proc, "cmqconform serve")
        ...
    finally:
        stop(proc)
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

#: How long a child may take to start listening on a loaded two-core machine.
START_SECONDS = 90.0
#: How long a child has to exit on SIGTERM before its group is killed.
GRACE_SECONDS = 10.0


def spawn(argv: Sequence[str], **kwargs: Any) -> subprocess.Popen[Any]:
    """``subprocess.Popen`` in a new session, so :func:`stop` reaches its children too."""
    return subprocess.Popen(argv, start_new_session=True, **kwargs)


def _signal(proc: subprocess.Popen[Any], sig: signal.Signals) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        # No such group: every member exited, or ``proc`` was not started by :func:`spawn`.
        proc.send_signal(sig)  # a no-op once ``proc`` was reaped


def stop(proc: subprocess.Popen[Any], grace: float = GRACE_SECONDS) -> None:
    """Stop ``proc`` and its process group: SIGTERM, SIGKILL after ``grace`` s; reap it."""
    _signal(proc, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(grace)
    # Whether or not the leader exited, kill what is left of its group (workers, servers).
    _signal(proc, signal.SIGKILL)
    proc.wait(grace)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def wait_exit(proc: subprocess.Popen[Any], seconds: float, what: str) -> int:
    """The exit code of ``proc`` once it exits; fails naming ``what`` after ``seconds``."""
    try:
        return proc.wait(seconds)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{what} still running after {seconds:.0f} s") from None


def tail(log: Path | None, chars: int = 3000) -> str:
    """The end of a child's log file, for a failure message ("" without a log)."""
    if log is None or not log.exists():
        return ""
    return "\n--- " + str(log) + " ---\n" + log.read_text(errors="replace")[-chars:]


def wait_serving(url: str, proc: subprocess.Popen[Any], what: str, *,
                 seconds: float = START_SECONDS, log: Path | None = None) -> None:
    """Return once ``url`` answers HTTP; fail if ``proc`` exits first or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            httpx.get(url, timeout=2.0)
            return
        except httpx.TransportError:
            pass
        if proc.poll() is not None:
            raise AssertionError(f"{what} exited with {proc.returncode} before {url} answered"
                                 + tail(log))
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not answer on {url} within {seconds:.0f} s"
                                 + tail(log))
        time.sleep(0.1)


def run(argv: Sequence[str], timeout: float, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """``subprocess.run(capture_output=True, text=True)``, but the timeout stops the whole group.

    ``subprocess.run`` kills only the direct child on timeout; the servers and workers a
    ``cmqconform run`` or ``mutate`` child started would be left running.
    """
    proc = spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{shlex.join(argv)} did not finish within {timeout:.0f} s") \
            from None
    finally:
        stop(proc)
    return subprocess.CompletedProcess(list(argv), proc.returncode, out, err)
