"""Warm batch workers: a private resident process forks each worker instead of starting Python.

A batch worker used to be a fresh ``python -m grader.task``: about 0.4 s of CPU (the
interpreter, pydantic, the spec models) before grading even began, for every submission.
Now the process that runs tasks (a batch, a Dask worker) starts one resident process of its
own, once; each task runs in a child forked from it, already loaded. A thread keeps its
child for its next tasks (:data:`TASKS_PER_WORKER`, :class:`KeptWorker`): they share that
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

import _socket
import atexit
import contextlib
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.resident.client import connect
from grader.resident.launch import ResidentUnavailable, start_resident
from grader.resident.wire import Lines, send_request
from grader.task.worker import FRAME_HEADER

if TYPE_CHECKING:
    from grader.task.job import Task, TaskResult

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

    The calling thread keeps its worker for its next tasks (up to :data:`TASKS_PER_WORKER`):
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


TASKS_PER_WORKER = 25
"""Tasks one kept worker grades before it is let go (a long-lived grader process would keep
whatever a grading leaked; a fresh one costs 15 ms)."""
_threads = threading.local()
_kept: set[KeptWorker] = set()
_kept_lock = threading.Lock()


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


STOPPED_EARLY = b"grader: the resident process running this job stopped before it ended\n"


class PoolWorker:
    """A batch worker forked by a warm pool for one task, driven like a ``Popen``.

    The pool's child gets the read end of a stdin pipe and the write ends of stdout and
    stderr pipes (``SCM_RIGHTS``), reads the pickled task and writes its result, as a
    ``python -m grader.task`` would; the pool says ``pid N`` when it forked the child and
    ``exit N`` when the child ended. Closing the connection asks the pool to stop the child.
    """

    def __init__(self, socket_path: str, env: dict[str, str], command: str = "task") -> None:
        sock = connect(socket_path)
        if sock is None:
            raise ResidentUnavailable("the pool does not answer")
        ends = [os.pipe() for _ in range(3)]
        theirs = [ends[0][0], ends[1][1], ends[2][1]]
        try:
            request = {
                "command": command,
                "argv": [],
                "cwd": os.getcwd(),
                "env": env,
                "umask": 0o022,
                "stdio": [["utf-8", "strict"], ["utf-8", "backslashreplace"]],
            }
            send_request(sock, request, theirs)
            self._lines = Lines(sock)
            first = self._lines.readline().split()
        except OSError:
            sock.close()
            for fd in (ends[0][1], ends[1][0], ends[2][0]):
                os.close(fd)
            raise
        finally:
            for fd in theirs:
                os.close(fd)
        self._sock = sock
        self._stdin, self._stdout, self._stderr = ends[0][1], ends[1][0], ends[2][0]
        if first[:1] != ["pid"]:  # "stale": the pool runs old code; or it is stopping
            self._close()
            raise ResidentUnavailable(" ".join(first) or "the pool closed the connection")
        self.pid = int(first[1])
        self.returncode: int | None = None
        self._done = threading.Event()
        self._communicating = False
        self._out = bytearray()
        self._err = bytearray()

    def communicate(self, input: bytes, timeout: float | None = None) -> tuple[bytes, bytes]:
        """Send ``input`` (then end of file), read all of stdout and stderr and the exit code."""
        self._communicating = True
        try:
            return self._communicate(input, timeout)
        finally:
            self._communicating = False

    def _communicate(self, input: bytes, timeout: float | None) -> tuple[bytes, bytes]:
        deadline = None if timeout is None else time.monotonic() + timeout
        self._pump(input, deadline, end_input=True, answered=lambda: False)
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        self.wait(left)
        err = bytes(self._err) + (STOPPED_EARLY if self._stopped_early else b"")
        return bytes(self._out), err

    def _pump(
        self, data: bytes, deadline: float | None, *, end_input: bool, answered: Callable[[], bool]
    ) -> bool:
        """Write ``data`` to the child's stdin (then close it, with ``end_input``) and collect
        its stdout and stderr, until ``answered()`` or both have ended (False then)."""
        view = memoryview(data)
        os.set_blocking(self._stdin, False)
        with selectors.DefaultSelector() as selector:
            if view:
                selector.register(self._stdin, selectors.EVENT_WRITE)
            elif end_input:
                self._close_stdin()
            for fd in (self._stdout, self._stderr):
                selector.register(fd, selectors.EVENT_READ)
            while not answered():
                if not any(fd in selector.get_map() for fd in (self._stdout, self._stderr)):
                    return False
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise subprocess.TimeoutExpired("pool worker", 0.0)
                for key, _ in selector.select(left):
                    if key.fd == self._stdin:
                        try:
                            view = view[os.write(self._stdin, view[:65536]) :]
                        except BrokenPipeError:
                            view = view[:0]
                        if not view:
                            selector.unregister(self._stdin)
                            if end_input:
                                self._close_stdin()
                        continue
                    chunk = os.read(key.fd, 1 << 16)
                    if not chunk:
                        selector.unregister(key.fd)
                    elif key.fd == self._stdout:
                        self._out.extend(chunk)
                    else:
                        self._err.extend(chunk)
                        del self._err[: -(64 << 10)]  # its last words are what a report needs
            return True

    _stopped_early = False

    def wait(self, timeout: float | None = None) -> int:
        """The child's exit code, as the pool tells it (128+N for signal N)."""
        if self.returncode is None:
            self._sock.settimeout(timeout)
            try:
                line = self._lines.readline()
            except (TimeoutError, BlockingIOError):  # a timeout of 0 makes the socket non-blocking
                raise subprocess.TimeoutExpired("pool worker", timeout or 0.0) from None
            except OSError:
                line = ""
            words = line.split()
            if words[:1] == ["exit"]:
                self.returncode = int(words[1])
            else:
                self.returncode, self._stopped_early = 1, True
            self._close()
            self._done.set()
        return self.returncode

    def poll(self) -> int | None:
        if self._communicating:  # another thread reads the connection: never read it here
            return self.returncode
        if self.returncode is None:
            try:
                return self.wait(0)
            except subprocess.TimeoutExpired:
                return None
        return self.returncode

    def stop(self, grace: float) -> None:
        """SIGINT (the child ends its students' processes), then hang up: the pool's SIGTERM
        and SIGKILL. From another thread (an executor's Ctrl-C) while :meth:`communicate`
        runs, only signals and hangs up: that thread still owns the descriptors."""
        if self._done.is_set():
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(self.pid, signal.SIGINT)
        if self._communicating:
            if not self._done.wait(grace):
                self.kill()
            return
        try:
            self.wait(grace)
        except subprocess.TimeoutExpired:
            self.kill()
            self.returncode = -signal.SIGKILL
            self._close()

    def kill(self) -> None:
        """Hang up: the pool stops the child (it knows it by a pidfd, never a reused pid)."""
        with contextlib.suppress(OSError):
            self._sock.shutdown(_socket.SHUT_RDWR)

    def _close_stdin(self) -> None:
        if self._stdin >= 0:
            os.close(self._stdin)
            self._stdin = -1

    def _close(self) -> None:
        """Closing the connection: the pool stops the child if it still runs."""
        self._close_stdin()
        for name in ("_stdout", "_stderr"):
            fd = getattr(self, name)
            if fd >= 0:
                os.close(fd)
                setattr(self, name, -1)
        self._sock.close()


class WorkerGone(Exception):
    """The kept worker ended (or was stopped) before it answered."""


class KeptWorker(PoolWorker):
    """A pool's child grading one task after another (``tasks``; :func:`grader.task.worker.serve_tasks`).

    Each task goes to its stdin as a length and a pickle, each result comes back on its
    stdout as a length and JSON; end of file on stdin ends it.
    """

    def __init__(self, socket_path: str, env: dict[str, str], command: str = "tasks") -> None:
        super().__init__(socket_path, env, command)
        self.socket_path = socket_path
        self.env = env
        self.cwd = os.getcwd()
        self.tasks = 0
        self.broken = False

    def can_take_more(self, socket_path: str, env: dict[str, str]) -> bool:
        """Whether the next task may go here: same pool, environment and folder as when it
        was forked (a task runs as if started now), fewer than its share, still alive."""
        return (
            not self.broken
            and self.returncode is None
            and self.tasks < TASKS_PER_WORKER
            and socket_path == self.socket_path
            and env == self.env
            and os.getcwd() == self.cwd
        )

    def turn(self) -> Turn:
        self.tasks += 1
        return Turn(self)

    def exchange(self, data: bytes, timeout: float | None) -> bytes:
        """Send one task, return its result; WorkerGone if the child ended first."""
        self._communicating = True
        try:
            return self._exchange(data, timeout)
        except BaseException:
            self.broken = True
            raise
        finally:
            self._communicating = False

    def _exchange(self, data: bytes, timeout: float | None) -> bytes:
        deadline = None if timeout is None else time.monotonic() + timeout
        framed = len(data).to_bytes(FRAME_HEADER, "big") + data
        if not self._pump(framed, deadline, end_input=False, answered=lambda: self._frame_size() is not None):
            self.wait()
            raise WorkerGone()
        size = self._frame_size()
        assert size is not None
        frame = bytes(self._out[FRAME_HEADER : FRAME_HEADER + size])
        del self._out[: FRAME_HEADER + size]
        return frame

    def _frame_size(self) -> int | None:
        """The size of the result at the head of stdout, once all of it has come."""
        if len(self._out) < FRAME_HEADER:
            return None
        size = int.from_bytes(self._out[:FRAME_HEADER], "big")
        return size if len(self._out) >= FRAME_HEADER + size else None

    def stderr(self) -> bytes:
        text = bytes(self._err)
        return text + STOPPED_EARLY if self._stopped_early else text

    def let_go(self) -> None:
        """End of file on its input: it exits after its task; the connection closes with it."""
        with _kept_lock:
            _kept.discard(self)
        if self._communicating:  # another thread's task is running: it finds the end itself
            self.broken = True
            return
        self._close_stdin()
        if self.returncode is None:
            try:
                self.wait(GRACE_FOR_EXIT)
            except subprocess.TimeoutExpired:
                self.kill()
                self.returncode = -signal.SIGKILL
                self._close()


GRACE_FOR_EXIT = 30.0
"""How long a kept worker told it is done may take to remove its scratch folders and exit."""


class Turn:
    """One task on a kept worker, as :func:`grader.task.worker.run_task` drives a worker process:
    exit code 0 and the result on stdout if it answered, else the worker's own end."""

    def __init__(self, worker: KeptWorker) -> None:
        self.worker = worker
        self.pid = worker.pid
        self.returncode: int | None = None

    def communicate(self, input: bytes, timeout: float | None = None) -> tuple[bytes, bytes]:
        try:
            out = self.worker.exchange(input, timeout)
        except WorkerGone:
            self.returncode = self.worker.returncode
            return b"", self.worker.stderr()
        self.returncode = 0
        return out, b""

    def poll(self) -> int | None:
        return self.returncode

    def stop(self, grace: float) -> None:
        """This task must end: so does its worker (it was in the middle of grading it)."""
        self.worker.broken = True
        self.worker.stop(grace)
        with _kept_lock:
            _kept.discard(self.worker)

    def kill(self) -> None:
        self.worker.broken = True
        self.worker.kill()
