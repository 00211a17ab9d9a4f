"""Warm batch workers: a private resident process forks each worker instead of starting Python.

A batch worker used to be a fresh ``python -m grader.task``: about 0.4 s of CPU (the
interpreter, pydantic, the spec models) before grading even began, for every submission.
Now the process that runs tasks (a batch, a Dask worker) starts one resident process of its
own, once; each task is a child forked from it, as fresh as before (nothing is shared
between tasks) but already loaded. The worker command becomes a thin client
(``python -m grader.resident.client``) that hands the child its pipes and relays its exit
code and signals, so :func:`grader.task.run_task` drives it exactly as it drove a worker.

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
    from grader.task import Task, TaskResult

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
    with _lock:
        if _pool is not None:
            with contextlib.suppress(Exception):
                _pool.close()
            _pool = None


def worker_command() -> list[str]:
    """A warm worker forked by this process's pool, else a fresh interpreter."""
    from grader.task import fresh_worker_command

    pool = shared_pool()
    return pool.worker_command() if pool is not None else fresh_worker_command()


def run_pooled_task(task: Task, **options: Any) -> TaskResult:
    """:func:`grader.task.run_task` in a worker forked from this process's warm pool."""
    from grader.task import run_task

    return run_task(task, command=options.pop("command", None) or worker_command(), **options)
