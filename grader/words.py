"""Messages into words, in the reader's language: the one place a result becomes text.

Every renderer (terminal, HTML, platform JSON, CSV) calls :func:`say` with the language it
was asked for; results themselves hold only :class:`~grader.messages.Message` codes and
arguments, and the spec's own texts in every language they were written in.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from grader.i18n import translations
from grader.messages import Code, Message, Template, Translate, fill, msg, own_words
from grader.spec import LocalText, localize

if TYPE_CHECKING:
    from grader.results import ScenarioResult


def say(message: Message | LocalText | None, lang: str = "en") -> str:
    """The words of ``message`` (or of a spec text) in ``lang``; ``""`` for ``None``."""
    if message is None or isinstance(message, str | dict):
        return localize(message, lang)
    return fill(message, _translator(lang), lang)


@cache
def _translator(lang: str) -> Translate:
    words = translations(lang)

    def translate(template: Template, count: int) -> str:
        if template.singular == "{text}":  # the spec's or an exception's own words: as they are
            return template.singular
        if template.plural is not None:
            return words.ngettext(template.singular, template.plural, count)
        return words.gettext(template.singular)

    return translate


def say_all(messages: list[Message], lang: str = "en") -> list[str]:
    return [say(m, lang) for m in messages]


def feedback_text(scenario: ScenarioResult, lang: str = "en") -> str:
    """A scenario's feedback as plain text: the verdict, the one cause shown, the hint.

    Only the most specific diagnosis is said; the others stay in the result as secondary facts
    (the HTML report folds them away).
    """
    lines = [say(scenario.message, lang)] if scenario.message else []
    if scenario.status == "failed":
        if scenario.cause is not None:
            lines.append(say(msg(Code.WHY, message=scenario.cause), lang))
        if scenario.hint:
            lines.append(say(msg(Code.HINT, hint=own_words(scenario.hint)), lang))
    return "\n".join(lines)
