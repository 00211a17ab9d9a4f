"""Messages into words, in the reader's language: the one place a result becomes text.

Every renderer (terminal, HTML, platform JSON, CSV) calls :func:`say` with the language it
was asked for; results themselves hold only :class:`~grader.messages.Message` codes and
arguments, and the spec's own texts in every language they were written in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from grader.i18n import translations
from grader.messages import TEMPLATES, Code, Message, msg, own_words
from grader.spec import LocalText, localize

if TYPE_CHECKING:
    from grader.results import ScenarioResult


JOINERS = {Code.FACTS: ("; ", "；"), Code.SENTENCES: (" ", "")}
"""How the reader's language joins facts and sentences (English, Chinese)."""


def say(message: Message | LocalText | None, lang: str = "en") -> str:
    """The words of ``message`` (or of a spec text) in ``lang``; ``""`` for ``None``."""
    if message is None or isinstance(message, str | dict):
        return localize(message, lang)
    template = TEMPLATES[message.code]
    words = translations(lang)
    values = {name: _value(arg, lang) for name, arg in message.args.items()}
    if message.code in JOINERS:
        parts = message.args[message.code.value]
        assert isinstance(parts, list)
        return JOINERS[message.code][lang == "zh"].join(say(part, lang) for part in parts)  # type: ignore[arg-type]
    if template.plural is not None:
        count = message.args.get("n", 1)
        text = words.ngettext(template.singular, template.plural, count if isinstance(count, int) else 1)
    else:
        text = words.gettext(template.singular) if template.singular != "{text}" else "{text}"
    return text.format(**values)


def _value(arg: object, lang: str) -> object:
    """An argument as the template wants it: numbers stay numbers (``{secs:g}``), the rest words."""
    if isinstance(arg, Message):
        return say(arg, lang)
    if isinstance(arg, dict):
        return localize(arg, lang)
    if isinstance(arg, list):
        return ", ".join(str(_value(a, lang)) for a in arg)
    return arg


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
