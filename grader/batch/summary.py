"""The batch's summary: counts, the slowest students, what the terminal prints at the end."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path

from grader.i18n import gettext_for
from grader.messages import LIST_JOINERS
from grader.render.words import say
from grader.results.models import GradeResult


@dataclass
class BatchSummary:
    out: Path
    results: list[GradeResult]
    graded_now: int = 0
    reused: int = 0
    durations: dict[str, float] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    """Roster students with no submission (学号 姓名)."""
    retired: list[str] = field(default_factory=list)
    """Output folders of students no longer among the submissions, removed."""
    kept_stale: list[str] = field(default_factory=list)
    """Such folders holding files the grader did not write: kept, and named in the summary."""
    interrupted: bool = False
    index_written: bool = False
    elapsed: float = 0.0

    @property
    def graded(self) -> list[GradeResult]:
        return [r for r in self.results if r.status == "graded"]

    @property
    def not_graded(self) -> list[GradeResult]:
        return [r for r in self.results if r.status == "not_graded"]


def summary_lines(summary: BatchSummary, lang: str, slowest: int = 3) -> list[str]:
    _ = gettext_for(lang)
    lines: list[str] = []
    graded, missing = summary.graded, summary.not_graded
    lines.append(
        _("graded: {graded}, not graded: {missing} ({now} graded now, {reused} unchanged)").format(
            graded=len(graded), missing=len(missing), now=summary.graded_now, reused=summary.reused
        )
    )
    if graded:
        scores = [r.score for r in graded]
        top = graded[0].max_score
        lines.append(
            _("score: mean {mean:.2f}/{top:g}, median {median:g}/{top:g}").format(
                mean=statistics.fmean(scores), median=statistics.median(scores), top=top
            )
        )
    timed = sorted(((d, s) for s, d in summary.durations.items() if d > 0), reverse=True)[:slowest]
    if timed:
        items = [f"{s} {d:.1f} s" for d, s in timed]
        lines.append(_("slowest: {list}").format(list=LIST_JOINERS[lang == "zh"].join(items)))
    for r in missing:
        why = say(r.not_graded_reason, lang)
        lines.append(_("not graded: {student}: {why}").format(student=r.student, why=why))
    for student, notes in sorted(summary.notes.items()):
        for note in notes:
            lines.append(_("note: {student}: {note}").format(student=student, note=note))
    if summary.ignored:
        lines.append(_("ignored (not a submission): {names}").format(names=", ".join(summary.ignored)))
    if summary.absent:
        lines.append(_("on the roster, no submission: {names}").format(names=", ".join(summary.absent)))
    if summary.retired:
        lines.append(
            _("removed the outputs of students no longer among the submissions: {names}").format(
                names=", ".join(summary.retired)
            )
        )
    if summary.kept_stale:
        lines.append(
            _(
                "kept the outputs of students no longer among the submissions "
                "(they hold other files): {names}"
            ).format(names=", ".join(summary.kept_stale))
        )
    out = summary.out
    if summary.index_written:
        lines.append(_("class overview: {path}").format(path=out / "index.html"))
    lines.append(_("gradebook: {path}").format(path=out / "grades.csv"))
    return lines
