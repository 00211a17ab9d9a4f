"""Task functions the Dask tests hand to workers in place of the grader's own.

They live in a module of their own, importable on every worker (the workers' path holds this
folder), so Dask pickles them by reference. Pickled by value from inside a test module they
failed to load on the workers in a full run (a relative import of the pickled globals), which
broke every worker's connection, and its nanny then closed for good.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

from grader.task.job import Task, TaskResult
from grader.task.worker import run_task


def kill_worker_once(marker: str, victim: str, task: Task) -> TaskResult:
    """The victim's first attempt kills the Dask worker running it (as an OOM killer would)."""
    if task.student == victim and not os.path.exists(marker):
        Path(marker).write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    return run_task(task)


def never_returns(task: Task) -> TaskResult:
    """A task the cluster holds and never finishes (as when its workers are gone for good)."""
    threading.Event().wait()
    raise AssertionError("unreachable")
