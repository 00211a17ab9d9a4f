"""Feedback text for platforms: Markdown that shows bytes literally, and size limits."""

from __future__ import annotations

import re

from grader.i18n import gettext_for
from grader.render.words import containment_text, feedback_text, say, total_not_graded
from grader.results.models import GradeResult, ScenarioResult
from grader.spec.base import localize


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
        return _("Not graded: {why}").format(why=say(result.not_graded_reason, lang))
    ungraded = total_not_graded(result)
    if ungraded is not None:
        return say(ungraded, lang)
    return _("{title}: {score}/{max} points, {passed}/{n} scenarios passed.").format(
        title=localize(result.assignment_title, lang),
        score=f"{result.score:g}",
        max=f"{result.max_score:g}",
        passed=result.passed,
        n=len(result.scenarios),
    )


def scenario_markdown(scenario: ScenarioResult, labels: dict[str, str], lang: str) -> str:
    """One scenario's feedback: its status, the verdict and its cause (shown literally), the hint."""
    parts = [f"**{labels[scenario.status]}**"]
    if scenario.description:
        parts.append(localize(scenario.description, lang))
    if scenario.message and scenario.status != "passed":
        verdict = feedback_text(scenario.model_copy(update={"hint": None}), lang)
        parts.append(fence(verdict))
    if scenario.hint and scenario.status == "failed":
        parts.append("> " + localize(scenario.hint, lang).replace("\n", "\n> "))
    return "\n\n".join(parts)


def isolation_words(result: GradeResult, lang: str) -> str:
    run = result.run
    return containment_text(run, lang) or run.isolation or "unknown"
