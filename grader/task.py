"""One grading job as bytes in, results out: the unit every executor (threads, Dask, a job array) runs.

A :class:`Task` carries everything as bytes (the assignment folder and the submission, both
zipped), so it can travel to another machine, and :func:`run_task` grades it in a fresh
worker process (forked from this process's warm pool, :mod:`grader.resident.pool`, or a new
``python -m grader.task``): namespaces, memory limits and any crash stay out of the caller,
and a worker that dies or hangs costs one not-graded result, never the batch.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from grader import __version__
from grader.fixtures import FIXTURE_FOLDER
from grader.messages import Code, Message, msg
from grader.results import GradeResult
from grader.spec import Assignment
from grader.submission import IGNORED

TASK_FORMAT = "grader-task/2"
"""Part of every key: version 2 results hold codes, not words (results of version 1 are regraded)."""
PARENT_ENV = "GRADER_TASK_PARENT"
"""The pid a worker must die with (it checks, then asks the kernel to tell it)."""
FRAME_HEADER = 8
"""Bytes of the length before each task and each result on a kept worker's pipes
(:func:`serve_tasks`, :class:`grader.resident.pool.KeptWorker`)."""
GRACE_SECONDS = 5.0
"""How long a worker asked to stop (SIGINT) may take to end its students' processes."""
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Task:
    """Everything a grading job needs, as bytes: picklable, no paths into the driver's disk."""

    student: str
    key: str
    """Hash of (spec, submission, grader version, options, student): unchanged work is skipped."""
    assignment_bundle: bytes
    submission_bundle: bytes
    options: dict[str, Any]
    """isolation, lang, python (str | None), reveal_hidden."""


@dataclass(frozen=True)
class TaskResult:
    student: str
    key: str
    """The task's key; empty when the result must not be reused (the grader failed, not the student)."""
    results_json: str
    """The :class:`GradeResult` as JSON (the grader's own format)."""
    report_html: str
    duration: float

    def result(self) -> GradeResult:
        """The results, parsed once (the driver asks three times: report, check, summary)."""
        parsed = self.__dict__.get("_parsed")
        if parsed is None:
            parsed = GradeResult.from_json(self.results_json)
            object.__setattr__(self, "_parsed", parsed)
        return parsed

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (to and from Dask workers) without the parsed copy."""
        return {k: v for k, v in self.__dict__.items() if k != "_parsed"}


# ------------------------------------------------------------------------------ bundles and keys


def bundle(files: dict[str, bytes]) -> bytes:
    """A deterministic zip (sorted names, fixed times): the same files give the same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buf.getvalue()


def unbundle(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}


def extract(data: bytes, folder: Path) -> None:
    """Write a bundle's files under ``folder``, refusing any path that would leave it."""
    for name, content in unbundle(data).items():
        parts = PurePosixPath(name).parts
        if not parts or name.startswith("/") or ".." in parts or "\\" in name:
            raise ValueError(f"unsafe path in bundle: {name!r}")
        target = folder.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def assignment_files(path: Path) -> dict[str, bytes]:
    """The assignment folder's files that grading may read: not ``manifest.yaml`` (for ``validate``)
    nor documentation, so editing a README does not make a whole class be graded again; the
    fixture files under ``files/`` all, ``.md`` ones too (a server may be asked to serve one)."""
    path = Path(path)
    if path.is_file():
        return {"assignment.yaml": path.read_bytes()}
    files: dict[str, bytes] = {}
    for p in sorted(path.rglob("*")):
        rel = p.relative_to(path)
        if any(part in IGNORED or part.startswith(".") for part in rel.parts) or p.is_symlink():
            continue
        documentation = p.suffix.lower() == ".md" and rel.parts[0] != FIXTURE_FOLDER
        if p.is_file() and rel.as_posix() != "manifest.yaml" and not documentation:
            files[rel.as_posix()] = p.read_bytes()  # a fixture is served, whatever its name
    return files


def files_digest(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return h.hexdigest()


def task_key(
    student: str, assignment: dict[str, bytes], submission: dict[str, bytes], options: dict[str, Any]
) -> str:
    """What decides a result: the spec, the files, the grader's version, the options and the id."""
    h = hashlib.sha256()
    for part in (
        TASK_FORMAT,
        __version__,
        student,
        files_digest(assignment),
        files_digest(submission),
        json.dumps(options, sort_keys=True),
    ):
        h.update(part.encode() + b"\0")
    return h.hexdigest()[:32]


def make_task(
    student: str, assignment: dict[str, bytes], submission: dict[str, bytes], options: dict[str, Any]
) -> Task:
    return Task(
        student=student,
        key=task_key(student, assignment, submission, options),
        assignment_bundle=bundle(assignment),
        submission_bundle=bundle(submission),
        options=dict(options),
    )


@lru_cache(maxsize=8)
def load_bundled_assignment(assignment_bundle: bytes) -> Assignment:
    from grader.spec_yaml import load_assignment

    with tempfile.TemporaryDirectory(prefix="grader-spec-") as tmp:
        extract(assignment_bundle, Path(tmp))
        return load_assignment(Path(tmp))


def wall_limit(assignment: Assignment) -> float:
    """Generous: every scenario to its own time limit one after the other, plus start-up."""
    return 60.0 + sum(s.timeout or assignment.timeouts.scenario for s in assignment.scenarios)


# ------------------------------------------------------------------------------ the driver's side


def not_graded_result(
    task: Task, why: Message, duration: float = 0.0, *, reusable: bool = False
) -> TaskResult:
    """A result saying the grader (not the student) failed; not reused by later runs."""
    from grader.grade import not_graded

    try:
        assignment = load_bundled_assignment(task.assignment_bundle)
    except Exception:  # an unreadable spec bundle is reported, not raised
        result = GradeResult(
            assignment="?",
            assignment_title="?",
            student=task.student,
            score=0,
            max_score=0,
            status="not_graded",
            not_graded_reason=why,
        )
        return TaskResult(task.student, task.key if reusable else "", result.to_json(), "", duration)
    result = not_graded(assignment, task.student, why, task.options.get("lang", "en"))
    return TaskResult(
        task.student,
        task.key if reusable else "",
        result.to_json(),
        render_html(result, task.options),
        duration,
    )


def with_report(done: TaskResult, options: dict[str, Any]) -> TaskResult:
    """The worker's result with its HTML report; without a key if the report cannot be made."""
    from dataclasses import replace

    try:
        result = done.result()
        html = render_html(result, options)
    except Exception as exc:  # unreadable results: the caller reports it
        raise ValueError(f"unreadable results: {exc}") from exc
    finished = replace(done, report_html=html, key=done.key if html else "")
    object.__setattr__(finished, "_parsed", result)
    return finished


def render_html(result: GradeResult, options: dict[str, Any]) -> str:
    """The per-student report; empty (and no key is stored, so a later run retries) if it fails."""
    try:
        from grader.report import render_report

        return render_report(
            result, options.get("lang", "en"), reveal_hidden=bool(options.get("reveal_hidden", False))
        )
    except Exception as exc:  # a report bug must not cost the student's result or the batch
        print(
            f"grader: cannot render the report of {result.student}: {type(exc).__name__}: {exc}",
            file=sys.stderr,
        )
        return ""


class Worker(Protocol):
    """A worker process as :func:`run_task` drives it: a ``Popen``, or a warm pool's child."""

    pid: int
    returncode: int | Any

    def communicate(self, input: bytes, timeout: float | None = None) -> tuple[bytes, bytes]: ...

    def poll(self) -> int | None: ...

    def kill(self) -> None: ...


def stop(proc: Worker, grace: float = GRACE_SECONDS) -> None:
    """Ask a worker to stop (it then ends its students' processes), then kill its whole group."""
    if not isinstance(proc, subprocess.Popen):
        proc.stop(grace)  # type: ignore[attr-defined]
        return
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def fresh_worker_command() -> list[str]:
    """A new interpreter running :func:`main`; a warm pool (:mod:`grader.resident.pool`) offers
    a faster command, passed in by the executor that owns the pool."""
    return [sys.executable, "-m", "grader.task"]


def run_task(
    task: Task,
    *,
    on_start: Callable[[Worker], None] | None = None,
    limit: float | None = None,
    command: Sequence[str] | None = None,
    worker: Worker | None = None,
) -> TaskResult:
    """Grade ``task`` in a fresh worker process; never raises for a student's (or a worker's) fault.

    ``on_start`` receives the worker process (an executor keeps it to stop it on Ctrl-C);
    ``limit`` overrides the wall-clock limit derived from the spec; ``command`` replaces the
    worker command (tests use it to stand in for a worker that crashes or hangs); ``worker``
    is one already started (a warm pool's child, :class:`grader.resident.pool.PoolWorker`).
    """
    started = time.monotonic()
    if limit is None:
        try:
            limit = wall_limit(load_bundled_assignment(task.assignment_bundle))
        except Exception:
            limit = 600.0
    env = dict(os.environ, **{PARENT_ENV: str(os.getpid())})
    proc: Worker
    try:
        proc = worker or subprocess.Popen(
            list(command or fresh_worker_command()),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            env=env,
        )
    except OSError as exc:
        return not_graded_result(task, msg(Code.WORKER_DID_NOT_START, why=str(exc)))
    if on_start is not None:
        on_start(proc)
    try:
        out, err = proc.communicate(pickle.dumps(task), timeout=limit)
    except subprocess.TimeoutExpired:
        stop(proc)
        return not_graded_result(task, msg(Code.WORKER_TOO_SLOW, limit=limit), time.monotonic() - started)
    except BaseException:
        stop(proc)
        raise
    duration = time.monotonic() - started
    if proc.returncode == 0:
        try:
            data = json.loads(out)
            done = TaskResult(**{**data, "duration": duration})
            return with_report(done, task.options)
        except (ValueError, TypeError) as exc:
            return not_graded_result(task, msg(Code.WORKER_UNREADABLE, why=type(exc).__name__), duration)
    tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    how = (
        msg(Code.KILLED_BY_SIGNAL, sig=-proc.returncode)
        if proc.returncode < 0
        else msg(Code.EXIT_CODE, code=proc.returncode)
    )
    why = (
        msg(Code.WORKER_DIED_SAYING, how=how, tail=tail[0][:200])
        if tail[0]
        else msg(Code.WORKER_DIED, how=how)
    )
    return not_graded_result(task, why, duration)


# ------------------------------------------------------------------------------ the worker's side


def grade_task(task: Task) -> TaskResult:
    """Unpack and grade: runs inside the worker process.

    The report is rendered by :func:`run_task`'s caller, whose Jinja environment is already
    loaded and compiled: in a fresh worker, importing and compiling the templates costs more
    than rendering a hundred reports in a warm process.
    """
    from grader.grade import GradeOptions, grade, not_graded

    started = time.monotonic()
    opts = task.options
    with tempfile.TemporaryDirectory(prefix="grader-task-") as tmp:
        assignment = load_bundled_assignment(task.assignment_bundle)
        folder = Path(tmp) / "submission" / task.student
        folder.mkdir(parents=True)
        try:
            extract(task.submission_bundle, folder)
            result = grade(
                assignment,
                folder,
                task.student,
                GradeOptions(
                    isolation=opts.get("isolation", "auto"),
                    lang=opts.get("lang", "en"),
                    python=opts.get("python"),
                ),
            )
        except Exception as exc:  # a grader bug: the student gets "not graded", the batch goes on
            why = msg(Code.GRADER_FAILED, error=f"{type(exc).__name__}: {exc}")
            result = not_graded(assignment, task.student, why, opts.get("lang", "en"))
            return TaskResult(task.student, "", result.to_json(), "", time.monotonic() - started)
    return TaskResult(task.student, task.key, result.to_json(), "", time.monotonic() - started)


def _die_with_parent() -> None:
    """If the driver is killed, this worker is told to stop (SIGINT) and cleans up its students."""
    from grader.process import die_with_parent

    parent = os.environ.get(PARENT_ENV)
    die_with_parent(int(parent) if parent else None, signal.SIGINT)


def _worker_setup() -> io.BufferedWriter:
    """Stdout kept for results only (a stray print goes to stderr); stop with the parent."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed by accident goes to stderr, never into the result
    _die_with_parent()
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    return out


def _enter_namespaces(task: Task) -> None:
    from grader.platform_caps import prepare_isolation

    prepare_isolation(task.options.get("isolation", "auto"))  # still single-threaded


def main() -> int:
    out = _worker_setup()
    try:
        task = pickle.load(sys.stdin.buffer)
    except (EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError):
        task = None
    if not isinstance(task, Task):
        print("not a grading task on stdin", file=sys.stderr)
        return 2
    _enter_namespaces(task)
    result = grade_task(task)
    out.write(json.dumps(asdict(result), ensure_ascii=False).encode("utf-8"))
    out.flush()
    return 0


def serve_tasks() -> int:
    """A kept worker: tasks one after another on stdin (a length, then the pickle), each
    result on stdout (a length, then the JSON), until end of file on stdin."""
    out = _worker_setup()
    first = True
    while True:
        header = _read_exactly(FRAME_HEADER)
        if not header:
            return 0
        task = pickle.loads(_read_exactly(int.from_bytes(header, "big")))
        if not isinstance(task, Task):
            print("not a grading task on stdin", file=sys.stderr)
            return 2
        if first:
            _enter_namespaces(task)
            first = False
        data = json.dumps(asdict(grade_task(task)), ensure_ascii=False).encode("utf-8")
        out.write(len(data).to_bytes(FRAME_HEADER, "big") + data)
        out.flush()


def _read_exactly(size: int) -> bytes:
    """``size`` bytes of stdin; b"" at end of file before the first (EOFError in the middle)."""
    parts: list[bytes] = []
    left = size
    while left:
        chunk = os.read(0, min(left, 1 << 20))
        if not chunk:
            if parts:
                raise EOFError("stdin ended in the middle of a task")
            return b""
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


if __name__ == "__main__":
    # Run as grader.task (not __main__) so the pickled Task class is the one imported here.
    from grader.task import main as _main

    sys.exit(_main())
