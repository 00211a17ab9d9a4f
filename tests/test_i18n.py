"""Every user-facing string has a Chinese translation; the committed .mo catalogs match the .po."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from grader.i18n import gettext_for, translations
from grader.i18n_build import read_catalogs, stale

PACKAGE = Path(__file__).resolve().parents[1] / "grader"
METHODS = [("**.py", "python"), ("**/templates/**.j2", "jinja2.ext:babel_extract")]


def source_messages() -> set[str]:
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PACKAGE),
        method_map=METHODS,
        keywords={"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)},
        options_map={"**/templates/**.j2": {"extensions": "jinja2.ext.i18n"}},
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return {m for m in found if m}


def test_every_message_is_translated_to_chinese() -> None:
    catalog = read_catalogs("zh")
    missing = sorted(m for m in source_messages() if not catalog.get(m))
    assert not missing, "no Chinese for:\n" + "\n".join(missing)


def test_a_message_has_one_translation_across_catalogs() -> None:
    """Catalogs are merged into one: a message two parts translate differently would show
    whichever file is read last, wherever it is used."""
    from babel.messages.pofile import read_po

    seen: dict[str, tuple[str, str]] = {}
    for po in sorted((PACKAGE / "locale" / "zh" / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as f:
            for message in read_po(f, locale="zh"):
                key = message.id if isinstance(message.id, str) else message.id[0]
                if not key:
                    continue
                first = seen.setdefault(key, (po.name, str(message.string)))
                assert first[1] == str(message.string), (key, first, (po.name, message.string))


def test_placeholders_survive_translation() -> None:
    """A translation that drops or renames ``{name}`` would raise KeyError at run time."""
    import string

    for english, chinese in read_catalogs("zh").items():
        if not isinstance(chinese, str):
            continue
        names = {f[1] for f in string.Formatter().parse(english) if f[1]}
        assert names == {f[1] for f in string.Formatter().parse(chinese) if f[1]}, english


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_gettext_for_returns_text(lang: str) -> None:
    text = gettext_for(lang)("Passed.")
    assert text == ("Passed." if lang == "en" else "通过。")
    assert translations(lang) is translations(lang)  # read once, then cached


def test_compiled_catalogs_are_not_stale() -> None:
    """gettext reads the committed .mo files; a .po edited without recompiling fails here."""
    assert not stale(), "stale .mo files: run python -m grader.i18n_build"


def test_run_time_reads_compiled_catalogs_without_babel() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from grader.i18n import translations; "
        "print(translations('zh').gettext('Passed.')); print('babel' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["通过。", "False"]
