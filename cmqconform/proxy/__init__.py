"""The validating, recording reverse proxy, and the replay of what it recorded.

``cmqconform proxy --upstream URL`` forwards every request untouched and judges each exchange
with the suite's own pieces: the request is decoded as the emulator's gateway decodes it
(:mod:`cmqconform.emulator.wire`), its parameters are judged by the one constraint evaluator
(:mod:`cmqconform.spec.constraints`), the answer by the dialect's decoder and the checks registry
(:mod:`cmqconform.checks`). Layout:

- :mod:`.exchange` — the recorded exchange (what a cassette line holds), redacted;
- :mod:`.judge` — exchange -> surface, action, violations, a results.json case;
- :mod:`.recorder` — live lines, the case log, the cassette, results.json and report.html;
- :mod:`.server` — the ASGI proxy (forwarding, upstream faults in the dialect's error shape);
- :mod:`.replay` — re-judging a cassette offline, and serving it as a stub upstream;
- :mod:`.cli` — the ``proxy`` and ``replay`` subcommands.
"""
