"""Gradescope's ``results.json``, from a :class:`~grader.results.models.GradeResult`.

Gradescope shows each ``tests[]`` entry's ``output`` (Markdown here, ``output_format: md``)
and refuses very long ones, so every output is cut below :data:`MAX_OUTPUT` characters with
a note. There is no top-level ``status``: Gradescope would read ``failed`` as "the
autograder failed" and hide the tests. The full transcripts are not sent (they can be
megabytes); ``extra_data`` carries the facts a teacher needs to trust the score.
"""

from __future__ import annotations

from typing import Any

from grader import __version__
from grader.i18n import gettext_for
from grader.platforms.text import clip, cut_note, isolation_words, scenario_markdown, summary_line
from grader.results.models import GradeResult
from grader.spec.base import localize

MAX_OUTPUT = 100_000
"""Gradescope's limit on one ``output``; ours stay below it, note included."""
OUTPUT_BUDGET = MAX_OUTPUT - 1_000


def status_labels(lang: str) -> dict[str, str]:
    _ = gettext_for(lang)
    return {
        "passed": _("Passed"),
        "failed": _("Failed"),
        "skipped": _("Skipped"),
        "not_gradable": _("Not graded (a problem of the grader, not of your program)"),
    }


def results(result: GradeResult, lang: str = "en") -> dict[str, Any]:
    """The document Gradescope reads from ``/autograder/results/results.json``."""
    _ = gettext_for(lang)
    note = cut_note(lang)
    labels = status_labels(lang)
    tests = [
        {
            "name": localize(s.title, lang),
            "number": str(i),
            "score": round(s.score, 4),
            "max_score": round(s.max_score, 4),
            "status": "passed" if s.status == "passed" else "failed",
            "visibility": s.visibility,
            "output": clip(scenario_markdown(s, labels, lang), OUTPUT_BUDGET, note),
            "output_format": "md",
            "tags": [s.id],
        }
        for i, s in enumerate(result.scenarios, start=1)
    ]
    summary = summary_line(result, lang)
    not_gradable = [localize(s.title, lang) for s in result.scenarios if s.status == "not_gradable"]
    if not_gradable:
        summary += "\n\n" + _(
            "Some scenarios could not be run because of a problem of the grader, not of your "
            "program: {names}. Their points are not counted as earned; please tell your teacher."
        ).format(names=", ".join(not_gradable))
    return {
        "score": round(result.score, 4),
        "max_score": round(result.max_score, 4),
        "output": clip(summary, OUTPUT_BUDGET, note),
        "output_format": "md",
        "test_output_format": "md",
        "execution_time": round(result.run.duration, 3),
        "tests": tests,
        "extra_data": {
            "assignment": result.assignment,
            "status": result.status,
            "isolation": isolation_words(result, lang),
            "spec_hash": result.run.spec_hash,
            "grader_version": result.run.grader_version or __version__,
            "python": result.run.python,
        },
    }


def failure(
    reason: str, lang: str = "en", max_score: float | None = None, execution_time: float = 0.0
) -> dict[str, Any]:
    """The document written when the grader itself failed: says so, never a silent zero."""
    _ = gettext_for(lang)
    output = _(
        "The autograder could not grade this submission because of a problem of the grader, "
        "not of your program. This 0 is not a grade: please tell your teacher, who can rerun "
        "the autograder once it is fixed.\n\nWhat went wrong: {reason}"
    ).format(reason=reason)
    doc: dict[str, Any] = {
        "score": 0,
        "output": clip(output, OUTPUT_BUDGET, "…"),
        "output_format": "md",
        "execution_time": round(execution_time, 3),
        "tests": [],
        "extra_data": {"status": "grader_error", "grader_version": __version__, "reason": reason},
    }
    if max_score is not None:
        doc["max_score"] = max_score
    return doc
