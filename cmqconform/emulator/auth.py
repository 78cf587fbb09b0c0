"""Signature verification of the three dialects, against the Host header exactly as received.

The canonical strings come from :mod:`cmqconform.dialects.signing`, the same pure functions the
suite signs with. A refusal is a :class:`Fault` naming one errors.yaml condition:
``missing_auth`` (no signature or SecretId), ``secret_id_not_found``, ``signature_expired``
(timestamp further from now than the surface's ``timestamp_skew_seconds``) or
``signature_failure``. Messages never carry a secret or a signature.
"""

from __future__ import annotations

import hmac
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from cmqconform.dialects.signing import (
    HMAC_METHODS,
    TC3_ALGORITHM,
    hmac_base64,
    tc3_canonical_request,
    tc3_date,
    tc3_signature,
    tc3_string_to_sign,
    v1_string_to_sign,
)
from cmqconform.emulator.faults import Fault
from cmqconform.emulator.product import NO_MUTANTS, Mutants
from cmqconform.emulator.wire import CMQ_LEGACY, TC3, WireRequest

DEFAULT_HMAC = "HmacSHA1"

_TC3_AUTH = re.compile(
    r"^TC3-HMAC-SHA256\s+Credential=(?P<sid>[^/\s,]+)/(?P<date>[^/\s,]+)/(?P<service>[^/\s,]+)"
    r"/tc3_request\s*,\s*SignedHeaders=(?P<headers>[^,\s]+)\s*,\s*Signature=(?P<sig>[0-9a-fA-F]+)\s*$"
)


@dataclass(frozen=True, slots=True)
class AccountKeys:
    """The accounts a server knows: SecretId -> SecretKey (the key never leaves this object)."""

    keys: Mapping[str, str]
    #: SecretId -> session token, for accounts that are temporary credentials.
    tokens: Mapping[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"AccountKeys({sorted(self.keys)!r})"

    def check_token(self, secret_id: str, given: str | None,
                    mutants: Mutants = NO_MUTANTS) -> None:
        """Fault ``invalid_token`` unless a temporary ``secret_id`` came with its own token."""
        token = self.tokens.get(secret_id)
        if token is not None and not mutants.active("session-token-unchecked") \
                and not hmac.compare_digest(token.encode(), (given or "").encode()):
            raise Fault("invalid_token", "the session token does not belong to the SecretId",
                        "Token")

    def key_of(self, secret_id: str) -> str:
        """The SecretKey of ``secret_id``; Fault ``secret_id_not_found`` when unknown."""
        try:
            return self.keys[secret_id]
        except KeyError:
            raise Fault("secret_id_not_found", "the SecretId does not exist", "SecretId") from None


def _timestamp(text: str | None, name: str, now: float, skew: int, mutants: Mutants) -> int:
    if text is None or text == "":
        raise Fault("missing_parameter", f"the common parameter {name} is missing", name)
    try:
        stamp = int(text)
    except ValueError:
        raise Fault("invalid_type", f"{name} must be an integer: {text!r}", name) from None
    # Whole seconds on both sides: the window is the same width before and after now.
    if abs(int(now) - stamp) > skew and not mutants.active("timestamp-window-unchecked"):
        raise Fault("signature_expired",
                    f"{name}={stamp} is more than {skew} s away from the server time "
                    f"{int(now)}", name)
    return stamp


class NonceLedger:
    """The (SecretId, Nonce, Timestamp) of every signed request still inside the timestamp
    window: the same triple again is a replay (cmq-api.txt:311, 4500)."""

    #: Bounded: past this many, the oldest half is forgotten (a flood must not grow memory).
    LIMIT = 100_000

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str, str], float] = {}
        self._lock = threading.Lock()

    def check(self, secret_id: str, nonce: str, stamp: str, now: float, skew: int) -> None:
        """Note the triple; Fault ``replayed_nonce`` when it was seen within the window."""
        key = (secret_id, nonce, stamp)
        with self._lock:
            if len(self._seen) >= self.LIMIT:
                self._seen = {k: v for k, v in self._seen.items() if v > now}
                if len(self._seen) >= self.LIMIT:
                    self._seen = dict(list(self._seen.items())[self.LIMIT // 2:])
            expires = self._seen.get(key)
            if expires is not None and expires > now:
                raise Fault("replayed_nonce", f"Nonce {nonce} with Timestamp {stamp} was "
                                              f"already used: a replayed request", "Nonce")
            self._seen[key] = now + 2 * skew + 1


def verify(request: WireRequest, accounts: AccountKeys, now: float, skew: int, *,
           mutants: Mutants = NO_MUTANTS, nonces: NonceLedger | None = None) -> str:
    """Check the request's signature; return the SecretId it was signed with.

    ``nonces``: refuse a v1 request whose Nonce and Timestamp were already used (only where the
    surface specs the ``replayed_nonce`` condition).
    """
    if request.dialect == TC3:
        return _verify_tc3(request, accounts, now, skew, mutants)
    secret_id = _verify_hmac(request, accounts, now, skew, mutants)
    if nonces is not None and not mutants.active("nonce-replay-unchecked"):
        nonces.check(secret_id, request.flat.get("Nonce", ""),
                     request.flat.get("Timestamp", ""), now, skew)
    return secret_id


def _verify_tc3(request: WireRequest, accounts: AccountKeys, now: float, skew: int,
                mutants: Mutants) -> str:
    header = request.headers.get("authorization")
    if not header:
        raise Fault("missing_auth", "the Authorization header is missing", "Authorization")
    match = _TC3_AUTH.match(header)
    if match is None:
        if not header.startswith(TC3_ALGORITHM):
            raise Fault("signature_failure",
                        f"unsupported Authorization scheme; expected {TC3_ALGORITHM}",
                        "Authorization")
        raise Fault("missing_auth", "the Authorization header is malformed", "Authorization")
    secret_id = match["sid"]
    key = accounts.key_of(secret_id)
    stamp = _timestamp(request.headers.get("x-tc-timestamp"), "X-TC-Timestamp", now, skew,
                       mutants)
    if match["date"] != tc3_date(stamp):
        raise Fault("signature_failure",
                    f"the credential date {match['date']} is not the UTC date of X-TC-Timestamp",
                    "Authorization")
    signed = match["headers"].split(";")
    headers = request.headers
    if mutants.active("tc3-content-type-parameters-ignored"):
        # The media type's parameters (a charset) dropped before the canonical headers.
        headers = {**headers, "content-type": headers.get("content-type", "").split(";")[0]}
    canonical = tc3_canonical_request(request.method, request.path, request.query,
                                      headers, signed, request.body)
    expected = tc3_signature(key, stamp, match["service"],
                             tc3_string_to_sign(stamp, match["service"], canonical))
    if not hmac.compare_digest(expected, match["sig"].lower()) \
            and not mutants.active("signature-unchecked"):
        raise Fault("signature_failure", "the signature does not match the request",
                    "Authorization")
    accounts.check_token(secret_id, request.headers.get("x-tc-token"), mutants)
    return secret_id


def _verify_hmac(request: WireRequest, accounts: AccountKeys, now: float, skew: int,
                 mutants: Mutants) -> str:
    flat = request.flat
    secret_id = flat.get("SecretId")
    signature = flat.get("Signature")
    if not secret_id:
        raise Fault("missing_auth", "the common parameter SecretId is missing", "SecretId")
    if not signature:
        raise Fault("missing_auth", "the common parameter Signature is missing", "Signature")
    key = accounts.key_of(secret_id)
    _timestamp(flat.get("Timestamp"), "Timestamp", now, skew, mutants)
    method = flat.get("SignatureMethod", "")
    if method not in HMAC_METHODS:
        # Both docs: any value other than HmacSHA256 means SHA1 (cmq-api.txt:315, 4650).
        method = DEFAULT_HMAC
    message = v1_string_to_sign(request.method, request.host, request.path, flat)
    expected = hmac_base64(key, message, method)
    if mutants.active("hmac-method-either"):
        # Whichever HMAC matches: the declared SignatureMethod binds nothing.
        expected = next((e for e in (hmac_base64(key, message, m) for m in HMAC_METHODS)
                         if hmac.compare_digest(e.encode(), signature.encode())), expected)
    if not hmac.compare_digest(expected.encode(), signature.encode()) \
            and not mutants.active("signature-unchecked"):
        raise Fault("signature_failure", "the signature does not match the request", "Signature")
    if request.dialect != CMQ_LEGACY:
        # The legacy doc names a Token parameter (cmq-api.txt:4507) but no code for a wrong one.
        accounts.check_token(secret_id, flat.get("Token"), mutants)
    return secret_id
