"""The Secret wrapper and Credentials never show key material."""

from __future__ import annotations

import logging
import pickle

import pytest

from cmqconform.dialects.credentials import Credentials, Secret

KEY = "very-secret-key-123"


def test_secret_hides_itself_everywhere(caplog: pytest.LogCaptureFixture) -> None:
    secret = Secret(KEY)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("t").debug("key %s %r", secret, secret)
    for text in (repr(secret), str(secret), f"{secret}", f"{secret!r}", f"{secret:>30}",
                 caplog.text, repr([secret]), repr({"k": secret})):
        assert KEY not in text
    assert secret.reveal() == KEY


def test_secret_equality_without_exposure() -> None:
    assert Secret(KEY) == Secret(KEY) and Secret(KEY) != Secret("other")
    assert Secret(KEY) != KEY  # never equal to the bare string: no accidental comparisons


def test_credentials_repr_masks_key_token_and_shortens_id() -> None:
    creds = Credentials.of("AKIDabcdefgh", KEY, "tok-123456")
    text = repr(creds) + str(creds)
    assert KEY not in text and "tok-123456" not in text and "AKIDabcdefgh" not in text
    assert "AKID***" in text
    assert creds.secrets() == (KEY, "tok-123456")


def test_no_token_means_none() -> None:
    assert Credentials.of("AKID", KEY, "").token is None


def test_secret_refuses_pickling_and_non_strings() -> None:
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(Secret(KEY))
    with pytest.raises(TypeError, match="wraps a str"):
        Secret(123)  # type: ignore[arg-type]
