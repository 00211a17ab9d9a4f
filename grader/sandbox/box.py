"""Containment for one run of untrusted student code.

Two modes, chosen per run:

* ``namespace``: the grader's own thread enters a fresh network namespace (only loopback,
  up), creates the peer's sockets and starts the student there (in a PID namespace of its
  own), then returns to its own network, with no ``await`` in between. Sockets stay in the
  namespace they were made in, so one event loop serves peers in many namespaces at once,
  fixed ports never collide, and the student (pid 1 of its namespace) takes every
  descendant with it when it is killed, double-forked daemons included.
* ``host``: where namespaces are refused (no root, containers with Docker's seccomp
  profile, macOS), or on request. The grader picks free ports; fixed-port scenarios must
  then be serialised by the caller. If the OS allows it, the student still gets its own
  PID namespace (only the network is shared).

Both modes start the student from a short-lived thread that first confines itself, so that
everything is in place before the student's first line runs (nothing is applied "just after"
``Popen``, which a loaded machine could let a program outrun). The thread, and only it:

* moves its future children into a new PID namespace (where allowed);
* joins the run's v1 cgroup (as root; a v1 cgroup takes single threads); a v2 cgroup takes
  whole processes, so the launch shell instead waits on a pipe until the grader has written
  its pid to ``cgroup.procs`` (see :func:`create_cgroup`, :mod:`grader.sandbox.cgroup2`);
* sets "no new privileges" and applies Landlock: only the scratch copy, the system and the
  interpreter are visible, and signals to processes outside the sandbox are refused (see
  :mod:`grader.sandbox.landlock`);
* as root, becomes uid/gid 65534 with no groups, by raw system calls that change the calling
  thread alone (the C library's wrappers would change every thread of the grader).

The thread ends once the student has started, so the grader's own threads keep none of it.
It starts ``/bin/sh -c`` (rlimits with ``ulimit``; ~0.7 ms of CPU) -> ``python -u client.py``.
A ``setpriv`` between the two cost ~2 ms of CPU a start; ``Popen(user=...)`` would make
Python fork the whole grader instead of ``vfork`` (~2 ms more a start).

Tree kill: the student is pid 1 of its PID namespace (both modes, where allowed), and
SIGKILL to it ends every process of the namespace, ``setsid`` daemons included, and the
kernel reaps them; a cgroup (v1 pids+memory here; v2 elsewhere, or where ``GRADER_CGROUP``
names one) also lists every descendant: ``kill_all`` kills them until it is empty (v2:
``cgroup.kill``), and its events tell which limit was hit. With neither
(no root, no namespaces) processes are found by an environment entry unique to the run,
which a double fork keeps: a best effort, as a program may exec itself with a new one.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

from grader.sandbox import cgroup2, mounts
from grader.sandbox.cgroup2 import Cgroup2
from grader.sandbox.cgroups import RunCgroup, create_cgroup
from grader.sandbox.confine import STUDENT_NICE, launch_chain, start_confined, thread_credentials
from grader.sandbox.errors import SandboxError
from grader.sandbox.host import Mode, hide_grader_memory, pid_namespaces
from grader.sandbox.hostports import descendants
from grader.sandbox.namespaces import CLONE_NEWNET, _loopback_up, _setns, _unshare
from grader.sandbox.process import kill_until_gone
from grader.spec.models import Limits

_names = itertools.count()


# --------------------------------------------------------------------------- cgroups


# --------------------------------------------------------------------------- the sandbox


class Sandbox:
    """One scenario's namespace, cgroup and student process. Use from one thread only."""

    def __init__(self, mode: Mode, limits: Limits, student_uid: int | None = None):
        self.mode = mode
        self.limits = limits
        self.student_uid = student_uid
        self.name = f"grader-{os.getpid()}-{next(_names)}"
        self._net_fd: int | None = None
        self._entered_once = False
        self.process: subprocess.Popen[bytes] | None = None
        self.cgroup: RunCgroup | None = None
        self.limit: str | None = None
        """The resource limit the kernel enforced (``memory``, ``processes``), read at close."""
        self._marker: bytes | None = None
        """Without a PID namespace or a cgroup: the environment entry every descendant inherits."""

    # -- namespaces ------------------------------------------------------------

    @contextlib.contextmanager
    def inside(self) -> Iterator[None]:
        """Run the body (synchronous, no ``await``) inside this run's network namespace.

        The first entry creates it; later entries rejoin it, e.g. to create another client
        socket. Host mode does nothing.
        """
        if self.mode == "host":
            yield
            return
        own_net = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        try:
            if self._entered_once:
                assert self._net_fd is not None
                _setns(self._net_fd, CLONE_NEWNET)
            else:
                try:
                    _unshare(CLONE_NEWNET)
                    _loopback_up()
                except OSError as exc:
                    raise SandboxError(f"could not create a network namespace: {exc}") from exc
                self._net_fd = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
                self._entered_once = True
            try:
                yield
            finally:
                _setns(own_net, CLONE_NEWNET)
        finally:
            os.close(own_net)

    def socket(self, family: int = socket.AF_INET) -> socket.socket:
        """A non-blocking TCP socket that lives in this run's network."""
        with self.inside():
            sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setblocking(False)
        return sock

    # -- the student process ---------------------------------------------------

    def spawn(
        self,
        argv: list[str],
        *,
        cwd: Path,
        env: dict[str, str],
        stdin: int,
        stdout: int,
        stderr: int,
        view: mounts.PrivateView | None = None,
    ) -> subprocess.Popen[bytes]:
        """Start the student's program (call inside :meth:`inside` in namespace mode).

        Landlock and the PID namespace come from the starting thread, limits, cgroup and uid
        from the exec chain: all before the student's first line; see the module docstring.
        """
        if self.student_uid is None:
            hide_grader_memory()
        self.cgroup = create_cgroup(self.limits, self.name)
        env = {**env, "TMPDIR": str(cwd)}
        if self.cgroup is None and not pid_namespaces():
            # Nothing in the kernel lists this run's processes: find them by an environment
            # entry unique to the run (the scratch folder), which a double fork keeps.
            self._marker = f"TMPDIR={cwd}".encode()
        hold_fd = next(fd for fd in range(cgroup2.HOLD_FD, 2, -1) if fd not in (stdin, stdout, stderr))
        held = os.pipe() if isinstance(self.cgroup, Cgroup2) else None
        hold = cgroup2.hold_line(hold_fd) if held else ""
        chain = [*launch_chain(self.limits, self.cgroup, self.student_uid, hold), *argv]
        uid = self.student_uid
        in_thread = uid is not None and thread_credentials()
        # Where one thread's user cannot be changed, Popen changes it (forking the grader).
        user: dict[str, object] = (
            {} if uid is None or in_thread else {"user": uid, "group": uid, "extra_groups": []}
        )
        try:
            self.process = start_confined(
                lambda: subprocess.Popen(
                    chain,
                    cwd=cwd,
                    env=env,
                    stdin=stdin,
                    stdout=stdout,
                    stderr=stderr,
                    close_fds=True,
                    pass_fds=(hold_fd,) if held else (),
                    start_new_session=True,
                    **user,
                ),  # type: ignore[call-overload]
                own_pids=pid_namespaces(),
                python=argv[0],
                writable=[str(cwd)],
                cgroup=self.cgroup,
                uid=uid if in_thread else None,
                view=view,
                hold=(held[0], hold_fd) if held else None,
            )
        finally:
            if held:
                os.close(held[0])
        if held:
            self._release_into_cgroup(held[1])
        # Below the grader: a student spinning on every core must not slow the peer and the
        # clocks that judge it (children inherit this; ``setpriority`` is only a priority, so
        # applying it just after start is no race that matters).
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, self.process.pid, STUDENT_NICE)
        return self.process

    def _release_into_cgroup(self, word: int) -> None:
        """Place the held launch in the run's v2 cgroup, then let it go on (to the program).

        If it cannot be placed, the pipe closes without a word: the launch exits (121)
        without running a line of the student's, and the run is not gradable.
        """
        assert isinstance(self.cgroup, Cgroup2) and self.process is not None
        try:
            self.cgroup.place(self.process.pid)
            os.write(word, b"go\n")
        except OSError as exc:
            os.close(word)
            self.process.wait()
            raise SandboxError(f"could not place the program in its cgroup: {exc}") from exc
        os.close(word)

    def limit_reached(self, end_signal: int | None, cpu_seconds: float | None, stderr: bytes) -> str | None:
        """Which resource limit ended or broke the program, from what the sandbox knows."""
        if self.limit is not None:
            return self.limit
        cpu_limit = max(1, int(self.limits.cpu_seconds + 0.999))
        if end_signal == signal.SIGXCPU or (
            end_signal == signal.SIGKILL and cpu_seconds is not None and cpu_seconds >= cpu_limit - 0.05
        ):
            return "cpu time"
        tail = stderr[-2000:]
        for marker, name in (
            (b"MemoryError", "memory"),
            (b"[Errno 27] File too large", "file size"),
            (b"[Errno 28] No space left on device", "disk"),
            (b"[Errno 24] Too many open files", "open files"),
            (b"BlockingIOError: [Errno 11] Resource temporarily unavailable", "processes"),
        ):
            if marker in tail:
                return name
        return None

    def members(self) -> list[int]:
        """The run's processes as the kernel lists them (cgroup), else found by marker or tree."""
        if self.cgroup is not None:
            return self.cgroup.pids()
        if self._marker is not None:
            return _marked_processes(self._marker)
        if self.process is None:
            return []
        return descendants(self.process.pid)

    def kill_all(self) -> None:
        """End the student's whole process tree, whatever it did to escape."""
        proc = self.process
        # ``returncode``, not ``poll()``: polling would reap the student and lose its exit
        # status to whoever waits for it next (run.py reaps it itself, with its rusage). An
        # unreaped pid cannot be reused, so signalling an already-exited student is harmless.
        if proc is not None and proc.returncode is None:
            # In namespace mode the student is pid 1 of its namespace: SIGKILL to it ends
            # every process in the namespace, including ``setsid`` daemons.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGKILL)  # not proc.kill(): it polls, and so reaps
        if self.cgroup is not None:
            self.cgroup.kill_all()
        marker = self._marker
        if marker is not None:
            kill_until_gone(lambda: _marked_processes(marker))

    def close(self) -> None:
        self.kill_all()
        if self.process is not None:
            with contextlib.suppress(Exception):
                self.process.wait(timeout=5)
        if self.cgroup is not None:
            self.cgroup.kill_all()
            self.limit = self.cgroup.limit_hit()
            self.cgroup.remove()
        if self._net_fd is not None:
            os.close(self._net_fd)
            self._net_fd = None


def _marked_processes(marker: bytes) -> list[int]:
    """Processes of our uid whose environment holds ``marker`` as a whole entry."""
    me, uid = os.getpid(), os.geteuid()
    found: list[int] = []
    if not os.path.isdir("/proc"):
        return found
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            if entry.stat().st_uid != uid:
                continue
            with open(f"/proc/{entry.name}/environ", "rb") as f:
                environ = f.read()
        except OSError:
            continue
        if marker in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def free_port(host: str = "127.0.0.1") -> int:
    """A port free right now on the host loopback (host mode only)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]
