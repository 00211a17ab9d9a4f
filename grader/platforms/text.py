"""Feedback text for platforms: Markdown that shows bytes literally, and size limits."""

from __future__ import annotations

import re

from grader.i18n import gettext_for
from grader.results import GradeResult, ScenarioResult


def fence(text: str, info: str = "text") -> str:
    """A fenced code block that no run of backticks inside ``text`` can close."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{text}\n{ticks}"


def clip(text: str, limit: int, note: str) -> str:
    """``text`` cut to at most ``limit`` characters, ending with ``note`` when cut.

    ``note`` may hold ``{cut}``, the number of characters left out.
    """
    if len(text) <= limit:
        return text
    keep = max(0, limit - len(note.format(cut=len(text))) - 2)
    return text[:keep] + "\n\n" + note.format(cut=len(text) - keep)


def cut_note(lang: str) -> str:
    """What :func:`clip` appends to feedback it had to cut, in ``lang``."""
    return gettext_for(lang)("… ({cut} characters left out: the feedback was too long to show here)")


def summary_line(result: GradeResult, lang: str) -> str:
    """The one-line verdict both platforms show above the tests."""
    _ = gettext_for(lang)
    if result.status == "not_graded":
        return _("Not graded: {why}").format(why=result.not_graded_reason or "")
    return _("{title}: {score}/{max} points, {passed}/{n} scenarios passed.").format(
        title=result.assignment_title,
        score=f"{result.score:g}",
        max=f"{result.max_score:g}",
        passed=result.passed,
        n=len(result.scenarios),
    )


def scenario_markdown(scenario: ScenarioResult, labels: dict[str, str]) -> str:
    """One scenario's feedback: its status, the judge's words (verbatim), the hint."""
    parts = [f"**{labels[scenario.status]}**"]
    if scenario.description:
        parts.append(scenario.description)
    if scenario.message and scenario.status != "passed":
        parts.append(fence(scenario.message))
    if scenario.hint and scenario.status == "failed":
        parts.append("> " + scenario.hint.replace("\n", "\n> "))
    return "\n\n".join(parts)


def isolation_words(result: GradeResult) -> str:
    run = result.run
    mode = run.isolation or "unknown"
    return f"{mode}: {run.isolation_note}" if run.isolation_note else mode
