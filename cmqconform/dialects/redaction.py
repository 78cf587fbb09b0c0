"""Scrub credentials from anything captured or shown: strings, headers, whole documents.

The session redacts evidence and a target's messages when it captures them (a target may quote
the request back); reports redact again because a results.json may come from another tool, an
older version, or a hand-edited file, and a report is published. Masking is by name
(``Signature``, ``SecretKey``, ``Token``, ``Authorization``...) in every form a request can carry
it — query and form pairs, JSON members, header lines, dict keys — plus any literal secret value
the caller knows.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any

from cmqconform.dialects.credentials import MASK

#: Names (case-insensitive) whose values are credentials or derived from them.
SECRET_NAMES = frozenset({
    "signature", "secretkey", "secret_key", "token", "x-tc-token", "sessiontoken",
    "session_token", "x-tc-secretkey", "authorization", "password", "x-auth-token",
})
#: Environment variables whose values are scrubbed literally wherever they appear.
SECRET_ENV = ("TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_SESSION_TOKEN", "TENCENTCLOUD_TOKEN",
              "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_IAM_TOKEN")

_NAMES = (r"Signature|Secret[-_]?Key|Token|X-TC-Token|Session[-_]?Token|X-TC-SecretKey|Password")
# ``Signature=...`` in a query, a form or a TC3 Authorization value; ``%3D`` when URL-encoded.
_PAIR = re.compile(rf"(?i)(?<![A-Za-z0-9_])({_NAMES})(=|%3D)([^&\s,;\"'<>]+)")
# ``SecretKey abc`` / ``secret_key: abc`` in prose: key names no ordinary word follows.
_PROSE = re.compile(
    r"(?i)(?<![A-Za-z0-9_-])(SecretKey|Secret_Key|Secret Key)(\s*[:=]\s*[\"']?|\s+)"
    # A config error about the key ("secret_key: unknown key") is a message, not a secret.
    r"(?!(?:unknown|missing|expected|must|is|not|environment|literal|a|an|the)\b)"
    r"([^\s,;\"'<>]+)")
# ``"Signature": "..."`` in JSON text (also Authorization, whose value is all credential).
_JSON = re.compile(rf'(?i)("(?:{_NAMES}|Authorization)"\s*:\s*")((?:[^"\\]|\\.)*)(")')
# ``Authorization: ...`` / ``X-TC-Token: ...`` header lines in free text.
_HEADER_LINE = re.compile(
    r"(?im)^([ \t]*(?:authorization|x-tc-token|x-tc-secretkey|x-auth-token)[ \t]*:[ \t]*)(.+)$")
# ``https://user:password@host`` in a target URL.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s:]+:[^/@\s]+@")


def _authorization(value: str) -> str:
    # A TC3 value keeps its algorithm, credential scope and signed headers: they help debugging
    # and hold no key material. Anything else is masked whole.
    if re.search(r"(?i)\bSignature=", value):
        return _PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", value)
    return MASK


def env_secrets() -> tuple[str, ...]:
    """The secret values set in the environment (the credentials a run may have used)."""
    return tuple(v for name in SECRET_ENV if (v := os.environ.get(name, "")) and len(v) >= 4)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every credential-looking value and every literal secret masked."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    text = _USERINFO.sub(rf"\g<1>{MASK}@", text)
    text = _HEADER_LINE.sub(lambda m: m.group(1) + _authorization(m.group(2)), text)
    text = _JSON.sub(lambda m: f"{m.group(1)}{_json_value(m)}{m.group(3)}", text)
    text = _PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    return _PROSE.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)


def _json_value(match: re.Match[str]) -> str:
    name = match.group(1).strip('"').split('"')[0].lower()
    return _authorization(match.group(2)) if name == "authorization" else MASK


def redact_value(name: str, value: Any, secrets: Iterable[str] = ()) -> Any:
    """A named value (a header, a parameter, a JSON member) fit to show."""
    lower = name.lower()
    if lower == "authorization" and isinstance(value, str):
        return redact_text(_authorization(value), secrets)
    if lower in SECRET_NAMES:
        return MASK if value not in (None, "") else value
    return redact(value, secrets)


def redact(value: Any, secrets: Iterable[str] = ()) -> Any:
    """A deep copy of ``value`` (str, dict, list, scalars) with every credential masked."""
    secrets = tuple(secrets)
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, dict):
        return {k: redact_value(str(k), v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_pair(v, secrets) for v in value]
    return value


def _pair(item: Any, secrets: tuple[str, ...]) -> Any:
    # Headers often travel as [name, value] pairs (httpx multi_items, HAR).
    if isinstance(item, list | tuple) and len(item) == 2 and isinstance(item[0], str):
        return [redact_text(item[0], secrets), redact_value(item[0], item[1], secrets)]
    return redact(item, secrets)
