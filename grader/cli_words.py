"""The command line in its reader's language: our help texts, and argparse's own words.

The language is chosen before anything is parsed (``--lang zh`` anywhere on the line, else
``GRADER_LANG`` or the locale), because argparse words its usage, its section titles and its
errors as it builds and parses. Our help texts stay English in the code (they are the gettext
message ids, in ``cli.po``) and are translated as a help page is formatted; argparse's own words
(``usage:``, ``options``, ``error:``, ``the following arguments are required``) go through the
module functions ``argparse._`` and ``argparse.ngettext``, which argparse reads at each use
so that a program can translate them: :func:`speak` points them at the same catalog.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from grader.i18n import LANGUAGES, default_lang, translations


def chosen_lang(argv: Sequence[str]) -> str:
    """``--lang X`` or ``--lang=X`` where the line gives one, else the user's default."""
    for i, word in enumerate(argv):
        if word == "--lang" and i + 1 < len(argv) and argv[i + 1] in LANGUAGES:
            return argv[i + 1]
        if word.startswith("--lang=") and word.removeprefix("--lang=") in LANGUAGES:
            return word.removeprefix("--lang=")
    return default_lang()


def speak(lang: str) -> None:
    """argparse's own words in ``lang`` from now on (this process speaks one language)."""
    words = translations(lang)
    setattr(argparse, "_", words.gettext)  # noqa: B010  (argparse reads these at each use)
    setattr(argparse, "ngettext", words.ngettext)  # noqa: B010


@cache
def parser_class(lang: str) -> type[argparse.ArgumentParser]:
    """An ``ArgumentParser`` whose help pages are in ``lang`` (its subcommands' too)."""
    translate = translations(lang).gettext

    class LocalFormatter(argparse.HelpFormatter):
        def _get_help_string(self, action: argparse.Action) -> str | None:
            return translate(action.help) if action.help else action.help

        def add_text(self, text: str | None) -> None:
            super().add_text(translate(text) if text and text != argparse.SUPPRESS else text)

        def start_section(self, heading: str | None) -> None:
            super().start_section(translate(heading) if heading else heading)

        class _Section(argparse.HelpFormatter._Section):
            """A section heading ends with the reader's colon (``选项：``, not ``选项:``)."""

            def format_help(self) -> str:
                text: str = super().format_help()
                if not self.heading:
                    return text
                ours = translate("{heading}:").format(heading=self.heading)
                return text.replace(f"{self.heading}:\n", ours + "\n", 1)

        def add_usage(
            self,
            usage: str | None,
            actions: Iterable[argparse.Action],
            groups: Iterable[Any],
            prefix: str | None = None,
        ) -> None:
            super().add_usage(usage, actions, groups, translate("usage: ") if prefix is None else prefix)

    class LocalParser(argparse.ArgumentParser):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("formatter_class", LocalFormatter)
            super().__init__(*args, **kwargs)

    return LocalParser


def error_line(lang: str, message: str) -> str:
    """``grader: error: ...`` in the reader's language (argparse's own errors read the same)."""
    return translations(lang).gettext("grader: error: {message}").format(message=message)


__all__ = ["chosen_lang", "error_line", "parser_class", "speak"]
