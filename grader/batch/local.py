"""Grading on this machine: worker processes from the warm pool, as many as cores and memory allow."""

from __future__ import annotations

import concurrent.futures as cf
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

from grader.messages import msg
from grader.messages.codes import Code
from grader.resident.pool import let_kept_workers_go, run_pooled_task, shared_pool
from grader.task.job import Task, TaskResult, not_graded_result
from grader.task.worker import Worker


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
        from grader.task.worker import stop

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
