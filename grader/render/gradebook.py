"""``grades.csv`` (and ``grades.xlsx``): one row per student, ready for a 教务系统 or LMS import.

Columns: ``student`` (the report folder's name), ``number`` and ``name`` (学号 and 姓名, from
the file name or the roster), ``score, max_score``, one column per scenario id (its points),
then ``status`` and ``note``; headers and statuses in the batch's language (``--lang zh``:
学生, 学号, 姓名, 得分, …). A submission that could not be graded has an empty score (the
instructor decides, the import does not silently record a zero) and says why in ``note``;
a roster student who handed in nothing has a row of its own, status "no submission".
The CSV is UTF-8 with a byte-order mark, so spreadsheet programs show Chinese names.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from grader.messages import msg
from grader.messages.codes import Code
from grader.render.words import not_scored_because, say
from grader.results.models import GradeResult, write_atomic
from grader.submission.roster import Identity

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADERS = {
    "student": Code.COLUMN_STUDENT,
    "number": Code.COLUMN_NUMBER,
    "name": Code.COLUMN_NAME,
    "score": Code.COLUMN_SCORE,
    "max_score": Code.COLUMN_MAX_SCORE,
    "status": Code.COLUMN_STATUS,
    "note": Code.COLUMN_NOTE,
}
STATUSES = {
    "graded": Code.STATUS_GRADED,
    "not_graded": Code.STATUS_NOT_GRADED,
    "no_submission": Code.STATUS_NO_SUBMISSION,
}


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
    *,
    identities: dict[str, Identity] | None = None,
    absent: Sequence[Identity] = (),
    max_score: float | None = None,
) -> list[list[str]]:
    notes = notes or {}
    identities = identities or {}
    h = {key: say(msg(code), lang) for key, code in HEADERS.items()}
    rows = [
        [
            h["student"],
            h["number"],
            h["name"],
            h["score"],
            h["max_score"],
            *scenario_ids,
            h["status"],
            h["note"],
        ]
    ]
    for r in sorted(results, key=lambda r: r.student.casefold()):
        by_id = {s.id: s for s in r.scenarios}
        ungraded = not_scored_because(r)
        graded = ungraded is None  # a scenario the grader could not run: its 0 is no score
        who = identities.get(r.student, Identity())
        cells = [_num(by_id[i].score) if graded and i in by_id else "" for i in scenario_ids]
        note = say(ungraded, lang) if ungraded is not None else ""
        extra = notes.get(r.student, "")
        note = "; ".join(x for x in (note, extra) if x)
        rows.append(
            [
                _cell(r.student),
                _cell(who.number),
                _cell(who.name),
                _num(r.score) if graded else "",
                _num(r.max_score),
                *cells,
                say(msg(STATUSES[r.status if graded else "not_graded"]), lang),
                _cell(note),
            ]
        )
    top = max_score if max_score is not None else (results[0].max_score if results else 0.0)
    for who in absent:
        rows.append(
            [
                "",
                _cell(who.number),
                _cell(who.name),
                "",
                _num(top),
                *["" for _i in scenario_ids],
                say(msg(STATUSES["no_submission"]), lang),
                "",
            ]
        )
    return rows


def gradebook_csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return "\ufeff" + buf.getvalue()


def gradebook_xlsx(rows: list[list[str]]) -> bytes | None:
    """The same rows as an Excel workbook (scores as numbers, 学号 as text so leading zeros
    stay); None where openpyxl is not installed."""
    try:
        from openpyxl import Workbook
    except ImportError:
        return None
    book = Workbook()
    sheet = book.active
    sheet.title = "grades"
    numeric = {3, 4, *range(5, len(rows[0]) - 2)}
    for r, row in enumerate(rows):
        values: list[object] = []
        for c, value in enumerate(row):
            if r and c in numeric and value:
                values.append(float(value))
            else:
                values.append(value)
        sheet.append(values)
    for cell in sheet["B"]:
        cell.number_format = "@"
    sheet.freeze_panes = "A2"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def write_gradebook(
    path: Path,
    results: Sequence[GradeResult],
    scenario_ids: Sequence[str],
    notes: dict[str, str] | None = None,
    lang: str = "en",
    *,
    identities: dict[str, Identity] | None = None,
    absent: Sequence[Identity] = (),
    max_score: float | None = None,
) -> None:
    """``grades.csv`` at ``path`` and, with openpyxl, ``grades.xlsx`` beside it, in ``lang``."""
    rows = gradebook_rows(
        results, scenario_ids, notes, lang, identities=identities, absent=absent, max_score=max_score
    )
    write_atomic(path, gradebook_csv(rows))
    xlsx = gradebook_xlsx(rows)
    if xlsx is not None:
        write_atomic(path.with_suffix(".xlsx"), xlsx)
