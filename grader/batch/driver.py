"""Grading a class: discover -> tasks (skip unchanged) -> an executor -> files -> index, gradebook.

Only this driver writes files, each atomically, and a student's key is written last, after
its ``results.json`` and ``report.html``: an interrupted batch keeps every finished result,
and the next run grades only what is missing or changed. Executors (threads here, Dask or
a job array elsewhere) only turn :class:`~grader.task.job.Task` into
:class:`~grader.task.job.TaskResult`.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import fcntl
import json
import os
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from grader.errors import UsageError
from grader.i18n import gettext_for
from grader.messages import LIST_JOINERS, msg, verbatim
from grader.messages.codes import Code
from grader.render.gradebook import write_gradebook
from grader.render.progress import PlainProgress, Progress
from grader.render.words import say
from grader.resident.pool import let_kept_workers_go, run_pooled_task, shared_pool
from grader.results.models import GradeResult, read_json, write_atomic
from grader.spec.base import localize
from grader.spec.load import load_assignment
from grader.spec.models import Assignment
from grader.submission.discover import Discovery, Found, discover, safe_id
from grader.submission.roster import Identity, Matched, identify, read_roster
from grader.task.job import (
    Task,
    TaskResult,
    Worker,
    assignment_files,
    make_task,
    not_graded_result,
    render_html,
)

KEY_FILE = ".grader-key"
RESULTS_FILE = "results.json"
REPORT_FILE = "report.html"
MANIFEST_FORMAT = "grader-manifest/1"


class Executor(Protocol):
    def map_unordered(self, tasks: Iterable[Task]) -> Iterator[TaskResult]:
        """Yield each task's result as it finishes, in any order."""
        ...


WAITING_PER_CORE = 4
"""Submissions in flight per core: a submission's time is mostly waiting (scripted pauses, a
student's start-up, the network), about a quarter of it CPU (benchmarks/RESULTS.md)."""
MEMORY_PER_JOB = 192 << 20
"""What one submission in flight may need: its worker and a few students at once."""


def default_jobs() -> int:
    """Submissions graded at once when not told: enough to keep the cores busy while they
    wait, no more than memory allows (MemAvailable), at least one per core."""
    cores = os.cpu_count() or 1
    jobs = cores * WAITING_PER_CORE
    try:
        with open("/proc/meminfo") as f:
            available = next(int(line.split()[1]) << 10 for line in f if line.startswith("MemAvailable:"))
        jobs = min(jobs, max(cores, available // MEMORY_PER_JOB))
    except (OSError, StopIteration, ValueError):
        pass
    return jobs


class LocalExecutor:
    """``jobs`` threads on this machine, each grading one task at a time in a fresh worker process.

    Tasks are submitted lazily (at most ``jobs`` in flight), so stopping early leaves the rest
    untouched; on Ctrl-C (or when the consumer stops iterating) running workers are stopped
    and their half-done results are dropped, never yielded.
    """

    def __init__(self, jobs: int = 0, run: Callable[..., TaskResult] = run_pooled_task) -> None:
        self.jobs = max(1, jobs or default_jobs())
        self._run = run
        self._running: set[Worker] = set()
        self._lock = threading.Lock()
        self._cancelled = threading.Event()

    def _one(self, task: Task) -> TaskResult:
        procs: list[Worker] = []

        def started(proc: Worker) -> None:
            with self._lock:
                procs.append(proc)
                self._running.add(proc)
            if self._cancelled.is_set():
                proc.kill()

        try:
            return self._run(task, on_start=started)
        except Exception as exc:  # a bug around one task must not cost the batch
            return not_graded_result(task, msg(Code.GRADER_FAILED, error=f"{type(exc).__name__}: {exc}"))
        finally:
            with self._lock:
                self._running.difference_update(procs)

    def cancel(self) -> None:
        """Stop submitting, and stop every running worker (each ends its students' processes)."""
        from grader.task.job import stop

        self._cancelled.set()
        with self._lock:
            running = list(self._running)
        threads = [threading.Thread(target=stop, args=(p,)) for p in running]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def map_unordered(self, tasks: Iterable[Task]) -> Iterator[TaskResult]:
        self._cancelled.clear()
        if self._run is run_pooled_task:
            # Started from this (the caller's) thread: a pool dies with the thread that made it.
            shared_pool()
        pending = iter(tasks)
        pool = cf.ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="grader-task")
        in_flight: set[cf.Future[TaskResult]] = set()
        try:
            for task in pending:
                in_flight.add(pool.submit(self._one, task))
                if len(in_flight) >= self.jobs:
                    break
            while in_flight:
                done, in_flight = cf.wait(in_flight, return_when=cf.FIRST_COMPLETED)
                for future in sorted(done, key=id):
                    if self._cancelled.is_set():
                        return
                    for task in pending:
                        in_flight.add(pool.submit(self._one, task))
                        break
                    yield future.result()
        except BaseException:
            self.cancel()
            raise
        finally:
            if in_flight:
                self.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            if self._run is run_pooled_task:
                let_kept_workers_go()  # their threads are gone: end them now, not at exit


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


# ------------------------------------------------------------------------------ files


def student_dir(out: Path, student: str) -> Path:
    return out / student


def stored_key(out: Path, student: str) -> str | None:
    """The key of a complete stored result (key written last), or None."""
    folder = student_dir(out, student)
    try:
        key = (folder / KEY_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not (folder / RESULTS_FILE).is_file() or not (folder / REPORT_FILE).is_file():
        return None
    return key or None


def write_result(out: Path, result: TaskResult) -> None:
    """A student's results, report, then key (last: a result without its key is graded again)."""
    folder = student_dir(out, result.student)
    (folder / KEY_FILE).unlink(missing_ok=True)
    write_atomic(folder / RESULTS_FILE, result.results_json)
    if result.report_html:
        write_atomic(folder / REPORT_FILE, result.report_html)
    if result.key and result.report_html:
        write_atomic(folder / KEY_FILE, result.key + "\n")


GRADER_OUTPUTS = {KEY_FILE, RESULTS_FILE, REPORT_FILE}


def retire_absent_students(out: Path, present: set[str]) -> tuple[list[str], list[str]]:
    """Remove the outputs of students no longer in the submissions folder (renamed, withdrawn).

    Only folders holding nothing but what the grader writes there are removed; a folder with
    any other file (a teacher's notes) is kept and returned second, to be named in the summary.
    """
    removed: list[str] = []
    kept: list[str] = []
    for folder in sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if folder.name in present or not (folder / RESULTS_FILE).is_file():
            continue
        names = {p.name for p in folder.iterdir()}
        if {n for n in names if not n.startswith(".") or n == KEY_FILE} <= GRADER_OUTPUTS:
            for child in folder.iterdir():
                with contextlib.suppress(OSError):
                    child.unlink()
            with contextlib.suppress(OSError):
                folder.rmdir()
            removed.append(folder.name)
        else:
            kept.append(folder.name)
    return removed, kept


def identities(discovery: Discovery, roster: Path | None, lang: str) -> Matched:
    """学号 and 姓名 of every submission, joined to the roster when there is one."""
    who = []
    for f in discovery.submissions:
        lms = f.layout in ("moodle", "canvas")
        raw = f.student if lms or not f.sources else Path(f.sources[0]).stem
        who.append((f.student, raw, f.student if lms else ""))
    table = read_roster(roster, gettext_for(lang)) if roster is not None else None
    return identify(who, table, gettext_for(lang))


def clean_stale_temporaries(out: Path) -> None:
    """Half-written files left by a killed run (``write_atomic``'s ``.NAME.*.tmp``)."""
    for pattern in ("*/.*.tmp", ".*.tmp"):
        for tmp in out.glob(pattern):
            with contextlib.suppress(OSError):
                tmp.unlink()


@contextlib.contextmanager
def locked(out: Path, lang: str) -> Iterator[None]:
    """One batch at a time per output folder (a second one would interleave writes)."""
    _ = gettext_for(lang)
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out / ".grader-batch.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(
                _("another grader batch is writing to {out}; wait for it to finish").format(out=out)
            ) from None
        yield
    finally:
        os.close(fd)


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


def write_manifest(path: Path, assignment_path: Path, submissions: Path, options: dict[str, Any]) -> int:
    """The list ``grader grade-one --index N`` reads: one item per discovered submission."""
    lang = options.get("lang", "en")
    _assignment, spec_files, discovery = plan(assignment_path, submissions, lang=lang)
    items = []
    for index, found in enumerate(discovery.submissions):
        key = "" if found.problem else make_task(found.student, spec_files, found.files, options).key
        items.append(
            {
                "index": index,
                "student": found.student,
                "sources": list(found.sources),
                "layout": found.layout,
                "key": key,
                "problem": found.problem,
            }
        )
    manifest = {
        "format": MANIFEST_FORMAT,
        "assignment": str(Path(assignment_path).resolve()),
        "submissions": str(Path(submissions).resolve()),
        "options": options,
        "items": items,
    }
    write_atomic(Path(path), json.dumps(manifest, ensure_ascii=False, indent=1))
    return len(items)


def read_manifest(path: Path, lang: str = "en") -> dict[str, Any]:
    _ = gettext_for(lang)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(_("{path}: cannot read the manifest: {why}").format(path=path, why=exc)) from None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise UsageError(
            _("{path}: not a manifest written by grader batch --write-manifest").format(path=path)
        )
    return data


def grade_one(manifest: dict[str, Any], index: int, out: Path, *, force: bool = False) -> TaskResult | None:
    """Grade item ``index`` of a manifest into ``out`` (exactly as a batch would); None if unchanged."""
    options = manifest["options"]
    lang = options.get("lang", "en")
    _ = gettext_for(lang)
    items = manifest["items"]
    if not 0 <= index < len(items):
        raise UsageError(
            _("index {index} is out of range: the manifest lists {n} submissions (0 to {last})").format(
                index=index, n=len(items), last=len(items) - 1
            )
        )
    item = items[index]
    if safe_id(str(item.get("student", "")))[0] != item.get("student"):
        raise UsageError(
            _("{path}: item {index} has an unsafe student id").format(
                path=manifest.get("path", "manifest"), index=index
            )
        )
    assignment, spec_files, discovery = plan(
        Path(manifest["assignment"]), Path(manifest["submissions"]), lang=lang, only=item["sources"]
    )
    found = next((f for f in discovery.submissions if tuple(f.sources) == tuple(item["sources"])), None)
    if found is None:
        found = Found(
            student=item["student"],
            layout=item["layout"],
            sources=tuple(item["sources"]),
            problem=_("the submission is no longer in {path}").format(path=manifest["submissions"]),
        )
    found.student = item["student"]  # the id the whole class was given (collisions were settled then)
    if found.problem is not None:
        done = problem_result(assignment, found, options)
    else:
        task = make_task(found.student, spec_files, found.files, options)
        if not force and stored_key(out, found.student) == task.key:
            return None
        done = run_pooled_task(task)
    write_result(out, done)
    return done


# ------------------------------------------------------------------------------ the summary


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
