"""The ``grader`` command: one subcommand per module in :mod:`grader.commands`.

Exit codes: 0 when the work was done (whatever the scores), 2 for usage or spec errors,
1 for an unexpected failure of the grader itself. Errors are one line; ``--debug`` shows
the traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback

from grader import __version__
from grader.errors import UsageError
from grader.spec_yaml import SpecError

COMMANDS = ["check", "schema", "batch", "validate", "new", "export", "platform_run", "grade_one"]
"""Modules in grader.commands; each has ``add_parser(subparsers)`` setting ``func``."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grader", description="Grade TCP socket programming assignments.")
    parser.add_argument("--version", action="version", version=f"grader {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of grader errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"grader.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"grader.commands.{name}":
                continue  # a command not built into this version
            raise
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (SpecError, UsageError) as exc:
        print(f"grader: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("grader: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            traceback.print_exc()
        print(f"grader: internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
              file=sys.stderr)
        return 1
