"""A message template: English words (and their plural), marked for the catalogs with ``N_``."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for translation where it is defined; it is translated where it is shown."""
    return message


class Template(tuple[str, str | None]):
    """An English template, with its plural form when it counts something (``count`` arg)."""

    __slots__ = ()

    def __new__(cls, singular: str, plural: str | None = None) -> Template:
        return super().__new__(cls, (singular, plural))

    @property
    def singular(self) -> str:
        return self[0]

    @property
    def plural(self) -> str | None:
        return self[1]


def _t(singular: str, plural: str | None = None) -> Template:
    return Template(singular, plural)
