"""Plain words for the mistakes people make writing ``assignment.yaml``.

A misspelled field or step gets "did you mean ...?" (the closest names the spec knows), a
step the grader cannot recognise gets the list of steps instead of pydantic's "Unable to
extract tag using discriminator", and PyYAML's parser jargon about indentation ("did not
find expected key", "expected <block end>") becomes what to fix.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from pydantic import BaseModel

from grader.messages import TEMPLATES, Invalid, Message, either, msg, template_fields, verbatim
from grader.messages.codes import Code

YAML_WORDS = (
    ("found character '\\t'", Code.YAML_TAB),
    ("did not find expected key", Code.YAML_SAME_COLUMN),
    ("expected <block end>", Code.YAML_SAME_COLUMN),
    ("did not find expected '-' indicator", Code.YAML_DASH_COLUMN),
    ("mapping values are not allowed here", Code.YAML_UNEXPECTED_COLON),
    ("could not find expected ':'", Code.YAML_MISSING_COLON),
)
"""PyYAML's parser jargon (its words, not ours), and what to fix."""

PYDANTIC_WORDS = {
    "missing": Code.FIELD_MISSING,
    "literal_error": Code.MUST_BE,
    "string_type": Code.MUST_BE_TEXT,
    "int_type": Code.MUST_BE_WHOLE_NUMBER,
    "int_parsing": Code.MUST_BE_WHOLE_NUMBER,
    "int_from_float": Code.MUST_BE_WHOLE_NUMBER,
    "float_type": Code.MUST_BE_NUMBER,
    "float_parsing": Code.MUST_BE_NUMBER,
    "bool_type": Code.MUST_BE_BOOL,
    "bool_parsing": Code.MUST_BE_BOOL,
    "list_type": Code.MUST_BE_LIST,
    "dict_type": Code.MUST_BE_MAPPING,
    "model_type": Code.MUST_BE_MAPPING,
    "model_attributes_type": Code.MUST_BE_MAPPING,
    "greater_than": Code.MUST_BE_GREATER,
    "greater_than_equal": Code.MUST_BE_AT_LEAST,
    "less_than": Code.MUST_BE_LESS,
    "less_than_equal": Code.MUST_BE_AT_MOST,
    "string_pattern_mismatch": Code.MUST_MATCH,
    "too_short": Code.TOO_FEW_ITEMS,
}
"""pydantic's error types, worded for teachers (the rest keep pydantic's English)."""


def validator_words(error: Any) -> tuple[Message, tuple[str | int, ...]]:
    """A validator's finding (one of pydantic's errors, from ``errors()``) and the path below
    the model it is about. The spec's own checks raise :class:`~grader.messages.Invalid`,
    whose code and arguments are kept; any other ``ValueError`` (``bytes.fromhex``'s) is
    Python's own words, shown as they are."""
    raised = (error.get("ctx") or {}).get("error")
    if isinstance(raised, Invalid):
        return raised.message, raised.at
    return verbatim(str(error["msg"]).removeprefix("Value error, ")), ()


def pydantic_words(error: Any) -> Message:
    """One of pydantic's errors (a dict from ``errors()``) in words that can be translated."""
    code = PYDANTIC_WORDS.get(error["type"])
    if code is None:
        return verbatim(error["msg"])
    ctx: dict[str, Any] = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
    if error["type"] == "literal_error":
        # pydantic's own list ("'client' or 'server'"), listed again the reader's way
        return msg(code, expected=either(re.split(r", | or ", ctx.get("expected", ""))))
    wanted = template_fields(TEMPLATES[code].singular)
    if not wanted <= set(ctx):  # pydantic gave other values than the words need
        return verbatim(error["msg"])
    return msg(code, **{name: ctx[name] for name in wanted})


def did_you_mean(word: str, choices: Iterable[str]) -> Message | None:
    """`` (did you mean X?)`` for the closest of ``choices``, or None."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return msg(Code.DID_YOU_MEAN, name=repr(close[0])) if close else None


@cache
def spec_field_names() -> tuple[str, ...]:
    """Every field name of every model an assignment is made of."""
    from grader.spec import models as spec

    names: set[str] = set()
    for value in vars(spec).values():
        if isinstance(value, type) and issubclass(value, BaseModel):
            names.update(value.model_fields)
    return tuple(sorted(names))


def yaml_words(problem: str, context: str | None = None, line: str = "") -> Message:
    """PyYAML's ``problem`` (and ``context``) as what to fix, keeping the original at the end;
    ``line`` is the spec's line the problem is on (PyYAML's C and Python parsers word a tab
    differently, so the line itself tells)."""
    if "\t" in line[: len(line) - len(line.lstrip())]:
        return msg(Code.YAML_EXPLAINED, words=msg(Code.YAML_TAB), problem=problem)
    text = " ".join(x for x in (context, problem) if x)
    for jargon, code in YAML_WORDS:
        if jargon in text:
            return msg(Code.YAML_EXPLAINED, words=msg(code), problem=problem)
    return msg(Code.YAML_SYNTAX, problem=problem)
