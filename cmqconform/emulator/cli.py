"""The ``cmqconform serve`` subcommand: run a product's emulator in the foreground.

``--product`` picks the product: its hand-written emulator (``cmqconform/products/<id>/``) where
one exists, else the spec-driven mock of its specs.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from cmqconform.emulator.product import DEFAULT_PRODUCT
from cmqconform.errors import ConfigError


def _port(text: str) -> int:
    """An argparse type: a TCP port number."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port in 0-65535 (0: any free one), "
                                         f"got {value}")
    return value

ENV_ID = "TENCENTCLOUD_SECRET_ID"
ENV_KEY = "TENCENTCLOUD_SECRET_KEY"


def parse_account(text: str) -> tuple[str, str]:
    """``ID:KEY`` -> (id, key); the key is never echoed in the error."""
    secret_id, sep, key = text.partition(":")
    if not sep or not secret_id or not key:
        raise argparse.ArgumentTypeError("--account must look like SECRET_ID:SECRET_KEY")
    return secret_id, key


def parse_token(text: str) -> tuple[str, str]:
    """``ID:TOKEN`` -> (id, token); the token is never echoed in the error."""
    secret_id, sep, token = text.partition(":")
    if not sep or not secret_id or not token:
        raise argparse.ArgumentTypeError("--token must look like SECRET_ID:SESSION_TOKEN")
    return secret_id, token


def accounts_file(path: str | None) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The accounts and session tokens of an ``--accounts-file``: a JSON object
    ``{"accounts": {"ID": "KEY"}, "tokens": {"ID": "TOKEN"}}``. Keys in a file, not on the
    command line, where any process of the machine can read them (``ps``)."""
    if path is None:
        return [], []
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"--accounts-file {path}: cannot read it: {exc.strerror}") from None
    except ValueError as exc:
        raise ConfigError(f"--accounts-file {path}: not JSON: {exc}") from None
    found: dict[str, list[tuple[str, str]]] = {}
    for field in ("accounts", "tokens"):
        table = doc.get(field, {}) if isinstance(doc, dict) else None
        if not isinstance(table, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and k and v for k, v in table.items()):
            raise ConfigError(f"--accounts-file {path}: {field}: expected an object of "
                              f"SecretId -> string")
        found[field] = list(table.items())
    return found["accounts"], found["tokens"]


def accounts_from(args: argparse.Namespace) -> dict[str, str]:
    """Every account the options and the environment name: SecretId -> SecretKey."""
    accounts: dict[str, str] = {}
    secret_id = args.secret_id or os.environ.get(ENV_ID)
    secret_key = args.secret_key or os.environ.get(ENV_KEY)
    if bool(secret_id) != bool(secret_key):
        raise ConfigError("--secret-id and --secret-key go together (or set "
                          f"{ENV_ID} and {ENV_KEY})")
    if secret_id and secret_key:
        accounts[secret_id] = secret_key
    from_file, _ = accounts_file(getattr(args, "accounts_file", None))
    for account_id, key in [*(args.account or ()), *from_file]:
        if account_id in accounts and accounts[account_id] != key:
            raise ConfigError(f"account {account_id} is given twice with different keys")
        accounts[account_id] = key
    if not accounts:
        raise ConfigError(f"no account: give --secret-id/--secret-key, --account ID:KEY, or set "
                          f"{ENV_ID} and {ENV_KEY}")
    return accounts


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve both API surfaces until SIGINT or SIGTERM."""
    from cmqconform.emulator.product import Mutants
    from cmqconform.emulator.server import ServerOptions, serve

    if args.rate_limit is not None and args.rate_limit < 1:
        raise ConfigError(f"--rate-limit must be >= 1: {args.rate_limit}")
    if args.push_time_scale <= 0:
        raise ConfigError(f"--push-time-scale must be > 0: {args.push_time_scale}")
    # The product checks the mutant against its catalog before anything starts: an unknown
    # name is a usage error naming the valid ones.
    options = ServerOptions(product=args.product, mutants=Mutants.of([args.mutant]),
                            rate_limit=args.rate_limit,
                            request_log=Path(args.request_log) if args.request_log else None,
                            name_release_seconds=args.name_release_seconds,
                            push_time_scale=args.push_time_scale,
                            tokens=dict([*(args.token or ()),
                                         *accounts_file(args.accounts_file)[1]]))
    accounts = accounts_from(args)
    unknown = sorted(set(options.tokens) - set(accounts))
    if unknown:
        raise ConfigError(f"--token names no account: {', '.join(unknown)}")
    serve(accounts, args.host, args.port, options, log_level=args.log_level,
          exit_with_parent=args.exit_with_parent)
    return 0


def add_serve_parser(sub: Any) -> None:
    """Register ``serve`` on the CLI's subparsers."""
    p = sub.add_parser("serve", help="run a product's emulator (default: CMQ, both surfaces)",
                       description="Run a product's emulator on loopback: its hand-written one "
                                   "where it has one (CMQ: API 3.0 on / and the legacy API on "
                                   "/v2/index.php, one shared state), else the strict mock made "
                                   "from its specs.")
    p.add_argument("--product", default=DEFAULT_PRODUCT, metavar="PRODUCT",
                   help=f"a product id from the specs (default {DEFAULT_PRODUCT})")
    p.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    p.add_argument("--port", type=_port, default=9000,
                   help="listen port, 0-65535; 0 picks a free one (default 9000)")
    p.add_argument("--secret-id", help=f"SecretId of the default account (or ${ENV_ID})")
    p.add_argument("--secret-key", help=f"its SecretKey (or ${ENV_KEY})")
    p.add_argument("--account", action="append", type=parse_account, metavar="ID:KEY",
                   help="another account with isolated resources (repeatable)")
    p.add_argument("--token", action="append", type=parse_token, metavar="ID:TOKEN",
                   help="make account ID temporary credentials: API 3.0 requests must carry "
                        "this session token (X-TC-Token / Token) (repeatable)")
    p.add_argument("--accounts-file", metavar="FILE",
                   help='accounts and session tokens from a JSON file {"accounts": {ID: KEY}, '
                        '"tokens": {ID: TOKEN}}, kept off the command line')
    p.add_argument("--rate-limit", type=int, metavar="N",
                   help="requests per second per action and account (default: off)")
    p.add_argument("--request-log", metavar="FILE",
                   help="append one JSON line per request (time, surface, action, rate units, "
                        "outcome; never a parameter value) to FILE")
    p.add_argument("--name-release-seconds", type=float, metavar="S",
                   help="how long a deleted name stays reserved (default: the specs' reading)")
    p.add_argument("--push-time-scale", type=float, default=1.0, metavar="F",
                   help="multiply HTTP push retry delays by F (e.g. 0.01 in tests)")
    p.add_argument("--mutant", metavar="NAME",
                   help="switch on one deliberate deviation of the product's catalog "
                        "(docs/mutants.md; for cmqconform mutate, never for real use)")
    p.add_argument("--exit-with-parent", action="store_true",
                   help="stop when the process that started this one exits (how a run starts "
                        "its embedded emulators: killed outright, it leaves none behind)")
    p.add_argument("--log-level", default="info",
                   choices=["debug", "info", "warning", "error"],
                   help="log threshold; info logs one line per request (default info)")
    p.set_defaults(func=cmd_serve)
