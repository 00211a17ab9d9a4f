"""PrairieLearn's external-grader ``results.json``, from a :class:`~grader.results.models.GradeResult`.

PrairieLearn wants ``score`` as a fraction in [0, 1], points per test, and the whole file
under 1 MB; a result with ``gradable: false`` tells it (and the student) that the grader,
not the submission, failed, and costs the student no attempt.
"""

from __future__ import annotations

import json
from typing import Any

from grader import __version__
from grader.i18n import gettext_for
from grader.platforms.gradescope import status_labels
from grader.platforms.text import clip, cut_note, isolation_words, scenario_markdown, summary_line
from grader.results.models import GradeResult
from grader.spec.base import localize

MAX_BYTES = 1_000_000
"""PrairieLearn's limit on ``results.json``."""
TEST_OUTPUT_BUDGET = 60_000


def results(result: GradeResult, lang: str = "en") -> dict[str, Any]:
    labels = status_labels(lang)
    note = cut_note(lang)
    fraction = result.score / result.max_score if result.max_score > 0 else 0.0
    message = summary_line(result, lang)
    doc: dict[str, Any] = {
        "gradable": True,
        "score": round(min(1.0, max(0.0, fraction)), 6),
        "message": message,
        "output": "",
        "tests": [
            {
                "name": localize(s.title, lang),
                "description": localize(s.description, lang),
                "points": round(s.score, 4),
                "max_points": round(s.max_score, 4),
                "message": labels[s.status],
                "output": scenario_markdown(s, labels, lang),
            }
            for s in result.scenarios
        ],
        "grader": {
            "isolation": isolation_words(result, lang),
            "spec_hash": result.run.spec_hash,
            "grader_version": result.run.grader_version or __version__,
        },
    }
    return fit(doc, note)


def fit(doc: dict[str, Any], note: str) -> dict[str, Any]:
    """Cut the tests' outputs until the whole document is under :data:`MAX_BYTES`."""
    budget = TEST_OUTPUT_BUDGET
    while True:
        for test in doc["tests"]:
            test["output"] = clip(test["output"], budget, note)
        if len(json.dumps(doc, ensure_ascii=False).encode()) < MAX_BYTES or budget < 200:
            return doc
        budget //= 2


def failure(reason: str, lang: str = "en") -> dict[str, Any]:
    """Grader failure: not gradable, with the reason; PrairieLearn charges no attempt."""
    _ = gettext_for(lang)
    message = _(
        "The autograder could not grade this submission because of a problem of the grader, "
        "not of your program. Please tell your teacher.\n\nWhat went wrong: {reason}"
    ).format(reason=reason)
    return {
        "gradable": False,
        "score": 0.0,
        "message": clip(message, 50_000, "…"),
        "tests": [],
        "grader": {"grader_version": __version__},
    }
