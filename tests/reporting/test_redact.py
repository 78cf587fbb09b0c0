"""Redaction of credentials from strings, headers and whole documents."""

from __future__ import annotations

import pytest

from cmqconform.dialects.credentials import MASK
from cmqconform.dialects.redaction import env_secrets, redact, redact_text, redact_value

SIG = "f3a9c0ffee0d15ea5e"


@pytest.mark.parametrize("text", [
    f"Action=SendMessage&Signature={SIG}&Nonce=1",
    f"GET /v2/index.php?Signature={SIG}",
    f"Signature%3D{SIG}",
    f'{{"Signature": "{SIG}", "QueueName": "q"}}',
    f"Authorization: TC3-HMAC-SHA256 Credential=AKID/2024-05-01/cmq/tc3_request, "
    f"SignedHeaders=content-type;host, Signature={SIG}",
    f"authorization: Bearer {SIG}",
    f'{{"Authorization": "Bearer {SIG}"}}',
    f"X-TC-Token: {SIG}",
    f"Token={SIG}&SecretKey={SIG}",
    f'{{"SecretKey":"{SIG}"}}',
    f"http://user:{SIG}@127.0.0.1:9100/",
])
def test_credential_values_are_masked_in_every_form(text: str) -> None:
    shown = redact_text(text)
    assert SIG not in shown
    assert MASK in shown


def test_useful_context_is_kept() -> None:
    text = ("Action=SendMessage&SignatureMethod=HmacSHA256&Signature=abc&queueName=q1 "
            "TC3-HMAC-SHA256 Credential=AKIDx/2024-05-01/cmq/tc3_request, Signature=abc")
    shown = redact_text(text)
    assert "SignatureMethod=HmacSHA256" in shown
    assert "queueName=q1" in shown
    assert "Credential=AKIDx/2024-05-01/cmq/tc3_request" in shown


def test_literal_secrets_are_scrubbed_anywhere() -> None:
    assert redact_text("the key is s3cr3t-key!", ["s3cr3t-key"]) == f"the key is {MASK}!"


def test_dicts_are_redacted_by_key_and_by_value() -> None:
    doc = {"headers": {"Authorization": f"Bearer {SIG}", "X-TC-Token": SIG,
                       "Content-Type": "application/json"},
           "params": [{"Token": SIG}, {"body": f"a=1&Signature={SIG}"}], "n": 3, "none": None}
    shown = redact(doc)
    assert SIG not in repr(shown)
    assert shown["headers"]["Content-Type"] == "application/json"
    assert shown["n"] == 3 and shown["none"] is None
    assert doc["headers"]["X-TC-Token"] == SIG  # the input is not modified


def test_tc3_authorization_keeps_its_scope() -> None:
    value = f"TC3-HMAC-SHA256 Credential=AKID/d/cmq/tc3_request, Signature={SIG}"
    assert redact_value("Authorization", value) == (
        f"TC3-HMAC-SHA256 Credential=AKID/d/cmq/tc3_request, Signature={MASK}")
    assert redact_value("authorization", "Basic abc") == MASK


def test_environment_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", "env-key-value")
    monkeypatch.delenv("TENCENTCLOUD_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("TENCENTCLOUD_TOKEN", raising=False)
    assert "env-key-value" in env_secrets()
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", "")
    assert env_secrets() == ()


def test_header_pairs_are_redacted_by_name() -> None:
    shown = redact({"headers": [["Authorization", "Bearer abc"], ["X-TC-Token", "t0k"],
                                ["Host", "h"]]})
    assert shown == {"headers": [["Authorization", MASK], ["X-TC-Token", MASK], ["Host", "h"]]}
