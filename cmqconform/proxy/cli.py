"""The ``proxy`` and ``replay`` subcommands."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Any

from cmqconform.dialects.redaction import redact_text
from cmqconform.errors import ConfigError

#: Exit code when the traffic broke at least one clause (``replay``), as a CI gate reads it.
EXIT_VIOLATIONS = 1


def _host_port(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"--listen must look like HOST:PORT: {text!r}")
    return host or "127.0.0.1", int(port)


def _judge(args: argparse.Namespace) -> Any:
    from cmqconform.proxy.judge import Judge
    from cmqconform.spec import load_specs

    specs = load_specs(Path(args.specs) if getattr(args, "specs", None) else None)
    products = [args.product] if args.product else None
    if args.product and args.product not in specs.products:
        raise ConfigError(f"--product {args.product}: no such product; the specs define "
                          f"{', '.join(specs.products)}")
    return specs, Judge(specs, products)


def _run_until_signal(app: Any, host: str, port: int) -> None:
    import uvicorn

    # uvicorn re-raises the signal it stopped on once shut down; a no-op handler turns that
    # into a normal return, so the reports are written and a clean stop exits 0.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False,
                log_config=None, lifespan="on", timeout_graceful_shutdown=3)


def _line(text: str) -> None:
    print(text, flush=True)


def cmd_proxy(args: argparse.Namespace) -> int:
    """Forward to the upstream, judge every exchange, write the reports on SIGINT/SIGTERM."""
    from cmqconform.proxy.recorder import Recorder
    from cmqconform.proxy.server import Proxy, create_proxy_app

    if not args.upstream.startswith(("http://", "https://")):
        raise ConfigError(f"--upstream must be an http:// or https:// URL: "
                          f"{redact_text(args.upstream)}")
    if args.timeout <= 0:
        raise ConfigError(f"--timeout must be > 0: {args.timeout}")
    specs, judge = _judge(args)
    host, port = args.listen
    shown = redact_text(args.upstream)
    target = {"name": f"proxy to {shown}", "url": shown, "embedded": False, "kind": "proxy"}
    recorder = Recorder(specs, tuple(judge.apis), Path(args.report_dir), target=target,
                        cassette=Path(args.record) if args.record else None, out=_line,
                        meta={"argv": sys.argv, "mode": "proxy", "upstream": shown,
                              "listen": f"{host}:{port}"})
    proxy = Proxy(args.upstream, judge, recorder.add, timeout=args.timeout)
    _line(f"cmqconform proxy on http://{host}:{port} -> {shown} "
          f"({', '.join(judge.apis)}); Ctrl-C writes the reports")
    try:
        _run_until_signal(create_proxy_app(proxy), host, port)
    finally:
        recorder.finish(interrupted=True)
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    """Re-judge a cassette offline, or serve it as a stub upstream."""
    from cmqconform.proxy.recorder import Recorder
    from cmqconform.proxy.replay import Stub, create_stub_app, read_cassette

    exchanges = read_cassette(Path(args.cassette))
    specs, judge = _judge(args)
    if args.serve:
        host, port = args.listen
        _line(f"cmqconform replay: {len(exchanges)} recorded exchange(s) served on "
              f"http://{host}:{port}; Ctrl-C stops")
        _run_until_signal(create_stub_app(Stub(exchanges, judge)), host, port)
        return 0
    target = {"name": f"cassette {Path(args.cassette).name}", "embedded": False,
              "kind": "proxy"}
    recorder = Recorder(specs, tuple(judge.apis),
                        Path(args.report_dir) if args.report_dir else None, target=target,
                        out=_line, meta={"argv": sys.argv, "mode": "replay",
                                         "cassette": str(args.cassette)})
    for rec in exchanges:
        recorder.add(judge.judge(rec))
    recorder.finish(interrupted=False)
    return EXIT_VIOLATIONS if recorder.violations else 0


def add_proxy_parsers(sub: Any) -> None:
    """Register ``proxy`` and ``replay`` on the CLI's subparsers."""
    p = sub.add_parser("proxy", help="a validating, recording reverse proxy",
                       description="Forward every request untouched to --upstream and judge "
                                   "each exchange against the specs: one line per violation; "
                                   "results.json and report.html on SIGINT/SIGTERM "
                                   "(docs/proxy.md).")
    p.add_argument("--upstream", required=True, metavar="URL",
                   help="where requests go (an emulator, a mock, a service)")
    p.add_argument("--product", metavar="PRODUCT",
                   help="judge against this product's surfaces only (default: every product)")
    p.add_argument("--listen", type=_host_port, default=("127.0.0.1", 8080),
                   metavar="HOST:PORT", help="listen address (default 127.0.0.1:8080)")
    p.add_argument("--record", metavar="FILE", help="write a redacted cassette of the exchanges")
    p.add_argument("--report-dir", default="reports/proxy", metavar="DIR",
                   help="where results.json and report.html go (default reports/proxy)")
    p.add_argument("--timeout", type=float, default=60.0, metavar="S",
                   help="seconds the upstream has to answer before the client gets 504 "
                        "(default 60: long polls last up to 30 s)")
    p.set_defaults(func=cmd_proxy)

    r = sub.add_parser("replay", help="re-judge a proxy cassette offline, or serve it",
                       description="Re-judge a cassette written by proxy --record against "
                                   "the current specs (exit 1 when it breaks a clause), or "
                                   "answer its recorded requests as a stub upstream (--serve).")
    r.add_argument("cassette", metavar="FILE", help="a cassette written by proxy --record")
    r.add_argument("--product", metavar="PRODUCT", help="judge against this product only")
    r.add_argument("--report-dir", metavar="DIR",
                   help="also write results.json and report.html of the re-judged exchanges")
    r.add_argument("--serve", action="store_true", help="answer recorded requests as a stub")
    r.add_argument("--listen", type=_host_port, default=("127.0.0.1", 8080),
                   metavar="HOST:PORT", help="with --serve: listen address")
    r.set_defaults(func=cmd_replay)
