"""An upstream emulator and the proxy in front of it, on loopback, with what the proxy said."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cmqconform.emulator.product import Mutants
from cmqconform.emulator.server import EmulatorServer, ServerOptions
from cmqconform.proxy.judge import Judge, Judgement
from cmqconform.proxy.recorder import Recorder
from cmqconform.proxy.server import Proxy, ProxyServer
from cmqconform.spec import load_specs

SID = "AKIDproxyaccount0001"
SKEY = "proxy-secret-key-000000001"
#: Huawei ROMA: the SDK's AK/SK, and the token the embedded emulator issues.
AK, SK, TOKEN = "HPUAPROXYTEST000001", "roma-proxy-secret-key-0000000000", "roma-proxy-token"


@dataclass
class Run:
    """A proxied run: the proxy's URL, its recorder, and every judgement and printed line."""

    url: str
    upstream: str
    recorder: Recorder
    report_dir: Path
    judgements: list[Judgement] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def violations(self, side: str | None = None) -> list[Any]:
        """Every violation found, optionally of one side only."""
        return [v for j in self.judgements for v in j.violations if side in (None, v.side)]

    def clauses(self, side: str | None = None) -> set[str]:
        """The ids of the clauses broken."""
        return {v.clause_id for v in self.violations(side)}


@contextmanager
def proxied_to(upstream: str, report_dir: Path, *, product: str | None = None,
               cassette: Path | None = None, timeout: float = 10.0) -> Iterator[Run]:
    """The proxy in front of ``upstream``; the reports are written when the block ends."""
    specs = load_specs()
    judge = Judge(specs, [product] if product else None)
    lines: list[str] = []
    recorder = Recorder(specs, tuple(judge.apis), report_dir,
                        target={"name": "proxy (test)", "url": upstream, "kind": "proxy"},
                        cassette=cassette, out=lines.append)
    run = Run("", upstream, recorder, report_dir, lines=lines)

    def sink(judgement: Judgement) -> None:
        run.judgements.append(judgement)
        recorder.add(judgement)

    with ProxyServer(Proxy(upstream, judge, sink, timeout=timeout)) as url:
        run.url = url
        try:
            yield run
        finally:
            recorder.finish(interrupted=False)


@contextmanager
def proxied(report_dir: Path, *, product: str = "cmq", mutant: str | None = None,
            cassette: Path | None = None) -> Iterator[Run]:
    """A fresh emulator of ``product`` (with ``mutant`` on) and the proxy in front of it."""
    options = ServerOptions(product=product, mutants=Mutants.of([mutant] if mutant else []),
                            tokens={AK: TOKEN} if product == "roma" else {})
    accounts = {AK: SK} if product == "roma" else {SID: SKEY}
    with EmulatorServer(accounts, options=options) as upstream, \
            proxied_to(upstream, report_dir, product=product, cassette=cassette) as run:
        yield run
