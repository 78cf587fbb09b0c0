"""Validate request parameters against an ActionSpec: the first violation becomes a Fault."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cmqconform.models import ActionSpec


def validate(action: ActionSpec, params: Mapping[str, Any], *,
             fallback: Mapping[str, Any] | None = None) -> None:
    """Raise Fault for the first violated constraint of ``params`` (keyed by spec param name).

    ``fallback`` supplies values for parameters not given when a cross-parameter rule compares
    them (the resource's current attributes, else the spec defaults).
    """
    raise NotImplementedError
