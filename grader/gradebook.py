"""``grades.csv``: one row per student, ready for a spreadsheet or an LMS gradebook import.

Columns: ``student, score, max_score``, one column per scenario id (its points), then
``status`` and ``note``. A submission that could not be graded has an empty score (the
instructor decides, the import does not silently record a zero) and says why in ``note``.
UTF-8 with a byte-order mark, so spreadsheet programs show Chinese names correctly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from grader.results import GradeResult, write_atomic
from grader.words import not_scored_because, say

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _num(x: float) -> str:
    return f"{round(x, 4):g}"


def gradebook_rows(
    results: Sequence[GradeResult],
    scenario_ids: Sequence[str],
    notes: dict[str, str] | None = None,
    lang: str = "en",
) -> list[list[str]]:
    notes = notes or {}
    rows = [["student", "score", "max_score", *scenario_ids, "status", "note"]]
    for r in sorted(results, key=lambda r: r.student.casefold()):
        by_id = {s.id: s for s in r.scenarios}
        ungraded = not_scored_because(r)
        graded = ungraded is None  # a scenario the grader could not run: its 0 is no score
        cells = [_num(by_id[i].score) if graded and i in by_id else "" for i in scenario_ids]
        note = say(ungraded, lang) if ungraded is not None else ""
        extra = notes.get(r.student, "")
        note = "; ".join(x for x in (note, extra) if x)
        rows.append(
            [
                _cell(r.student),
                _num(r.score) if graded else "",
                _num(r.max_score),
                *cells,
                r.status if graded else "not_graded",
                _cell(note),
            ]
        )
    return rows


def gradebook_csv(
    results: Sequence[GradeResult],
    scenario_ids: Sequence[str],
    notes: dict[str, str] | None = None,
    lang: str = "en",
) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(gradebook_rows(results, scenario_ids, notes, lang))
    return "\ufeff" + buf.getvalue()


def write_gradebook(
    path: Path,
    results: Sequence[GradeResult],
    scenario_ids: Sequence[str],
    notes: dict[str, str] | None = None,
    lang: str = "en",
) -> None:
    write_atomic(path, gradebook_csv(results, scenario_ids, notes, lang))
