"""Warm batch workers: a private resident process forks each worker instead of starting Python.

A batch worker used to be a fresh ``python -m grader.task``: about 0.4 s of CPU (the
interpreter, pydantic, the spec models) before grading even began, for every submission.
Now the process that runs tasks (a batch, a Dask worker) starts one resident process of its
own, once; each task runs in a child forked from it, already loaded. A thread keeps its
child for its next tasks (:mod:`grader.resident.pool_workers`): they share that
grader process, never anything of a student's (each run has its own sandbox and scratch
folder), and a child that dies costs only the task it was grading. The thread hands the child its pipes
over the pool's socket itself (:class:`PoolWorker`, driven like a ``Popen`` by
:func:`grader.task.worker.run_task`): no process between them. A thin client process per task
(``python -m grader.resident.client ... task``, still the command of a worker that cannot
be handed over this way) cost an interpreter start, 60-90 ms of CPU a submission.

The pool lives in a folder of its own (mode 0700), dies with the process that started it
(``--die-with-parent``; a pool whose starting thread ended is started again on next use),
and is stopped at exit. Where it cannot start, workers are fresh interpreters, as before,
and ``GRADER_WARM_WORKERS=0`` asks for those.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.resident.launch import ResidentUnavailable, start_resident

if TYPE_CHECKING:
    from grader.task.job import Task, TaskResult
from grader.resident.pool_workers import KeptWorker, _kept, _kept_lock

DISABLE_ENV = "GRADER_WARM_WORKERS"


class WarmPool:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="grader-pool-"))
        self.socket = str(self.folder / "pool.sock")
        try:
            self.process = start_resident(
                ["--socket", self.socket, "--idle", "0", "--die-with-parent", "--own-folder"],
                self.folder / "pool.log",
                detach=False,
            )
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise

    def alive(self) -> bool:
        return self.process.poll() is None

    def worker_command(self) -> list[str]:
        return [sys.executable, "-m", "grader.resident.client", "--socket", self.socket, "task"]

    def close(self) -> None:
        """SIGTERM: running workers are interrupted (and stop their students), then it exits."""
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


_lock = threading.Lock()
_pool: WarmPool | None = None
_failed = False
_registered = False


def shared_pool() -> WarmPool | None:
    """This process's warm pool, started on first use; None where workers must be fresh."""
    global _pool, _failed, _registered
    if os.environ.get(DISABLE_ENV, "") == "0":
        return None
    with _lock:
        if _pool is not None and not _pool.alive():
            _pool.close()
            _pool = None
        if _pool is None and not _failed:
            try:
                _pool = WarmPool()
            except (OSError, ResidentUnavailable) as exc:
                _failed = True  # once: a pool that cannot start will not start for the next task
                print(f"grader: batch workers start cold (no warm pool: {exc})", file=sys.stderr)
            else:
                if not _registered:
                    atexit.register(_close_at_exit)
                    _registered = True
        return _pool


def _close_at_exit() -> None:
    global _pool
    let_kept_workers_go()
    with _lock:
        if _pool is not None:
            with contextlib.suppress(Exception):
                _pool.close()
            _pool = None


def worker_command() -> list[str]:
    """A warm worker forked by this process's pool, else a fresh interpreter."""
    from grader.task.worker import fresh_worker_command

    pool = shared_pool()
    return pool.worker_command() if pool is not None else fresh_worker_command()


def run_pooled_task(task: Task, **options: Any) -> TaskResult:
    """:func:`grader.task.worker.run_task` in a worker forked from this process's warm pool.

    The calling thread keeps its worker for its next tasks (up to ``TASKS_PER_WORKER``):
    a forked child's first grading costs about 15 ms of CPU more than its next ones (the
    fork, and the copy-on-write faults of the warm process's pages it touches), and so did
    every submission when each had a child of its own.
    """
    from grader.task.worker import fresh_worker_command, run_task

    command = options.pop("command", None)
    pool = shared_pool() if command is None else None
    if pool is not None:
        kept = _kept_worker(pool)
        if kept is not None:
            return run_task(task, worker=kept.turn(), **options)
    return run_task(task, command=command or fresh_worker_command(), **options)


_threads = threading.local()


def _kept_worker(pool: WarmPool) -> KeptWorker | None:
    """This thread's kept worker if it can take another task, else a new one (None: no pool)."""
    from grader.task.worker import PARENT_ENV

    env = {**os.environ, PARENT_ENV: str(os.getpid())}
    worker: KeptWorker | None = getattr(_threads, "worker", None)
    if worker is not None and not worker.can_take_more(pool.socket, env):
        worker.let_go()
        worker = None
    if worker is None:
        try:
            worker = KeptWorker(pool.socket, env, "tasks")
        except (OSError, ResidentUnavailable):
            worker = None  # gone, or running old code: a fresh interpreter does the task
        else:
            with _kept_lock:
                _kept.add(worker)
    _threads.worker = worker
    return worker


def let_kept_workers_go() -> None:
    """End every kept worker (end of file on its input: it exits when its task is done)."""
    with _kept_lock:
        workers = list(_kept)
    for worker in workers:
        worker.let_go()
