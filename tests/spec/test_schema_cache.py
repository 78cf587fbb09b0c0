"""The meta-validation cache: a clean file is validated once across processes, a broken one
every time (its problems are reported on every load)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmqconform.spec import loader
from cmqconform.spec.yamlio import parse_yaml

#: A product.yaml meeting the schema (the real one: the cache is about real files).
CLEAN = (Path(__file__).resolve().parents[2] / "specs" / "cmq" / "product.yaml").read_bytes()


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(loader.CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(loader, "_SCHEMA_ERRORS", {})
    return tmp_path


def markers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def errors(content: bytes) -> list[str]:
    doc = parse_yaml(content.decode(), "product.yaml")
    return [e.message for e in loader._schema_errors("product", content, doc)]


def test_a_file_met_once_is_not_validated_again(cache: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    first = errors(CLEAN)
    if first:
        pytest.fail(f"the sample product.yaml no longer meets the schema: {first}")
    assert len(markers(cache)) == 1
    # Another process (a fresh in-memory cache) whose validators would find everything wrong.
    monkeypatch.setattr(loader, "_SCHEMA_ERRORS", {})
    monkeypatch.setattr(loader, "_validators", lambda: pytest.fail("validated again"))
    assert errors(CLEAN) == []


def test_a_broken_file_is_validated_every_time(cache: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    broken = CLEAN.replace(b"title: Cloud Message Queue\n", b"title: [1]\n")
    assert broken != CLEAN
    assert errors(broken) and markers(cache) == []
    monkeypatch.setattr(loader, "_SCHEMA_ERRORS", {})
    assert errors(broken)


def test_off_disables_it(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(loader.CACHE_ENV, "off")
    errors(CLEAN)
    assert markers(cache) == []
