"""Grading a class: discover -> tasks (skip unchanged) -> an executor -> files -> index, gradebook.

Only this driver writes files, each atomically, and a student's key is written last, after
its ``results.json`` and ``report.html``: an interrupted batch keeps every finished result,
and the next run grades only what is missing or changed. Executors (threads here, Dask or
a job array elsewhere) only turn :class:`~grader.task.job.Task` into
:class:`~grader.task.job.TaskResult`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from grader.batch.files import (
    REPORT_FILE,
    RESULTS_FILE,
    clean_stale_temporaries,
    locked,
    retire_absent_students,
    stored_key,
    student_dir,
    write_result,
)
from grader.batch.local import Executor, LocalExecutor
from grader.batch.summary import BatchSummary
from grader.errors import UsageError
from grader.i18n import gettext_for
from grader.messages import msg, verbatim
from grader.messages.codes import Code
from grader.render.gradebook import write_gradebook
from grader.render.progress import PlainProgress, Progress
from grader.results.models import GradeResult, read_json, write_atomic
from grader.spec.base import localize
from grader.spec.load import load_assignment
from grader.spec.models import Assignment
from grader.submission.discover import Discovery, Found, discover
from grader.submission.roster import Identity, Matched, identify, read_roster
from grader.task.job import (
    Task,
    TaskResult,
    assignment_files,
    make_task,
    not_graded_result,
    render_html,
)

# ------------------------------------------------------------------------------ files


def identities(discovery: Discovery, roster: Path | None, lang: str) -> Matched:
    """学号 and 姓名 of every submission, joined to the roster when there is one."""
    who = []
    for f in discovery.submissions:
        lms = f.layout in ("moodle", "canvas")
        raw = f.student if lms or not f.sources else Path(f.sources[0]).stem
        who.append((f.student, raw, f.student if lms else ""))
    table = read_roster(roster, gettext_for(lang)) if roster is not None else None
    return identify(who, table, gettext_for(lang))


# ------------------------------------------------------------------------------ tasks


def task_options(
    isolation: str = "auto", lang: str = "en", python: str | None = None, reveal_hidden: bool = False
) -> dict[str, Any]:
    return {"isolation": isolation, "lang": lang, "python": python, "reveal_hidden": reveal_hidden}


def problem_result(assignment: Assignment, found: Found, options: dict[str, Any]) -> TaskResult:
    """A submission discovery could not use: a not-graded result the driver writes itself."""
    from grader.grade import not_graded

    result = not_graded(assignment, found.student, verbatim(found.problem or ""), options.get("lang", "en"))
    return TaskResult(
        found.student,
        "",
        result.to_json(),
        render_html(result, options),
        0.0,
    )


def plan(
    assignment_path: Path,
    submissions: Path,
    *,
    lang: str,
    exclude: Iterable[Path] = (),
    only: Iterable[str] | None = None,
) -> tuple[Assignment, dict[str, bytes], Discovery]:
    if not Path(submissions).is_dir():
        raise UsageError(gettext_for(lang)("{path}: no such folder of submissions").format(path=submissions))
    assignment = load_assignment(assignment_path)
    spec_files = assignment_files(assignment_path)
    return assignment, spec_files, discover(submissions, assignment, lang=lang, only=only, exclude=exclude)


# ------------------------------------------------------------------------------ the driver


def run_batch(
    assignment_path: Path,
    submissions: Path,
    out: Path,
    *,
    options: dict[str, Any] | None = None,
    jobs: int = 0,
    force: bool = False,
    executor: Executor | None = None,
    progress: Progress | None = None,
    roster: Path | None = None,
) -> BatchSummary:
    """Grade every submission under ``submissions`` into ``out``; see the module docstring.

    Raises ``KeyboardInterrupt`` after stopping the executor when interrupted; every result
    finished by then is on disk and the next run resumes from there.
    """
    options = options or task_options()
    lang = options.get("lang", "en")
    out = Path(out)
    started = time.monotonic()
    progress = progress or PlainProgress(lang)
    assignment, spec_files, discovery = plan(assignment_path, submissions, lang=lang, exclude=[out])
    who = identities(discovery, roster, lang)
    with locked(out, lang):
        clean_stale_temporaries(out)
        retired, kept_stale = retire_absent_students(out, {f.student for f in discovery.submissions})
        summary = BatchSummary(
            out=out,
            results=[],
            ignored=discovery.ignored,
            notes={f.student: list(f.notes) for f in discovery.submissions if f.notes},
            absent=[" ".join(x for x in (a.number, a.name) if x) for a in who.absent],
            retired=retired,
            kept_stale=kept_stale,
        )
        for student, note in who.notes.items():
            summary.notes.setdefault(student, []).append(note)
        by_student: dict[str, GradeResult] = {}
        tasks: list[Task] = []
        for found in discovery.submissions:
            if found.problem is not None:
                done = problem_result(assignment, found, options)
                write_result(out, done)
                by_student[found.student] = done.result()
                continue
            task = make_task(found.student, spec_files, found.files, options)
            if not force and stored_key(out, found.student) == task.key:
                with contextlib.suppress(OSError, ValueError, KeyError):
                    by_student[found.student] = read_json(student_dir(out, found.student) / RESULTS_FILE)
                    summary.reused += 1
                    continue
            tasks.append(task)
        executor = executor or LocalExecutor(jobs)
        progress.start(len(tasks), summary.reused)
        by_task = {t.student: t for t in tasks}
        results = executor.map_unordered(tasks)
        try:
            for done in results:
                if done.student not in by_task:
                    continue  # never write where an executor says unless it is a student we asked for
                done = _checked(done, by_task)
                write_result(out, done)
                result = done.result()
                by_student[done.student] = result
                summary.durations[done.student] = done.duration
                summary.graded_now += 1
                progress.advance(result, done.duration)
        except BaseException:
            summary.interrupted = True
            raise
        finally:
            close = getattr(results, "close", None)
            if close is not None:
                close()
            progress.close()
        summary.results = [by_student[f.student] for f in discovery.submissions if f.student in by_student]
        for r in summary.results:
            summary.durations.setdefault(r.student, r.run.duration)
        notes = {s: "; ".join(n) for s, n in summary.notes.items()}
        write_gradebook(
            out / "grades.csv",
            summary.results,
            [s.id for s in assignment.scenarios],
            notes,
            lang,
            identities=who.identities,
            absent=who.absent,
            max_score=assignment.max_score,
        )
        summary.index_written = write_index(
            out, summary.results, assignment, lang, identities=who.identities, absent=who.absent
        )
        summary.elapsed = time.monotonic() - started
        return summary


def _checked(done: TaskResult, tasks: dict[str, Task]) -> TaskResult:
    """A result an executor returned that cannot be read becomes "not graded", not a crash."""
    try:
        done.result()
        return done
    except Exception as exc:
        task = tasks.get(done.student)
        if task is None:
            raise
        return not_graded_result(task, msg(Code.WORKER_UNREADABLE, why=type(exc).__name__), done.duration)


def write_index(
    out: Path,
    results: list[GradeResult],
    assignment: Assignment,
    lang: str,
    *,
    identities: dict[str, Identity] | None = None,
    absent: list[Identity] | None = None,
) -> bool:
    try:
        from grader.render.html import render_index
    except ImportError:
        return False
    links = {r.student: f"{quote(r.student)}/{REPORT_FILE}" for r in results}
    title = localize(assignment.title, lang)
    html = render_index(results, links, title=title, lang=lang, identities=identities, absent=absent)
    write_atomic(out / "index.html", html)
    return True


# ------------------------------------------------------------------------------ manifests (job arrays)


# ------------------------------------------------------------------------------ the summary
