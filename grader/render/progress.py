"""Progress of a batch: a live bar on a terminal, one plain line per submission otherwise.

A log file or CI job gets lines it can grep; a person at a terminal gets done/total, rate,
time left and how many submissions could not be graded so far, in place.
"""

from __future__ import annotations

import sys
import time
from typing import Protocol, TextIO

from grader.i18n import gettext_for
from grader.render.words import say, total_not_graded
from grader.results.models import GradeResult


class Progress(Protocol):
    def start(self, total: int, reused: int) -> None: ...
    def advance(self, result: GradeResult, duration: float) -> None: ...
    def close(self) -> None: ...


def _fmt(x: float) -> str:
    return f"{x:g}"


def describe(result: GradeResult, lang: str) -> str:
    _ = gettext_for(lang)
    if result.status == "not_graded":
        return _("not graded: {why}").format(why=say(result.not_graded_reason, lang))
    ungraded = total_not_graded(result)
    if ungraded is not None:
        return say(ungraded, lang)
    return f"{_fmt(result.score)}/{_fmt(result.max_score)}"


class PlainProgress:
    """One line per finished submission: ``[3/12] alice: 9/10 (0.6 s)``."""

    def __init__(self, lang: str = "en", stream: TextIO | None = None) -> None:
        self.lang = lang
        self.stream = stream or sys.stdout
        self.done = 0
        self.total = 0

    def start(self, total: int, reused: int) -> None:
        _ = gettext_for(self.lang)
        self.total, self.done = total, 0
        if reused:
            print(
                _("{reused} unchanged submissions kept from the last run").format(reused=reused),
                file=self.stream,
                flush=True,
            )
        if total:
            print(_("grading {total} submissions").format(total=total), file=self.stream, flush=True)

    def advance(self, result: GradeResult, duration: float) -> None:
        self.done += 1
        said = describe(result, self.lang)
        line = f"[{self.done}/{self.total}] {result.student}: {said} ({duration:.1f} s)"
        print(line, file=self.stream, flush=True)

    def close(self) -> None:
        pass


class RichProgress:
    """A live bar: done/total, submissions per second, time left, not graded so far."""

    def __init__(self, lang: str = "en") -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        _ = gettext_for(lang)
        self.lang = lang
        self.console = Console()
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TextColumn("[red]{task.fields[failures]}"),
            console=self.console,
            transient=False,
        )
        self.task_id = self.bar.add_task(_("grading"), total=0, rate="", failures="", start=False)
        self.failed = 0
        self.started = time.monotonic()

    def start(self, total: int, reused: int) -> None:
        _ = gettext_for(self.lang)
        if reused:
            self.console.print(
                _("{reused} unchanged submissions kept from the last run").format(reused=reused)
            )
        if not total:
            return  # nothing to grade: no bar
        self.bar.update(self.task_id, total=total)
        self.bar.start_task(self.task_id)
        self.started = time.monotonic()
        self.bar.start()

    def advance(self, result: GradeResult, duration: float) -> None:
        _ = gettext_for(self.lang)
        self.bar.advance(self.task_id)
        done = self.bar.tasks[0].completed
        rate = done / max(time.monotonic() - self.started, 1e-6)
        if result.status == "not_graded":
            self.failed += 1
            from rich.markup import escape

            said = escape(describe(result, self.lang))
            self.bar.console.print(f"[yellow]{escape(result.student)}[/]: {said}", highlight=False)
        failures = _("{n} not graded").format(n=self.failed) if self.failed else ""
        self.bar.update(self.task_id, rate=_("{rate:.1f}/s").format(rate=rate), failures=failures)

    def close(self) -> None:
        self.bar.stop()


def progress_for(stream: TextIO, lang: str, enabled: bool = True) -> Progress:
    """The live bar only where a person watches a terminal."""
    if enabled and stream.isatty():
        return RichProgress(lang)
    return PlainProgress(lang, stream)
