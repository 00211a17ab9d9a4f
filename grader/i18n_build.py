"""Build step for the catalogs: ``.po`` (what translators edit) -> ``.mo`` (what gettext reads).

Babel is used here only, at build time: ``python -m grader.i18n_build`` compiles every
``grader/locale/*/LC_MESSAGES/*.po``; ``--check`` compiles in memory and fails when a
committed ``.mo`` says something its ``.po`` does not (the tests run that check). The check
compares messages, not bytes: the header Babel writes carries its version and a date.
"""

from __future__ import annotations

import argparse
import gettext
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from grader.i18n import LOCALE_DIR


def po_files() -> list[Path]:
    return sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))


def read_catalog(po: Path) -> Catalog:
    with po.open("rb") as f:
        return read_po(f, locale=po.parent.parent.name)


def compiled(po: Path) -> bytes:
    """The ``.mo`` bytes of ``po`` (fuzzy entries left out, as gettext expects)."""
    buf = io.BytesIO()
    write_mo(buf, read_catalog(po), use_fuzzy=False)
    return buf.getvalue()


def read_catalogs(lang: str) -> dict[str, str | tuple[str, ...]]:
    """Every translated message of ``lang`` from its ``.po`` files (for tests and tools)."""
    messages: dict[str, str | tuple[str, ...]] = {}
    for po in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        for message in read_catalog(po):
            if not message.id or message.fuzzy:
                continue
            key = message.id[0] if isinstance(message.id, tuple | list) else message.id
            value = message.string or ""
            messages[key] = tuple(value) if isinstance(value, tuple | list) else value
    return messages


def messages_of(mo: bytes) -> dict[object, str]:
    """What a ``.mo`` translates, as gettext reads it (its header left out)."""
    catalog = gettext.GNUTranslations(io.BytesIO(mo))._catalog  # type: ignore[attr-defined]
    return {key: value for key, value in catalog.items() if key != ""}


def stale() -> list[Path]:
    """The ``.po`` files whose committed ``.mo`` is missing or translates differently."""
    found = []
    for po in po_files():
        mo = po.with_suffix(".mo")
        if not mo.is_file() or messages_of(mo.read_bytes()) != messages_of(compiled(po)):
            found.append(po)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="compile the grader's .po catalogs to .mo")
    parser.add_argument("--check", action="store_true", help="only report stale .mo files (exit 1 if any)")
    args = parser.parse_args(argv)
    if args.check:
        old = stale()
        for po in old:
            print(f"stale: {po.with_suffix('.mo')} (run python -m grader.i18n_build)", file=sys.stderr)
        return 1 if old else 0
    for po in po_files():
        po.with_suffix(".mo").write_bytes(compiled(po))
        print(f"compiled {po.with_suffix('.mo')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
