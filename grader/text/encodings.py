"""Text encodings a step accepts: one name, or several (``encoding: [utf-8, gbk]``).

The course's programs use ``gbk`` (the lesson's Windows tools) or UTF-8. A teacher who does not
grade the encoding lists both: an expectation then matches text in any of them, the grader
sends its own text in the one the program has used so far, and the feedback says which one
that was. Pure functions; the spec validates the names.
"""

from __future__ import annotations

import codecs

from grader.messages import Invalid
from grader.messages.codes import Code
from grader.text.show import codec_name, text_encoding

Encodings = str | list[str]


def names(value: Encodings) -> tuple[str, ...]:
    """The encodings of a step, in the order given (the first is the default)."""
    return (value,) if isinstance(value, str) else tuple(value)


def check_names(value: Encodings) -> Encodings:
    """Every name is a codec Python knows, and a list is not empty: for the spec's validators."""
    listed = names(value)
    if not listed:
        raise Invalid(Code.NO_ENCODING)
    for name in listed:
        try:
            codecs.lookup(name)
        except LookupError:
            raise Invalid(Code.UNKNOWN_ENCODING, name=repr(name)) from None
    return value


def choose(value: Encodings, used: str | None = None) -> str:
    """The encoding to write in: the one the program used, if the step allows it, else the first."""
    listed = names(value)
    if used is not None and any(codecs.lookup(n).name == codecs.lookup(used).name for n in listed):
        return used
    return listed[0]


def distinguishes(value: Encodings, text: str) -> bool:
    """Whether ``text`` has different bytes in the step's encodings (ASCII is the same in all)."""
    return len({_encoded(text, n) for n in names(value)}) > 1


def _encoded(text: str, name: str) -> bytes | None:
    try:
        return text.encode(name)
    except UnicodeEncodeError:
        return None


def shown_encodings(
    declared: Encodings | None, used: str | None, expected: bytes | None, observed: bytes | None
) -> tuple[str, str]:
    """The encodings to show a step's expected and observed bytes in, as codec names.

    The expected bytes are the spec's text, written by the grader in the encoding the program
    used (``used``) or the step's first; the observed ones are read as UTF-8, the step's
    encodings, then GBK and GB18030 (:func:`grader.text.show.text_encoding`).
    """
    listed = names(declared) if declared else ()
    known = used or (listed[0] if listed else None)
    return (
        text_encoding(expected or b"", listed, known=known),
        text_encoding(observed or b"", (used, *listed)),
    )


def accepts(declared: Encodings | None, encoding: str) -> bool:
    """Whether a step's encodings include ``encoding`` (UTF-8 when the step names none)."""
    return codec_name(encoding) in {codec_name(n) for n in (names(declared) if declared else ("utf-8",))}
