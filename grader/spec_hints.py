"""Plain words for the mistakes people make writing ``assignment.yaml``.

A misspelled field or step gets "did you mean ...?" (the closest names the spec knows), a
step the grader cannot recognise gets the list of steps instead of pydantic's "Unable to
extract tag using discriminator", and PyYAML's parser jargon about indentation ("did not
find expected key", "expected <block end>") becomes what to fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from functools import cache

from pydantic import BaseModel

SAME_COLUMN = "the indentation is off: items of one mapping or list must start in the same column"
YAML_WORDS = (
    ("found character '\\t'", "a tab character: YAML indents with spaces only"),
    ("did not find expected key", SAME_COLUMN),
    ("expected <block end>", SAME_COLUMN),
    (
        "did not find expected '-' indicator",
        "the indentation is off: a list's items start with '-' in one column",
    ),
    (
        "mapping values are not allowed here",
        "a ':' where YAML does not expect one: indent the field under its parent, or quote the text",
    ),
    ("could not find expected ':'", "a field without ':' (write 'name: value'), or a line indented too far"),
)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean X?)`` for the closest of ``choices``, or ""."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


@cache
def spec_field_names() -> tuple[str, ...]:
    """Every field name of every model an assignment is made of."""
    from grader import spec

    names: set[str] = set()
    for value in vars(spec).values():
        if isinstance(value, type) and issubclass(value, BaseModel):
            names.update(value.model_fields)
    return tuple(sorted(names))


def yaml_words(problem: str, context: str | None = None, line: str = "") -> str:
    """PyYAML's ``problem`` (and ``context``) as what to fix, keeping the original at the end;
    ``line`` is the spec's line the problem is on (PyYAML's C and Python parsers word a tab
    differently, so the line itself tells)."""
    if "\t" in line[: len(line) - len(line.lstrip())]:
        return f"a tab character: YAML indents with spaces only (YAML: {problem})"
    text = " ".join(x for x in (context, problem) if x)
    for jargon, words in YAML_WORDS:
        if jargon in text:
            return f"{words} (YAML: {problem})"
    return f"YAML syntax error: {problem}"
