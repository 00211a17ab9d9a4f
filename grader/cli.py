"""The ``grader`` command: one subcommand per module in :mod:`grader.commands`.

Exit codes: 0 when the work was done (whatever the scores), 2 for usage or spec errors,
1 for an unexpected failure of the grader itself. Errors are one line; ``--debug`` shows
the traceback.
"""

from __future__ import annotations

import os
import sys

from grader import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

COMMANDS = [
    "check",
    "report",
    "daemon",
    "schema",
    "batch",
    "validate",
    "new",
    "export",
    "platform_run",
    "grade_one",
    "doctor",
    "serve",
]
"""Modules in grader.commands; each has ``add_parser(subparsers)`` setting ``func``."""


def chosen_command(argv: list[str]) -> str | None:
    """The command named on the command line (``platform-run`` -> ``platform_run``), if any."""
    for word in argv:
        name = word.replace("-", "_")
        if name in COMMANDS:
            return name
    return None


_parsers: dict[tuple[str | None, str], argparse.ArgumentParser] = {}
"""Built once per command and language: a resident checker builds ``check``'s before it forks
(4 ms)."""


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser, importing only the command that will run.

    Each command module brings its own dependencies (Dask, Jinja2, rich tables, pydantic
    models); importing all of them to run one cost a third of a second at every start.
    Without a command (``grader --help``), every command is loaded to describe them all.
    """
    from grader.cli_words import chosen_lang, speak

    words = sys.argv[1:] if argv is None else argv
    chosen, lang = chosen_command(words), chosen_lang(words)
    speak(lang)  # argparse's own words (usage, errors) in the reader's language
    if (chosen, lang) not in _parsers:
        _parsers[chosen, lang] = _new_parser(chosen, lang)
    return _parsers[chosen, lang]


def _new_parser(chosen: str | None, lang: str = "en") -> argparse.ArgumentParser:
    import importlib

    from grader.cli_words import parser_class

    parser = parser_class(lang)(prog="grader", description="Grade TCP socket programming assignments.")
    parser.add_argument("--version", action="version", version=f"grader {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of grader errors")
    parser.add_argument(
        "--lang",
        dest="lang_all",
        choices=["en", "zh"],
        default=None,
        help="language of every message, for any command (default: GRADER_LANG, else the locale)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        if chosen is not None and name != chosen:
            sub.add_parser(name.replace("_", "-"))  # a placeholder: never run, never shown
            continue
        try:
            module = importlib.import_module(f"grader.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"grader.commands.{name}":
                continue  # a command not built into this version
            raise
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None, *, resident: bool = True) -> int:
    """Run one command; ``check`` goes to a resident checker when one runs (``resident=False``
    is how that checker runs it itself).

    On the command line (``argv`` None), a check a resident checker answered ends this
    process at once: it has nothing of its own to clean up, and the interpreter's teardown
    would be 2 ms more of a check that takes 0.1 s.
    """
    words = sys.argv[1:] if argv is None else argv
    checked_here = False
    if resident and chosen_command(words) == "check" and _resident_possible(words):
        from grader.resident.client import forward_check

        code = forward_check(words)
        if code is not None:
            if argv is None:
                for stream in (sys.stdout, sys.stderr):
                    if stream is not None:
                        stream.flush()
                os._exit(code)
            return code
        checked_here = True
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if args.lang_all is not None:  # ``grader --lang zh COMMAND``: as GRADER_LANG=zh would
        os.environ["GRADER_LANG"] = args.lang_all
        if getattr(args, "lang", None) is None:
            args.lang = args.lang_all
    code = _run(args)
    if checked_here and code != 130:  # not after Ctrl-C
        from grader.resident.autostart import start_after_check

        start_after_check(getattr(args, "lang", None))
    return code


def _resident_possible(words: list[str]) -> bool:
    """The resident checker forks and listens on a Unix socket: never in portable mode."""
    from grader.sandbox.platform_caps import portable_chosen, requested_in

    return not portable_chosen(requested_in(words))


def _run(args: argparse.Namespace) -> int:
    """The chosen command's exit code; its errors as one line each."""
    import traceback

    from grader.cli_words import error_line
    from grader.errors import SpecError, UsageError
    from grader.i18n import default_lang, gettext_for

    lang = getattr(args, "lang", None) or default_lang()
    _ = gettext_for(lang)
    try:
        return int(args.func(args) or 0)
    except SpecError as exc:
        print(error_line(lang, "\n".join(exc.lines(lang))), file=sys.stderr)
        return 2
    except UsageError as exc:
        print(error_line(lang, str(exc)), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(_("grader: interrupted"), file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            traceback.print_exc()
        print(
            _("grader: internal error: {error} (run with --debug for details)").format(
                error=f"{type(exc).__name__}: {exc}"
            ),
            file=sys.stderr,
        )
        return 1
