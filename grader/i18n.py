"""Translations: every user-facing string goes through gettext, English and Simplified Chinese.

Catalogs live in ``grader/locale/<lang>/LC_MESSAGES/grader.po`` and are compiled to ``.mo``
(``python -m grader.i18n compile``); English is the source language and needs no catalog.
"""

from __future__ import annotations

import gettext
import locale
import os
import sys
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "grader"
LANGUAGES = ("en", "zh")


@cache
def translations(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def gettext_for(lang: str):
    return translations(lang).gettext


def default_lang() -> str:
    """``zh`` when the user's locale is Chinese, else ``en``."""
    for var in ("GRADER_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    loc = locale.getlocale()[0] or ""
    return "zh" if loc.lower().startswith("zh") else "en"


def compile_catalogs() -> None:
    """Compile every ``.po`` to ``.mo`` with Babel."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in LOCALE_DIR.glob("*/LC_MESSAGES/*.po"):
        with po.open("rb") as f:
            catalog = read_po(f)
        with po.with_suffix(".mo").open("wb") as f:
            write_mo(f, catalog)
    translations.cache_clear()


if __name__ == "__main__" and sys.argv[1:] == ["compile"]:
    compile_catalogs()
