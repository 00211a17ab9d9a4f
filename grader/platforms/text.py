"""Feedback text for platforms: Markdown that shows bytes literally, and size limits."""

from __future__ import annotations

import re

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
