"""No credential survives into any artifact: report.html, compare (md and html), progress output."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest

from cmqconform.cli import main
from cmqconform.reporting.html import write_html
from cmqconform.reporting.progress import RunProgress

from .conftest import sample

SECRET_KEY = "Zk3yS3cr3tV4lu3ForTheTest0001"
SIGNATURE = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
TOKEN = "tmpT0kenValue42xyz"
SECRETS = (SECRET_KEY, SIGNATURE, TOKEN)


def leaky(doc: dict[str, Any]) -> dict[str, Any]:
    """A results document whose evidence, messages and metadata carry the credentials."""
    doc = copy.deepcopy(doc)
    doc["target"]["url"] = f"http://AKIDtest:{SECRET_KEY}@127.0.0.1:9200"
    doc["run"]["command"] = f"cmqconform run --secret-key={SECRET_KEY}"
    case = next(c for c in doc["cases"] if c["verdict"] == "fail")
    case["message"] += f" (request Signature={SIGNATURE})"
    case["received"] = f"AuthFailure.SignatureFailure: SecretKey {SECRET_KEY} rejected"
    case["evidence"] = {
        "request": {
            "method": "POST", "url": f"http://127.0.0.1:9200/v2/index.php?Signature={SIGNATURE}",
            "headers": {"Authorization": f"TC3-HMAC-SHA256 Credential=AKIDtest/2024-05-01/cmq/"
                                         f"tc3_request, SignedHeaders=host, Signature={SIGNATURE}",
                        "X-TC-Token": TOKEN, "Content-Type": "application/json"},
            "body": json.dumps({"SecretKey": SECRET_KEY, "Token": TOKEN, "QueueName": "q"})},
        "response": {"status": 200, "headers": {"Content-Type": "text/plain"},
                     "body": f"echo: Signature={SIGNATURE}&Token={TOKEN}\nAuthorization: "
                             f"Bearer {TOKEN}"},
    }
    other = next(c for c in doc["cases"] if c["verdict"] == "error")
    other["evidence"] = {"request": {"method": "GET", "url": "http://127.0.0.1:9200/",
                                     "headers": [["authorization", f"Bearer {TOKEN}"]],
                                     "body": f"Action=SendMessage&Signature={SIGNATURE}"},
                         "response": {"status": None}}
    doc["errata"] = {"subscription-limit": f"500 Token={TOKEN}"}
    doc["cases"][0]["id"] += f"[Token={TOKEN}]"
    return doc


def test_no_artifact_contains_a_credential(tmp_path: Path, broken: dict[str, Any],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    doc = leaky(broken)
    raw = tmp_path / "results.json"
    raw.write_text(json.dumps(doc))
    assert all(s in raw.read_text() for s in SECRETS)  # the input really is leaky

    artifacts = [write_html(doc, tmp_path / "report.html")]
    for name in ("compare.md", "compare.html"):
        main(["compare", "--baseline", str(raw), str(raw), "-o", str(tmp_path / name)])
        artifacts.append(tmp_path / name)
    # The gate's stderr listing names regressing cases and their messages.
    reference = tmp_path / "reference.json"
    reference.write_text(json.dumps(sample("reference-emulator")))
    assert main(["compare", "--baseline", str(reference), str(raw), "--subset", "-o",
                 str(tmp_path / "gate.md")]) == 1
    artifacts.append(tmp_path / "gate.md")
    console = capsys.readouterr()

    stream = io.StringIO()
    with RunProgress(total=3, quiet=True, stream=stream) as progress:
        for case in doc["cases"][:3]:
            progress.update("fail", case["id"], case["message"] + f" Signature={SIGNATURE}")
        progress.finish(report=tmp_path / "report.html")

    texts = {str(p.name): p.read_text() for p in artifacts}
    texts["stdout+stderr"] = console.out + console.err
    texts["progress"] = stream.getvalue()
    for name, text in texts.items():
        for secret in SECRETS:
            assert secret not in text, f"a credential leaked into {name}"
    assert "SignatureFailure" in texts["report.html"]  # redaction kept the useful parts
    assert "Credential=AKIDtest/2024-05-01/cmq/tc3_request" in texts["report.html"]


def test_environment_credentials_are_scrubbed_even_when_unlabelled(
        tmp_path: Path, reference: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", SECRET_KEY)
    doc = copy.deepcopy(reference)
    doc["cases"][0]["verdict"] = "fail"
    doc["cases"][0]["message"] = f"the server echoed {SECRET_KEY} back"
    html = write_html(doc, tmp_path / "report.html").read_text()
    assert SECRET_KEY not in html and "the server echoed *** back" in html
