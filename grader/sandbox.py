"""Containment for one run of untrusted student code.

Two modes, chosen per run:

* ``namespace``: the grader's own thread enters a fresh network namespace (only loopback,
  up) and PID namespace, creates the peer's sockets and starts the student there, then
  returns to its own namespaces, with no ``await`` in between. Sockets stay in the
  namespace they were made in, so one event loop serves peers in many namespaces at once,
  fixed ports never collide, and the student (pid 1 of its namespace) takes every
  descendant with it when it is killed, double-forked daemons included.
* ``host``: where namespaces are refused (no root, containers with Docker's seccomp
  profile, macOS). The grader picks free ports and ends the process group; fixed-port
  scenarios must then be serialised by the caller.

Both modes apply rlimits, and a cgroup (v1 pids+memory, or v2) where one is writable.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import itertools
import os
import resource
import shutil
import signal
import socket
import struct
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from grader.spec import Limits

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
CLONE_NEWPID = 0x20000000
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1
IFF_RUNNING = 0x40

Mode = Literal["namespace", "host"]
_libc = ctypes.CDLL(None, use_errno=True)
_counter = itertools.count()


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def _setns(fd: int, nstype: int) -> None:
    _check(_libc.setns(fd, nstype), "setns")


def _loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sh", b"lo", 0)
        flags = struct.unpack("16sh", fcntl.ioctl(s, SIOCGIFFLAGS, req))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sh", b"lo", flags | IFF_UP | IFF_RUNNING))


_probe_lock = threading.Lock()
_probe_result: tuple[bool, str] | None = None


def probe_namespaces() -> tuple[bool, str]:
    """Whether this process may create network+PID namespaces; the reason if not. Cached."""
    global _probe_result
    with _probe_lock:
        if _probe_result is None:
            _probe_result = _probe()
        return _probe_result


def _probe() -> tuple[bool, str]:
    if not os.path.exists("/proc/thread-self/ns/net"):
        return False, "this OS has no Linux namespaces"
    result: list[tuple[bool, str]] = []

    def attempt() -> None:
        try:
            # A throwaway thread: whatever happens, the grader's own threads stay untouched.
            _unshare(CLONE_NEWNET | CLONE_NEWPID)
            _loopback_up()
            result.append((True, "network and PID namespaces available"))
        except OSError as exc:
            result.append((False, f"namespaces refused ({exc.strerror or exc}); using host loopback"))

    thread = threading.Thread(target=attempt, name="grader-ns-probe")
    thread.start()
    thread.join()
    return result[0]


def choose_mode(requested: Literal["auto", "namespace", "host"]) -> tuple[Mode, str]:
    """Resolve ``--isolation``; raise if ``namespace`` was demanded but is unavailable."""
    if requested == "host":
        return "host", "host loopback (requested)"
    ok, why = probe_namespaces()
    if ok:
        return "namespace", "own network and PID namespace per scenario"
    if requested == "namespace":
        raise RuntimeError(f"--isolation namespace: {why}")
    return "host", why


# --------------------------------------------------------------------------- cgroups


def _own_cgroup_v1(controller: str) -> Path | None:
    root = Path("/sys/fs/cgroup") / controller
    if not (root / "tasks").exists():
        return None
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return root / path.lstrip("/")
    return None


@dataclass
class Cgroup:
    """Per-run cgroup: process count and memory limits, and a reliable list of members."""

    dirs: list[Path] = field(default_factory=list)

    @classmethod
    def create(cls, limits: Limits, name: str) -> Cgroup | None:
        if os.geteuid() != 0:
            return None
        made: list[Path] = []
        try:
            pids_parent = _own_cgroup_v1("pids")
            mem_parent = _own_cgroup_v1("memory")
            if pids_parent is None:
                return None
            pids = pids_parent / name
            pids.mkdir()
            made.append(pids)
            (pids / "pids.max").write_text(str(limits.processes))
            if mem_parent is not None:
                mem = mem_parent / name
                mem.mkdir()
                made.append(mem)
                (mem / "memory.limit_in_bytes").write_text(str(limits.memory_mb << 20))
                with contextlib.suppress(OSError):
                    (mem / "memory.memsw.limit_in_bytes").write_text(str(limits.memory_mb << 20))
            return cls(made)
        except OSError:
            cls(made).remove()
            return None

    def add(self, pid: int) -> None:
        for d in self.dirs:
            (d / "cgroup.procs").write_text(str(pid))

    def pids(self) -> list[int]:
        if not self.dirs:
            return []
        try:
            return [int(p) for p in (self.dirs[0] / "cgroup.procs").read_text().split()]
        except OSError:
            return []

    def kill_all(self) -> None:
        for _ in range(100):
            members = self.pids()
            if not members:
                return
            for pid in members:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def remove(self) -> None:
        for d in self.dirs:
            with contextlib.suppress(OSError):
                d.rmdir()


# --------------------------------------------------------------------------- the sandbox


def apply_rlimits(pid: int, limits: Limits) -> None:
    """Limit the started process (children inherit); ``prlimit`` avoids a slow ``preexec_fn``."""
    cpu = max(1, int(limits.cpu_seconds + 0.999))
    table = [
        (resource.RLIMIT_CPU, cpu, cpu + 1),
        (resource.RLIMIT_AS, (limits.memory_mb + 256) << 20, (limits.memory_mb + 256) << 20),
        (resource.RLIMIT_FSIZE, limits.file_size_mb << 20, limits.file_size_mb << 20),
        (resource.RLIMIT_NOFILE, limits.open_files, limits.open_files),
        (resource.RLIMIT_CORE, 0, 0),
    ]
    for kind, soft, hard in table:
        with contextlib.suppress(OSError, ValueError):
            resource.prlimit(pid, kind, (soft, hard))


class SandboxError(Exception):
    """The grader could not set up containment: the run is not gradable, not failed."""


class Sandbox:
    """One scenario's namespace, cgroup and student process. Use from one thread only."""

    def __init__(self, mode: Mode, limits: Limits, student_uid: int | None = None):
        self.mode = mode
        self.limits = limits
        self.student_uid = student_uid
        self.name = f"grader-{os.getpid()}-{next(_counter)}"
        self._net_fd: int | None = None
        self._entered_once = False
        self.process: subprocess.Popen[bytes] | None = None
        self.cgroup: Cgroup | None = None

    # -- namespaces ------------------------------------------------------------

    @contextlib.contextmanager
    def inside(self) -> Iterator[None]:
        """Run the body (synchronous, no ``await``) inside this run's namespaces.

        The first entry creates them; later entries rejoin the network namespace, e.g. to
        create another client socket. Host mode does nothing.
        """
        if self.mode == "host":
            yield
            return
        own_net = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        own_pid = os.open("/proc/thread-self/ns/pid", os.O_RDONLY) if not self._entered_once else -1
        try:
            if self._entered_once:
                assert self._net_fd is not None
                _setns(self._net_fd, CLONE_NEWNET)
            else:
                try:
                    _unshare(CLONE_NEWNET | CLONE_NEWPID)
                    _loopback_up()
                except OSError as exc:
                    raise SandboxError(f"could not create a network namespace: {exc}") from exc
                self._net_fd = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
                self._entered_once = True
            try:
                yield
            finally:
                _setns(own_net, CLONE_NEWNET)
                if own_pid >= 0:
                    _setns(own_pid, CLONE_NEWPID)
        finally:
            os.close(own_net)
            if own_pid >= 0:
                os.close(own_pid)

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
    ) -> subprocess.Popen[bytes]:
        """Start the student's program (call inside :meth:`inside` in namespace mode)."""
        if self.student_uid is not None and shutil.which("setpriv"):
            argv = [
                "setpriv", f"--reuid={self.student_uid}", f"--regid={self.student_uid}",
                "--clear-groups", "--no-new-privs", "--", *argv,
            ]
        self.cgroup = Cgroup.create(self.limits, self.name)
        self.process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            close_fds=True,
            start_new_session=True,
        )
        # Popen returns once exec succeeded; the interpreter needs milliseconds to start, so
        # the limits are in place long before the student's first line runs.
        apply_rlimits(self.process.pid, self.limits)
        if self.cgroup is not None:
            try:
                self.cgroup.add(self.process.pid)
            except OSError:
                self.cgroup.remove()
                self.cgroup = None
        return self.process

    def kill_all(self) -> None:
        """End the student's whole process tree, whatever it did to escape."""
        proc = self.process
        if proc is not None and proc.poll() is None:
            # In namespace mode the student is pid 1 of its namespace: SIGKILL to it ends
            # every process in the namespace, including ``setsid`` daemons.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        if self.cgroup is not None:
            self.cgroup.kill_all()

    def close(self) -> None:
        self.kill_all()
        if self.process is not None:
            with contextlib.suppress(Exception):
                self.process.wait(timeout=5)
        if self.cgroup is not None:
            self.cgroup.kill_all()
            self.cgroup.remove()
        if self._net_fd is not None:
            os.close(self._net_fd)
            self._net_fd = None


def free_port(host: str = "127.0.0.1") -> int:
    """A port free right now on the host loopback (host mode only)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def is_addr_in_use(exc: OSError) -> bool:
    return exc.errno == errno.EADDRINUSE
