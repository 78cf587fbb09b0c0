"""The embedded server and the ``cmqconform serve`` command (a real process, real signals)."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from cmqconform.emulator.cli import accounts_from, parse_account, parse_token
from cmqconform.emulator.server import EmulatorServer
from cmqconform.errors import ConfigError
from cmqconform.netutil import free_port

from .signed import SID, SKEY, tc3


def _describe(base_url: str) -> dict[str, object]:
    headers, body = tc3("DescribeQueueDetail", {}, base_url.removeprefix("http://"))
    response = httpx.post(f"{base_url}/", content=body, headers=headers, timeout=10)
    out: dict[str, object] = response.json()["Response"]
    return out


def test_embedded_server_context_manager() -> None:
    server = EmulatorServer({SID: SKEY})
    with server as base_url:
        assert base_url.startswith("http://127.0.0.1:") and server.port
        assert "TotalCount" in _describe(base_url)
        assert SKEY not in repr(server)
    assert server.start() != ""  # restartable object: start() after stop() serves again
    server.stop()


def test_parse_account() -> None:
    assert parse_account("AKID1:key:with:colons") == ("AKID1", "key:with:colons")
    with pytest.raises(argparse.ArgumentTypeError) as info:
        parse_account("nokey")
    assert "nokey" not in str(info.value)


def test_parse_token_never_echoes_the_token() -> None:
    assert parse_token("AKID1:tok:en") == ("AKID1", "tok:en")
    with pytest.raises(argparse.ArgumentTypeError) as info:
        parse_token("secret-token-only")
    assert "secret-token-only" not in str(info.value)


def test_accounts_from_options_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TENCENTCLOUD_SECRET_ID", raising=False)
    monkeypatch.delenv("TENCENTCLOUD_SECRET_KEY", raising=False)
    args = argparse.Namespace(secret_id="A", secret_key="k", account=[("B", "k2")])
    assert accounts_from(args) == {"A": "k", "B": "k2"}
    with pytest.raises(ConfigError):
        accounts_from(argparse.Namespace(secret_id=None, secret_key=None, account=None))
    with pytest.raises(ConfigError):
        accounts_from(argparse.Namespace(secret_id="A", secret_key=None, account=None))
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", "E")
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", "ek")
    assert accounts_from(argparse.Namespace(secret_id=None, secret_key=None,
                                            account=None)) == {"E": "ek"}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_command_logs_and_stops_on_signal(sig: signal.Signals) -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cmqconform.cli", "serve", "--port", str(port), "--secret-id",
         SID, "--secret-key", SKEY, "--account", "AKIDsecond:second-key", "--rate-limit", "50"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        answer = None
        for _ in range(200):  # bounded: at most ~20 s for the process to listen
            try:
                answer = _describe(base_url)
                break
            except httpx.TransportError:
                if proc.poll() is not None:
                    break
                time.sleep(0.1)
        assert answer is not None, "cmqconform serve did not start"
        request_id = str(answer["RequestId"])
        proc.send_signal(sig)
        output, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, output
    assert request_id in output
    assert SKEY not in output and "second-key" not in output


def _create_queue(base_url: str, name: str) -> dict[str, object]:
    headers, body = tc3("CreateQueue", {"QueueName": name}, base_url.removeprefix("http://"))
    out: dict[str, object] = httpx.post(f"{base_url}/", content=body, headers=headers,
                                        timeout=10).json()["Response"]
    return out


def test_serve_health_and_reset_give_each_test_a_clean_emulator() -> None:
    """GET /_cmqconform/health answers once serving; POST /_cmqconform/reset empties the state."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "cmqconform.cli", "serve", "--port",
                             str(port), "--secret-id", SID, "--secret-key", SKEY],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        health = None
        for _ in range(200):  # bounded: at most ~20 s for the process to listen
            try:
                health = httpx.get(f"{base_url}/_cmqconform/health", timeout=5)
                break
            except httpx.TransportError:
                assert proc.poll() is None, "cmqconform serve exited"
                time.sleep(0.1)
        assert health is not None and health.json() == {"status": "ok", "product": "cmq",
                                                        "resets": 0}
        assert "QueueId" in _create_queue(base_url, "kept-until-reset")
        assert _describe(base_url)["TotalCount"] == 1
        reset = httpx.post(f"{base_url}/_cmqconform/reset", timeout=10)
        assert reset.status_code == 200 and reset.json()["resets"] == 1
        assert _describe(base_url)["TotalCount"] == 0
        assert "QueueId" in _create_queue(base_url, "kept-until-reset")  # the name is free again
        unknown = httpx.get(f"{base_url}/_cmqconform/nope", timeout=5)
        assert unknown.status_code == 404 and "POST /_cmqconform/reset" in unknown.text
    finally:
        proc.terminate()
        proc.wait(20)
