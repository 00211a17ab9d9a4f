"""The worker that grades one task: a fresh ``python -m grader.task``, or forked from the warm pool.

It dies with its parent, enters the task's namespaces, and reads and writes framed tasks on its pipes."""

from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, Protocol

from grader.messages import msg
from grader.messages.codes import Code
from grader.task.job import (
    Task,
    TaskResult,
    extract,
    load_bundled_assignment,
    not_graded_result,
    wall_limit,
    with_report,
)

PARENT_ENV = "GRADER_TASK_PARENT"
"""The pid a worker must die with (it checks, then asks the kernel to tell it)."""


FRAME_HEADER = 8
"""Bytes of the length before each task and each result on a kept worker's pipes
(:func:`serve_tasks`, :class:`grader.resident.pool_workers.KeptWorker`)."""


GRACE_SECONDS = 5.0
"""How long a worker asked to stop (SIGINT) may take to end its students' processes."""


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
    is one already started (a warm pool's child, :class:`grader.resident.pool_workers.PoolWorker`).
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
    from grader.sandbox.process import die_with_parent

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
    from grader.sandbox.platform_caps import prepare_isolation

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
