"""Translations: every user-facing string goes through gettext, English and Simplified Chinese.

English is the source language and needs no catalog. Chinese lives in plain ``.po`` files,
``grader/locale/zh/LC_MESSAGES/*.po``, one per part of the grader (``grader.po`` for the
engine and judge, ``report.po`` for the HTML reports, ``batch.po``, ...), so each part owns
its own catalog. They are read with Babel when first needed and merged into one
translation: nothing is compiled, so a fresh clone and an installed wheel behave alike and
a ``.mo`` can never be stale.
"""

from __future__ import annotations

import gettext
import locale
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "zh")


class CatalogTranslations(gettext.NullTranslations):
    """A gettext translation built from Babel catalogs (``.po`` files) in memory."""

    def __init__(self, messages: dict[str, str | tuple[str, ...]]) -> None:
        super().__init__()
        self._messages = messages

    def gettext(self, message: str) -> str:
        found = self._messages.get(message)
        if isinstance(found, str) and found:
            return found
        return message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        found = self._messages.get(msgid1)
        if isinstance(found, tuple) and found:
            # Chinese has one plural form; take the first non-empty one.
            return next((form for form in found if form), msgid1 if n == 1 else msgid2)
        if isinstance(found, str) and found:
            return found
        return msgid1 if n == 1 else msgid2

    def pgettext(self, context: str, message: str) -> str:
        return self.gettext(message)

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        return self.ngettext(msgid1, msgid2, n)


def read_catalogs(lang: str) -> dict[str, str | tuple[str, ...]]:
    """Every translated message of ``lang`` from all of its ``.po`` files."""
    from babel.messages.pofile import read_po

    messages: dict[str, str | tuple[str, ...]] = {}
    for po in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as f:
            catalog = read_po(f, locale=lang)
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            key = message.id[0] if isinstance(message.id, tuple | list) else message.id
            value = message.string
            messages[key] = tuple(value) if isinstance(value, tuple | list) else value
    return messages


@cache
def translations(lang: str) -> gettext.NullTranslations:
    if lang not in LANGUAGES or lang == "en":
        return gettext.NullTranslations()
    return CatalogTranslations(read_catalogs(lang))


def gettext_for(lang: str) -> Callable[[str], str]:
    return translations(lang).gettext


def N_(message: str) -> str:
    """Mark a message for translation where it is defined; translate it where it is shown."""
    return message


def default_lang() -> str:
    """``zh`` when the user's locale is Chinese, else ``en``."""
    for var in ("GRADER_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    loc = locale.getlocale()[0] or ""
    return "zh" if loc.lower().startswith("zh") else "en"
