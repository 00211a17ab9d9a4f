"""A resident process: ``python -m grader.resident.server``, which forks a warm child per job.

Started by ``grader daemon start`` (the resident checker, for ``grader check``) and by a
batch (:mod:`grader.resident.pool`, a private one whose children are batch workers). One
process, one thread, one ``epoll`` loop. It loads the grader once; for every client that
connects it forks a child that takes over the client's stdin, stdout, stderr, folder,
environment and arguments and runs the ordinary command (:mod:`grader.resident.child`).
The loop only relays each child's exit code (it waits on a pidfd, never on a timer) and
stops a child whose client went away.

Why fork and not a thread or ``asyncio`` task: a check unshares namespaces (without root, a
user namespace that only a single-threaded process may enter), installs signal handlers and
may be interrupted; a child keeps all of that to itself, and no job sees another's state.
The resident process therefore never runs a thread when it forks.

It stops after ``--idle`` seconds without a job (0: never), when asked (``stop``), on SIGTERM,
with its parent (``--die-with-parent``), and as soon as a file of the grader changes (a
client then runs its command itself).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import selectors
import shutil
import signal
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import __version__
from grader.resident.child import RUNNERS, die_with_parent, run_child
from grader.resident.client import status_of
from grader.resident.launch import start_lock
from grader.resident.paths import check_folder, code_fingerprint, socket_path
from grader.resident.warm import learn_from, warm_up
from grader.resident.wire import ProtocolError, read_request, reply

UCRED = struct.Struct("3i")
REQUEST_TIMEOUT = 5.0
"""Seconds a connected client has to send its request: one stuck client must not stall others."""
KILL_GRACE = 5.0
"""Seconds a child whose client went away has to stop its students before SIGKILL."""


@dataclass
class Job:
    """One running child: its pid and pidfd, the client waiting for it, what it was asked,
    and when to kill it."""

    pid: int
    pidfd: int
    client: socket.socket | None
    request: dict[str, Any] = field(default_factory=dict)
    kill_at: float | None = None
    killed: bool = False


class Resident:
    def __init__(self, listener: socket.socket, path: Path, idle: float):
        self.listener = listener
        self.path = path
        self.inode = path.stat().st_ino
        self.idle = idle
        self.fingerprint = code_fingerprint()
        self.selector = selectors.DefaultSelector()
        self.jobs: dict[int, Job] = {}
        self.served = 0
        self.started = time.time()
        self.last_active = time.monotonic()
        self.stopping = False
        self.interrupt_jobs = False
        wake_read, wake_write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self._wake = wake_read
        signal.set_wakeup_fd(wake_write)
        signal.signal(signal.SIGTERM, self._on_stop_signal)
        signal.signal(signal.SIGINT, self._on_stop_signal)
        signal.signal(signal.SIGHUP, self._on_stop_signal)
        self.selector.register(listener, selectors.EVENT_READ, self._accept)
        self.selector.register(wake_read, selectors.EVENT_READ, self._drain_wakeups)

    def _on_stop_signal(self, _signum: int, _frame: object) -> None:
        """Stop now: running jobs are interrupted (they stop their students), not waited for."""
        self.stopping = True
        self.interrupt_jobs = True  # the wakeup fd ends the current select()

    # -- the loop ----------------------------------------------------------------

    def serve(self) -> None:
        try:
            while self.jobs or not self.stopping:
                if self.stopping:
                    self._stop_listening()
                    if self.interrupt_jobs:
                        self._interrupt_all()
                events = self.selector.select(self._timeout())
                for key, _events in events:
                    key.data(key.fileobj)
                self._kill_overdue()
                if not self.stopping and not self.jobs and self.idle and self._idle_left() <= 0:
                    self.stopping = True
        finally:
            self._stop_listening()

    def _timeout(self) -> float | None:
        """Until the next thing the loop must do by itself: an idle stop or an overdue kill."""
        deadlines = [job.kill_at for job in self.jobs.values() if job.kill_at is not None and not job.killed]
        if not self.jobs and not self.stopping and self.idle:
            deadlines.append(time.monotonic() + self._idle_left())
        return max(0.0, min(deadlines) - time.monotonic()) if deadlines else None

    def _idle_left(self) -> float:
        return self.idle - (time.monotonic() - self.last_active)

    def _stop_listening(self) -> None:
        if self.listener.fileno() < 0:
            return
        self.selector.unregister(self.listener)
        self.listener.close()
        with contextlib.suppress(OSError):
            if self.path.stat().st_ino == self.inode:  # not a newer resident process's socket
                self.path.unlink()

    def _drain_wakeups(self, fd: int) -> None:
        with contextlib.suppress(BlockingIOError):
            os.read(fd, 256)

    # -- requests ------------------------------------------------------------------

    def _accept(self, listener: socket.socket) -> None:
        try:
            client, _ = listener.accept()
        except BlockingIOError:
            return
        self.last_active = time.monotonic()
        client.settimeout(REQUEST_TIMEOUT)
        _pid, uid, _gid = UCRED.unpack(client.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, UCRED.size))
        if uid != os.getuid():
            client.close()  # the folder is ours alone; this is only a second lock
            return
        try:
            request, fds = read_request(client)
        except (OSError, ProtocolError):
            client.close()
            return
        try:
            self._answer(client, request, fds)
        except OSError:
            client.close()
        finally:
            for fd in fds:
                os.close(fd)

    def _answer(self, client: socket.socket, request: dict[str, Any], fds: list[int]) -> None:
        command = request.get("command")
        if command == "status":
            reply(client, "status " + json.dumps(self.status()))
            client.close()
        elif command == "stop":
            self.stopping = True
            reply(client, "stopping")
            client.close()
        elif command in RUNNERS and (self.stopping or code_fingerprint() != self.fingerprint):
            self.stopping = True  # the grader changed on disk: this process runs old code
            reply(client, "stale")
            client.close()
        elif command in RUNNERS and len(fds) == 3:
            self._start(client, request, fds)
        else:
            client.close()

    def status(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "version": __version__,
            "python": sys.executable,
            "socket": str(self.path),
            "started": self.started,
            "checks": self.served,
            "running": len(self.jobs),
            "idle_seconds": self.idle,
            "stopping": self.stopping,
        }

    def _start(self, client: socket.socket, request: dict[str, Any], fds: list[int]) -> None:
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            client.close()
            self.close_in_child()
            run_child(request, fds, parent)  # never returns
        self.served += 1
        job = Job(pid=pid, pidfd=os.pidfd_open(pid), client=client, request=request)
        self.jobs[pid] = job
        self.selector.register(job.pidfd, selectors.EVENT_READ, lambda _fd: self._finished(job))
        self.selector.register(client, selectors.EVENT_READ, lambda _sock: self._client_spoke(job))
        reply(client, f"pid {pid}")

    def _finished(self, job: Job) -> None:
        _, status = os.waitpid(job.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        self.selector.unregister(job.pidfd)
        os.close(job.pidfd)
        if job.client is not None:
            self.selector.unregister(job.client)
            with contextlib.suppress(OSError):
                reply(job.client, f"exit {code if code >= 0 else 128 - code}")
            job.client.close()
        del self.jobs[job.pid]
        learn_from(job.request, code)
        self.last_active = time.monotonic()

    def _client_spoke(self, job: Job) -> None:
        """The client sends nothing after its request: readable means it is gone."""
        assert job.client is not None
        try:
            gone = not job.client.recv(64)
        except OSError:
            gone = True
        if gone:
            self.selector.unregister(job.client)
            job.client.close()
            job.client = None
            self._interrupt(job)

    def _interrupt(self, job: Job) -> None:
        """SIGTERM (the child stops its students' processes), then SIGKILL if it lingers."""
        if job.kill_at is None:
            job.kill_at = time.monotonic() + KILL_GRACE
            with contextlib.suppress(ProcessLookupError):
                os.kill(job.pid, signal.SIGTERM)

    def _interrupt_all(self) -> None:
        for job in self.jobs.values():
            self._interrupt(job)

    def _kill_overdue(self) -> None:
        now = time.monotonic()
        for job in self.jobs.values():
            if job.kill_at is not None and job.kill_at <= now and not job.killed:
                job.killed = True  # its pidfd tells when it is gone
                with contextlib.suppress(ProcessLookupError):
                    os.kill(job.pid, signal.SIGKILL)

    def close_in_child(self) -> None:
        """A forked child keeps none of the resident process's descriptors."""
        self.selector.close()
        self.listener.close()  # closing, not unlinking: the socket stays the parent's
        os.close(self._wake)
        os.close(signal.set_wakeup_fd(-1))
        for job in self.jobs.values():
            os.close(job.pidfd)
            if job.client is not None:
                job.client.close()


def listen(path: Path) -> socket.socket:
    """Bind under a temporary name, then rename: a client never sees a half-made socket."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(temporary))
    listener.listen(64)
    listener.setblocking(False)
    os.rename(temporary, path)
    return listener


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.resident.server")
    parser.add_argument(
        "--idle", type=float, default=1800.0, help="stop after this many seconds without a job (0: never)"
    )
    parser.add_argument(
        "--socket",
        type=Path,
        default=None,
        help="listen here (default: one socket per user and installation)",
    )
    parser.add_argument(
        "--die-with-parent", action="store_true", help="stop when the process that started this one ends"
    )
    parser.add_argument(
        "--own-folder",
        action="store_true",
        help="remove the socket's folder on the way out (a private pool's)",
    )
    args = parser.parse_args(argv)
    starter = os.getppid()
    if args.die_with_parent:
        die_with_parent(starter)
    path = args.socket or Path(socket_path())
    check_folder(str(path.parent), create=True)
    # One at a time: a second one (``grader daemon start`` while a check starts one) waits,
    # then leaves the socket to the first if it serves.
    with start_lock(path, wait=True):
        serving = status_of(str(path))
        if serving is not None and not serving.get("stopping"):
            print(f"ready {serving['pid']}", flush=True)
            return 0
        warm_up()
        if threading.active_count() > 1:  # fork() copies no thread: a lock one held stays held
            raise RuntimeError("a resident process must not run threads")
        listener = listen(path)
        # Its stop signals are handled from here on: a starter that dies right after "ready"
        # (its SIGTERM, by --die-with-parent) still gets the folder removed.
        resident = Resident(listener, path, args.idle)
    # "ready" on stdout tells the starter to go on; nothing else is ever written there.
    print(f"ready {os.getpid()}", flush=True)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    try:
        resident.serve()
    finally:
        if args.own_folder:  # even when the batch that made it was killed
            shutil.rmtree(path.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
