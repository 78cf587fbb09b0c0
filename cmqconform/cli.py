"""The ``cmqconform`` command: a thin front over the stages."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from cmqconform import __version__
from cmqconform.errors import CmqConformError, ConfigError


def _spec_root(args: argparse.Namespace) -> Path | None:
    return Path(args.specs) if args.specs else None


def cmd_spec_lint(args: argparse.Namespace) -> int:
    """Validate every spec file and cross-reference; print problems as file:line."""
    from cmqconform.spec.lint import lint

    problems = lint(_spec_root(args))
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("specs OK")
    return 0


def cmd_spec_stats(args: argparse.Namespace) -> int:
    """Print per-surface counts."""
    from cmqconform.spec import load_specs
    from cmqconform.spec.export import stats

    figures = stats(load_specs(_spec_root(args)))
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    keys = list(next(iter(figures.values())))
    print(f"{'':24}" + "".join(f"{api:>12}" for api in figures))
    for key in keys:
        print(f"{key:24}" + "".join(f"{figures[api][key]:>12}" for api in figures))
    return 0


def cmd_spec_export(args: argparse.Namespace) -> int:
    """Print the normalised document of one surface (``--format openapi``: OpenAPI 3.1)."""
    from cmqconform.spec import load_specs
    from cmqconform.spec.export import export
    from cmqconform.spec.openapi import openapi_document

    specs = load_specs(_spec_root(args))
    if args.api not in specs.apis:
        raise ConfigError(f"--api {args.api}: no such surface; the specs define "
                          f"{', '.join(specs.apis)}")
    doc = openapi_document(specs, [args.api]) if args.format == "openapi" \
        else export(specs, args.api)
    print(json.dumps(doc, indent=2))
    return 0


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (the usage itself is one ``--help`` away)."""

    def error(self, message: str) -> NoReturn:
        """Print ``prog: error: message (see prog --help)`` and exit 2."""
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser: argparse.ArgumentParser = Parser(
        prog="cmqconform",
        description="Contract conformance suites for cloud messaging APIs, driven by specs of "
                    "every action, parameter range and error code.",
        epilog="Exit codes: 0 success; 1 failing cases (run, compare, mutate), violations (replay) "
               "or spec problems (lint); 2 a usage, configuration or input error.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--specs", help="specs directory (default: the bundled specs/)")
    sub = parser.add_subparsers(dest="command", required=True)

    spec = sub.add_parser("spec", help="inspect the specs").add_subparsers(dest="spec_command",
                                                                           required=True)
    lint_p = spec.add_parser("lint", help="validate every spec file and cross-reference")
    lint_p.set_defaults(func=cmd_spec_lint)
    stats_p = spec.add_parser("stats", help="counts per API surface")
    stats_p.add_argument("--json", action="store_true", help="print the counts as JSON")
    stats_p.set_defaults(func=cmd_spec_stats)
    export_p = spec.add_parser("export", help="normalised JSON document of one surface")
    export_p.add_argument("--api", required=True, metavar="SURFACE",
                          help="a surface id from the specs (cmqconform spec stats lists them)")
    export_p.add_argument("--format", choices=["json", "openapi"], default="json",
                          help="json: the normalised document; openapi: OpenAPI 3.1, one "
                               "synthetic path per action")
    export_p.set_defaults(func=cmd_spec_export)
    # Each stage registers its own subcommands; imported here so `spec` stays importable alone.
    from cmqconform.emulator.cli import add_serve_parser
    from cmqconform.mutate import add_mutate_parser
    from cmqconform.proxy.cli import add_proxy_parsers
    from cmqconform.reporting.compare import register as add_compare_parser
    from cmqconform.run import add_coverage_parser, add_report_parser, add_run_parser
    from cmqconform.spec.extract.command import add_extract_parser

    add_serve_parser(sub)
    add_run_parser(sub)
    add_report_parser(sub)
    add_coverage_parser(spec)
    add_extract_parser(spec)
    add_compare_parser(sub)
    add_mutate_parser(sub)
    add_proxy_parsers(sub)
    _describe(parser)
    return parser


def _describe(parser: argparse.ArgumentParser) -> None:
    """Give every subcommand without a description its one-line help as the description."""
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {choice.dest: choice.help for choice in action._choices_actions}
        for name, child in action.choices.items():
            if not child.description and helps.get(name):
                text = str(helps[name])
                child.description = text[:1].upper() + text[1:] + "."
            _describe(child)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; exit 2 on usage or configuration errors."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except CmqConformError as exc:
        print(f"cmqconform: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # Before a run starts (the preflight, loading specs): nothing to keep, no traceback.
        print("cmqconform: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep the interpreter's final
        # flush of stdout from raising again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return code


if __name__ == "__main__":
    sys.exit(main())
