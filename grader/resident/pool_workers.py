"""A warm pool's worker: one forked child per task, or a kept one grading task after task, and its turn."""

from __future__ import annotations

import _socket
import contextlib
import os
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from grader.resident.client import connect
from grader.resident.launch import ResidentUnavailable
from grader.resident.wire import Lines, send_request
from grader.task.worker import FRAME_HEADER

if TYPE_CHECKING:
    pass


TASKS_PER_WORKER = 25
"""Tasks one kept worker grades before it is let go (a long-lived grader process would keep
whatever a grading leaked; a fresh one costs 15 ms)."""

_kept: set[KeptWorker] = set()
_kept_lock = threading.Lock()
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
