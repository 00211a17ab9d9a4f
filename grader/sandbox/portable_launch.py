"""Starting and ending the student's process in portable mode, by each OS's own means.

The same face as :class:`grader.sandbox.box.Sandbox` where :mod:`grader.run` uses it (``spawn``,
``socket``, ``process``, ``kill_all``, ``close``, ``members``, ``limit_reached``), built from
what every system has: :class:`subprocess.Popen` with pipes, and a process-tree kill:

* POSIX (macOS, Linux without its parts): the program leads a session and process group of
  its own (``start_new_session``); ``killpg`` ends it and every child that stayed in the
  group. A child that calls ``setsid`` itself escapes: only Linux's PID namespaces and
  cgroups catch those, and portable mode says it cannot promise containment.
* Windows: a job object that kills every process in it when the grader closes it or asks
  (:mod:`grader.sandbox.windows_job`), and ``taskkill /T /F`` for the tree if no job could be made.

No limits are set (no rlimits, cgroups, Landlock): time is bounded by the grader's clock,
which ends the tree when a scenario's time is up.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from grader.spec.models import Limits


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on now (the OS picks it)."""
    with held_port(host) as s:
        return int(s.getsockname()[1])


def held_port(host: str = "127.0.0.1") -> socket.socket:
    """A port bound but not listening, held for a run: a connection to it is refused, and no
    other program (another run's listener) can take it meanwhile, as it could a port merely
    found free."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.bind((host, 0))
    return sock


class PortableSandbox:
    """One run's process tree, contained only as far as the OS's plain tools allow."""

    cgroup = None
    student_uid = None

    def __init__(self, limits: Limits):
        self.limits = limits
        self.process: subprocess.Popen[bytes] | None = None
        self._job: Any = None

    @contextlib.contextmanager
    def inside(self) -> Iterator[None]:
        """There is no network of the run's own: the host's is the one."""
        yield

    def socket(self, family: int = socket.AF_INET) -> socket.socket:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setblocking(False)
        return sock

    def spawn(self, argv: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
        """Start the program with three pipes, in a process group (POSIX) or job (Windows)."""
        options: dict[str, Any] = {}
        if sys.platform == "win32":
            options["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.CREATE_NO_WINDOW
        else:
            options["start_new_session"] = True
        self.process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,
            close_fds=True,
            **options,
        )
        if sys.platform == "win32":
            from grader.sandbox import windows_job

            self._job = windows_job.contain(self.process)
        return self.process

    def members(self) -> list[int]:
        return [self.process.pid] if self.process is not None and self.process.poll() is None else []

    def kill_all(self) -> None:
        """End the program and its children; never raises for processes already gone."""
        proc = self.process
        if proc is None:
            return
        if sys.platform == "win32":
            from grader.sandbox import windows_job

            if self._job is not None:
                windows_job.terminate(self._job)
            else:
                windows_job.taskkill_tree(proc.pid)
        else:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            proc.kill()

    def close(self) -> None:
        """After the run: end whatever is left (closing a job kills its processes)."""
        self.kill_all()
        if sys.platform == "win32" and self._job is not None:
            from grader.sandbox import windows_job

            windows_job.close(self._job)
            self._job = None

    def limit_reached(self, end_signal: int | None, cpu_seconds: float | None, stderr: bytes) -> str | None:
        """No limits are set in portable mode, so none can be reached."""
        return None
