"""Every fact and explanation the grader states, as a code plus arguments: the words come last.

A run records *what happened* as a :class:`Message` (``connection_refused {attempts: 3}``), the
judge builds its verdicts and diagnoses from such messages, and results keep them as they are.
Only a renderer turns one into words, in the language of the reader it serves
(:func:`grader.render.words.say`), so one result reads in English and in Chinese without grading again.

There is one closed set of codes, :class:`Code`, and one table, :data:`TEMPLATES`, mapping each
code to its English template (which is also the gettext message id its translations use).

To add a code: add a member to :class:`Code` (its value is stable: results and class statistics
keep it), add its template to :data:`TEMPLATES` in the same section (wrapped in ``N_``), and add
the template's Chinese to ``grader/locale/zh/LC_MESSAGES/grader.po`` (then
``python -m grader.i18n_build``). ``tests/test_messages.py`` fails while one of those is missing.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any, Union

from pydantic import BaseModel, ConfigDict, model_validator

from grader.messages import templates_judge, templates_render, templates_run, templates_spec
from grader.messages.codes import Code
from grader.messages.template import Template

TEMPLATES: dict[Code, Template] = {
    **templates_run.TEMPLATES,
    **templates_judge.TEMPLATES,
    **templates_render.TEMPLATES,
    **templates_spec.TEMPLATES,
}
"""One table, code -> template, assembled from the stages' modules (each code in exactly one)."""


def template_fields(template: str) -> set[str]:
    """The ``{names}`` a template fills in."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


Arg = Union[str, int, float, bool, None, "Message", dict[str, str], list[int], list[str], list["Message"]]
"""An argument: a plain value, another message (facts nest), a spec text in its languages
(``{"en": ..., "zh": ...}``) or a list (joined by the renderer)."""


class Message(BaseModel):
    """A code and its arguments: what a result keeps instead of words."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: Code
    args: dict[str, Arg] = {}

    @model_validator(mode="after")
    def _args_fit_template(self) -> Message:
        wanted = template_fields(TEMPLATES[self.code].singular)
        if set(self.args) != wanted:
            raise ValueError(f"{self.code.value} takes {sorted(wanted)}, given {sorted(self.args)}")
        return self

    def __str__(self) -> str:
        """English words, for logs and exceptions; renderers use :func:`grader.render.words.say`."""
        return fill(self)


Translate = Callable[[Template, int], str]
"""Picks a template's words in some language (``count`` chooses the plural form)."""

JOINERS = {Code.FACTS: ("; ", "；"), Code.SENTENCES: (" ", "")}
"""How the reader's language joins facts and sentences (English, Chinese)."""
LIST_JOINERS = (", ", "、")
"""How the reader's language joins the items of a list (English, Chinese)."""


ALTERNATIVES = ((", ", " or "), ("、", " 或 "))
"""How the reader's language lists alternatives: ``a, b or c`` (English), ``a、b 或 c`` (Chinese)."""


def english(template: Template, count: int) -> str:
    return template.singular if count == 1 or template.plural is None else template.plural


def fill(message: Message, translate: Translate = english, lang: str = "en") -> str:
    """The words of ``message``: its template in ``lang`` (via ``translate``), arguments filled."""
    if message.code in JOINERS:
        parts = [p for p in message.args[message.code.value] or [] if isinstance(p, Message)]  # type: ignore[union-attr]
        return JOINERS[message.code][lang == "zh"].join(fill(p, translate, lang) for p in parts)
    if message.code is Code.EITHER:
        items = [str(i) for i in message.args["items"] or []]  # type: ignore[union-attr]
        between, last = ALTERNATIVES[lang == "zh"]
        return between.join(items[:-1]) + last + items[-1] if len(items) > 1 else "".join(items)
    template = TEMPLATES[message.code]
    count = message.args.get("n", 1)
    words = translate(template, count if isinstance(count, int) else 1)
    return words.format(**{name: _value(arg, translate, lang) for name, arg in message.args.items()})


def _value(arg: object, translate: Translate, lang: str) -> object:
    """An argument as the template wants it: numbers stay numbers (``{secs:g}``), the rest words."""
    if isinstance(arg, Message):
        return fill(arg, translate, lang)
    if isinstance(arg, dict):
        return arg.get(lang) or arg.get("en") or next(iter(arg.values()), "")
    if isinstance(arg, list):
        return ", ".join(str(_value(a, translate, lang)) for a in arg)
    return arg


class Invalid(ValueError):
    """A check's finding as a message, raised by a spec's or manifest's own validators.

    pydantic keeps the exception itself (``errors()[i]["ctx"]["error"]``), so the loader
    reads its code and arguments and words them in the reader's language: no English to
    parse back. ``at`` is the path below the validated model that the finding is about
    (``("scenarios", 2, "steps", 0)``), for checks across fields.
    """

    def __init__(self, code: Code, /, *, at: tuple[str | int, ...] = (), **args: Any) -> None:
        self.message = msg(code, **args)
        self.at = at
        super().__init__(str(self.message))


def either(items: list[str]) -> Message:
    """Alternatives, listed the reader's way: ``text, hex or generate``."""
    return Message(code=Code.EITHER, args={"items": items})


def msg(code: Code, /, **args: Any) -> Message:
    """``msg(Code.EXIT_CODE, code=1)``: a message, its arguments checked against its template."""
    return Message(code=code, args=args)


def verbatim(text: str) -> Message:
    """Words that are not ours (an exception's message): shown as they are, in any language."""
    return Message(code=Code.VERBATIM, args={"text": text})


def own_words(text: str | dict[Any, str]) -> Message:
    """The spec's own text (one string, or one per language)."""
    words: str | dict[str, str] = {str(k): v for k, v in text.items()} if isinstance(text, dict) else text
    return Message(code=Code.OWN_WORDS, args={"text": words})


def facts(*parts: Message) -> Message:
    """Several facts as one message (``refused (3 attempts); the connection was reset``)."""
    return parts[0] if len(parts) == 1 else Message(code=Code.FACTS, args={"facts": list(parts)})


__all__ = [
    "N_",
    "TEMPLATES",
    "Arg",
    "Code",
    "Invalid",
    "Message",
    "either",
    "facts",
    "msg",
    "own_words",
    "verbatim",
]
