"""Errors meant for users: each is one line saying what to fix (exit code 2)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

Gettext = Callable[[str], str]


class UsageError(Exception):
    """Bad command-line input."""


@dataclass(frozen=True)
class Words:
    """A message worded when it is shown, in the reader's language.

    ``template`` is the English text with ``{names}`` (the catalogs' msgid); ``values`` may be
    further :class:`Words`, and a tuple of strings is a list joined with the language's "or".
    The error is raised where the problem is found, long before anyone knows who reads it.
    """

    template: str
    values: dict[str, object] = field(default_factory=dict)

    def render(self, lang: str = "en") -> str:
        from grader.i18n import gettext_for

        return self.worded(gettext_for(lang))

    def worded(self, _: Gettext) -> str:
        return _(self.template).format(**{k: _worded(v, _) for k, v in self.values.items()})

    def __str__(self) -> str:
        return self.render("en")


def _worded(value: object, _: Gettext) -> object:
    if isinstance(value, Words):
        return value.worded(_)
    if isinstance(value, tuple):
        return one_of(value, _)
    return value


def one_of(items: Sequence[str], _: Gettext) -> str:
    """``a, b or c`` (``a、b 或 c``)."""
    if len(items) < 2:
        return "".join(items)
    return _("{items} or {last}").format(items=_(", ").join(items[:-1]), last=items[-1])


def words(problem: str | Words) -> Words:
    """A problem already worded (in English) as :class:`Words` that shows it as it is."""
    return problem if isinstance(problem, Words) else Words("{text}", {"text": problem})


class SpecError(Exception):
    """A spec that cannot be used; ``str()`` is one or more ``file:line: field: problem`` lines.

    ``problems`` are those lines in English; :meth:`lines` words them in another language.
    """

    def __init__(self, problems: Sequence[str | Words]):
        self.words = [words(p) for p in problems]
        self.problems = [str(w) for w in self.words]
        super().__init__("\n".join(self.problems))

    def lines(self, lang: str = "en") -> list[str]:
        return [w.render(lang) for w in self.words]

    def __reduce__(self) -> tuple[type[SpecError], tuple[list[Words]]]:
        return SpecError, (self.words,)  # a worker's error reaches the driver whole
