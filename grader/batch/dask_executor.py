"""Grading a class on a Dask cluster: the same tasks as ``grader batch``, run by Dask workers.

A task is a pure function of bytes (spec, submission) to results (JSON, HTML), graded by
:func:`grader.task.worker.run_task` in a fresh process on the worker, so namespaces, memory limits
and crashes stay out of the Dask worker. Workers only return results; the driver
(:func:`grader.batch.driver.run_batch`) writes every file, atomically, once per task. A worker that
dies mid-task is replaced and Dask reruns its task elsewhere; nothing half-written or
duplicated can reach the output folder.

Dask is optional (``pip install ".[dask]"``); this module imports it only when used.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any

from grader import __version__
from grader.errors import UsageError
from grader.messages import msg
from grader.messages.codes import Code
from grader.resident.pool import run_pooled_task
from grader.task.job import Task, TaskResult, load_bundled_assignment, not_graded_result, wall_limit

CONNECT_TIMEOUT = 30.0
"""Seconds to reach the scheduler and to see at least one worker."""
QUIET_WORKERS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.gil.enabled": False,
}
"""Dask settings for the workers of ``local[:N]`` (remote workers take theirs from their own config)."""
RETRIES = 2
"""Reruns of a task whose function raised (a task whose worker died is rerun by the scheduler)."""


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise UsageError(
            '--dask needs Dask: pip install "socket-grader[dask]" (or .[dask] in the source folder)'
        ) from None
    return distributed


def parse_address(address: str) -> tuple[str, int | None]:
    """``local`` / ``local:N`` -> ("local", N or None); anything else is a scheduler address."""
    if address == "local":
        return "local", None
    if address.startswith("local:"):
        count = address.removeprefix("local:")
        if not count.isdigit() or int(count) < 1:
            raise UsageError(f"--dask {address}: write local:N with N a number of workers, 1 or more")
        return "local", int(count)
    if "://" not in address and not address.endswith(".json"):
        raise UsageError(
            f"--dask {address}: give local, local:N, a scheduler address such as "
            "tcp://HOST:8786, or a scheduler file (*.json)"
        )
    return address, None


def worker_version() -> str:
    """Runs on each worker: the grader version it would grade with."""
    import grader

    return grader.__version__


def run_checked(
    task: Task, expected_version: str, run: Callable[[Task], TaskResult] = run_pooled_task
) -> TaskResult:
    """Runs on a worker: grade, unless this worker's grader differs from the driver's.

    The driver checks every worker at start; this catches a worker that joins later.
    """
    import grader

    if grader.__version__ != expected_version:
        return not_graded_result(
            task, msg(Code.DASK_VERSION_MISMATCH, worker=grader.__version__, driver=expected_version)
        )
    return run(task)


class DaskExecutor:
    """An :class:`~grader.batch.local.Executor` backed by ``distributed.Client``.

    ``address`` is ``local`` or ``local:N`` (a ``LocalCluster`` of N single-threaded worker
    processes, one per core by default), a scheduler address (``tcp://host:8786``), or a
    scheduler file. ``run`` replaces the per-task function (tests use it to kill a worker);
    ``stall_limit`` replaces the seconds without any result after which the rest are lost.
    """

    def __init__(
        self,
        address: str,
        *,
        run: Callable[[Task], TaskResult] = run_pooled_task,
        timeout: float = CONNECT_TIMEOUT,
        stall_limit: float | None = None,
    ) -> None:
        distributed = _import_distributed()
        self.address = address
        self._run = run
        self._stall_limit_given = stall_limit
        self.cluster: Any = None
        target, workers = parse_address(address)
        try:
            if target == "local":
                import dask

                # A worker only waits on its grading process: sampling its stacks (the profiler)
                # and its GIL would cost CPU that the students' programs need.
                with dask.config.set(QUIET_WORKERS):
                    self.cluster = distributed.LocalCluster(
                        n_workers=workers or os.cpu_count() or 1,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                        silence_logs=logging.ERROR,
                    )
                self.client = distributed.Client(self.cluster, timeout=timeout)
            elif target.endswith(".json"):
                self.client = distributed.Client(scheduler_file=target, timeout=timeout)
            else:
                self.client = distributed.Client(target, timeout=timeout)
        except (OSError, TimeoutError, ValueError, RuntimeError) as exc:
            self.close()
            what = (
                "cannot start a local Dask cluster"
                if target == "local"
                else "cannot reach the Dask scheduler"
            )
            raise UsageError(f"--dask {address}: {what}: {exc}") from None
        try:
            self.check_workers(timeout)
        except BaseException:
            self.close()
            raise

    def check_workers(self, timeout: float = CONNECT_TIMEOUT) -> dict[str, str]:
        """Refuse to start unless every worker runs this grader version."""
        try:
            self.client.wait_for_workers(1, timeout=timeout)
        except TimeoutError:
            raise UsageError(f"--dask {self.address}: no Dask worker joined within {timeout:g} s") from None
        versions = self.client.run(worker_version, on_error="return")
        wrong = {w: v for w, v in versions.items() if v != __version__}
        if wrong:
            worker, version = sorted(wrong.items())[0]
            what = (
                f"grader {version}"
                if isinstance(version, str)
                else f"no usable grader ({type(version).__name__}: {version})"
            )
            raise UsageError(
                f"--dask: worker {worker} has {what}, this driver grader {__version__}; "
                f"install the same version on every worker ({len(wrong)} of "
                f"{len(versions)} differ)"
            )
        return versions

    @property
    def workers(self) -> int:
        return len(self.client.scheduler_info().get("workers", {}))

    def map_unordered(self, tasks: Iterable[Task]) -> Iterator[TaskResult]:
        distributed = _import_distributed()
        futures: dict[Any, Task] = {}
        for task in tasks:
            # A fresh key per submission: a rerun batch never picks up an old run's result.
            key = f"grade-{task.key[:16] or 'x'}-{uuid.uuid4().hex[:12]}"
            future = self.client.submit(
                run_checked, task, __version__, self._run, key=key, pure=False, retries=RETRIES
            )
            futures[future] = task
        remaining = set(futures)
        stall = self._stall_limit_given or self._stall_limit(futures.values())
        try:
            while remaining:
                done, _ = distributed.wait(list(remaining), timeout=stall, return_when="FIRST_COMPLETED")
                for future in done:
                    remaining.discard(future)
                    yield self._result(future, futures[future])
        except TimeoutError:
            # No task ended within the longest a task may take, retries included: the cluster
            # lost them (every worker gone, a scheduler that forgot them). Each is said "not
            # graded" so the batch ends and a rerun grades just these; a hung driver loses all.
            for future in list(remaining):
                remaining.discard(future)
                yield not_graded_result(futures[future], msg(Code.DASK_STALLED, seconds=round(stall)))
        finally:
            if remaining:
                self.client.cancel(list(remaining))

    @staticmethod
    def _result(future: Any, task: Task) -> TaskResult:
        try:
            result: TaskResult = future.result()
        except Exception as exc:  # workers kept dying, or the task raised every time
            result = not_graded_result(task, msg(Code.DASK_FAILED, error=f"{type(exc).__name__}: {exc}"))
        future.release()
        return result

    @staticmethod
    def _stall_limit(tasks: Iterable[Task]) -> float:
        """Seconds with no result at all after which the rest are lost: every attempt of the
        longest task (its wall limit, as a local batch kills it), plus time to start workers."""
        bundles = {task.assignment_bundle for task in tasks}
        longest = max((wall_limit(load_bundled_assignment(bundle)) for bundle in bundles), default=0.0)
        return (RETRIES + 1) * longest + CONNECT_TIMEOUT

    def close(self) -> None:
        client, cluster = getattr(self, "client", None), self.cluster
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
        self.cluster = None

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
