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

from grader.errors import Words
from grader.i18n import N_

SAME_COLUMN = N_("the indentation is off: items of one mapping or list must start in the same column")
TAB = N_("a tab character: YAML indents with spaces only")
YAML_WORDS = (
    ("found character '\\t'", TAB),
    ("did not find expected key", SAME_COLUMN),
    ("expected <block end>", SAME_COLUMN),
    (
        "did not find expected '-' indicator",
        N_("the indentation is off: a list's items start with '-' in one column"),
    ),
    (
        "mapping values are not allowed here",
        N_("a ':' where YAML does not expect one: indent the field under its parent, or quote the text"),
    ),
    (
        "could not find expected ':'",
        N_("a field without ':' (write 'name: value'), or a line indented too far"),
    ),
)

PYDANTIC_WORDS = {
    "missing": N_("a required field is missing"),
    "literal_error": N_("must be {expected}"),
    "string_type": N_("must be text"),
    "int_type": N_("must be a whole number"),
    "int_parsing": N_("must be a whole number"),
    "int_from_float": N_("must be a whole number"),
    "float_type": N_("must be a number"),
    "float_parsing": N_("must be a number"),
    "bool_type": N_("must be true or false"),
    "bool_parsing": N_("must be true or false"),
    "list_type": N_("must be a list"),
    "dict_type": N_("must be a mapping of fields"),
    "model_type": N_("must be a mapping of fields"),
    "model_attributes_type": N_("must be a mapping of fields"),
    "greater_than": N_("must be greater than {gt}"),
    "greater_than_equal": N_("must be at least {ge}"),
    "less_than": N_("must be less than {lt}"),
    "less_than_equal": N_("must be at most {le}"),
    "string_pattern_mismatch": N_("must match the pattern {pattern}"),
    "too_short": N_("must have at least {min_length} items"),
}
"""pydantic's error types, worded for teachers (the rest keep pydantic's English)."""

OWN_WORDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), template)
    for pattern, template in (
        (
            r"give exactly one of (?P<choices>[^(]+?)(?: \(got (?P<got>.+)\))?$",
            N_("give exactly one of {choices}"),
        ),
        (
            r"give exactly one of (?P<choices>[^(]+?) \(or absent: true\)$",
            N_("give exactly one of {choices} (or absent: true)"),
        ),
        (
            r"path must stay inside the submission's folder$",
            N_("path must stay inside the submission's folder"),
        ),
        (r"scenario id (?P<id>'.+') is used twice$", N_("scenario id {id} is used twice")),
        (
            r"scenario (?P<id>'.+') depends on (?P<dep>'.+'), which is not an earlier scenario$",
            N_("scenario {id} depends on {dep}, which is not an earlier scenario"),
        ),
        (
            r"step (?P<step>'.+') does not fit a client assignment.*$",
            N_("step {step} does not fit a client assignment (the grader is the server: use accept)"),
        ),
        (
            r"step (?P<step>'.+') does not fit a server assignment.*$",
            N_("step {step} does not fit a server assignment (the grader is the client: use connect)"),
        ),
        (
            r"no such file or folder: (?P<path>.+) \(paths are relative to the manifest\)$",
            N_("no such file or folder: {path} (paths are relative to the manifest)"),
        ),
        (
            r"unknown scenario (?P<ids>.+); the scenarios are: (?P<known>.+)$",
            N_("unknown scenario {ids}; the scenarios are: {known}"),
        ),
        (r"a scenario is listed twice$", N_("a scenario is listed twice")),
    )
)
"""The spec's and manifest's own checks (their validators raise English), worded again."""


def validator_words(message: str) -> Words:
    """A validator's English message as :class:`Words`, so it can be shown in Chinese too."""
    for pattern, template in OWN_WORDS:
        found = pattern.match(message)
        if found:
            values: dict[str, object] = {k: v for k, v in found.groupdict().items() if v is not None}
            if "choices" in values:
                values["choices"] = tuple(re.split(r", | or ", str(values["choices"])))
            got = values.pop("got", None)
            worded = Words(template, values)
            return Words(N_("{text} (got {got})"), {"text": worded, "got": got}) if got else worded
    return Words("{text}", {"text": message})


def pydantic_words(error: Any) -> Words:
    """One of pydantic's errors (a dict from ``errors()``) in words that can be translated."""
    template = PYDANTIC_WORDS.get(error["type"])
    if template is None:
        return Words("{text}", {"text": error["msg"]})
    ctx: dict[str, object] = dict(error.get("ctx") or {})
    if error["type"] == "literal_error":
        ctx["expected"] = tuple(re.split(r", | or ", str(ctx.get("expected", ""))))
    try:
        template.format(**ctx)
    except (KeyError, IndexError):
        return Words("{text}", {"text": error["msg"]})
    return Words(template, ctx)


def did_you_mean(word: str, choices: Iterable[str]) -> Words | None:
    """`` (did you mean X?)`` for the closest of ``choices``, or None."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return Words(N_(" (did you mean {name}?)"), {"name": repr(close[0])}) if close else None


@cache
def spec_field_names() -> tuple[str, ...]:
    """Every field name of every model an assignment is made of."""
    from grader import spec

    names: set[str] = set()
    for value in vars(spec).values():
        if isinstance(value, type) and issubclass(value, BaseModel):
            names.update(value.model_fields)
    return tuple(sorted(names))


def yaml_words(problem: str, context: str | None = None, line: str = "") -> Words:
    """PyYAML's ``problem`` (and ``context``) as what to fix, keeping the original at the end;
    ``line`` is the spec's line the problem is on (PyYAML's C and Python parsers word a tab
    differently, so the line itself tells)."""
    if "\t" in line[: len(line) - len(line.lstrip())]:
        return Words(N_("{words} (YAML: {problem})"), {"words": Words(TAB), "problem": problem})
    text = " ".join(x for x in (context, problem) if x)
    for jargon, worded in YAML_WORDS:
        if jargon in text:
            return Words(N_("{words} (YAML: {problem})"), {"words": Words(worded), "problem": problem})
    return Words(N_("YAML syntax error: {problem}"), {"problem": problem})
