"""Every subcommand has a description and every option a help text."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from cmqconform.cli import build_parser


def _parsers(parser: argparse.ArgumentParser, name: str = "cmqconform"
             ) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub, child in action.choices.items():
                yield from _parsers(child, f"{name} {sub}")


def test_every_subcommand_and_option_is_described() -> None:
    missing = []
    for name, parser in _parsers(build_parser()):
        if not parser.description:
            missing.append(f"{name}: no description")
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
                continue
            if not action.help:
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}: no help")
    assert missing == []


def test_no_help_text_shows_markup() -> None:
    """Help is plain text: no reStructuredText or markdown backticks."""
    shown = [name for name, parser in _parsers(build_parser())
             if "`" in f"{parser.description or ''}{parser.epilog or ''}"
             or any("`" in str(a.help or "") for a in parser._actions)]
    assert shown == []
