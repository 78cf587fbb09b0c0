"""Property-based fuzz mode: schemathesis over the OpenAPI export, judged by the checks.

:func:`fuzz_action` generates N request bodies for one action from
:func:`cmqconform.spec.openapi.openapi_document`, sends each through the target's real dialect
(:mod:`.transport`), reads back what reached the wire (:mod:`.wire`), runs the built-in checks
plus :data:`.checks.FUZZ_CHECKS`, and returns one :class:`~cmqconform.verdicts.Verdict`.
``cmqconform run --fuzz`` collects one such item per action and surface (``suites/fuzz``).
"""

from cmqconform.fuzz.engine import fuzz_action, fuzz_id

__all__ = ["fuzz_action", "fuzz_id"]
