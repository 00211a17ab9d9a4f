"""Portable mode: the same scenarios on the host's loopback, with only what every OS has.

Windows and macOS (and Linux machines missing its parts, see :mod:`grader.sandbox.platform_caps`)
have no network namespaces, pidfd or pseudo-terminal. :class:`PortableRun` is the scenario
runner of :mod:`grader.run` with those parts swapped for portable ones; every step is the
same code, so a correct program scores the same:

* the program: ``subprocess`` pipes read by threads (:mod:`grader.run.portable_io`), its exit
  seen by a thread that waits on it, its tree ended by the OS's own means
  (:mod:`grader.sandbox.portable_launch`); time limits are the grader's clock (a timeout
  says how late its own event loop ran on a busy machine: :class:`grader.run.deadline.LoopLag`);
* the network: the host's loopback, a free port where the spec allows any and the fixed one
  otherwise (the caller runs those one at a time: :func:`port_turn`);
* the socket table: a small start-up module loaded into the student's Python
  (``grader/run/portable_shim/sitecustomize.py``) reports what it listens on and dials, and
  stands in for ``host: any`` / ``port: any`` (every address reaches the reference peer).

What it cannot promise (no isolation of files or network, no resource limits) every result
says in one line (:func:`grader.render.words.containment_facts`). Nothing here imports a Linux-only
module.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import shutil
import socket
import stat
import sys
import tempfile
import threading
from collections.abc import AsyncIterator
from pathlib import Path, PurePosixPath

from grader.messages import msg
from grader.messages.codes import Code
from grader.outcome import GraderProblem, ProcessEnd
from grader.run.context import _fill, _student_env
from grader.run.deadline import LoopLag
from grader.run.portable_io import ThreadedCapture, ThreadedStdin
from grader.run.scenario import ScenarioRun
from grader.sandbox.listen_table import Listening
from grader.sandbox.portable_launch import PortableSandbox, free_port, held_port
from grader.sandbox.scratch import FileProblem
from grader.spec.models import Assignment

SHIM_DIR = Path(__file__).resolve().parent / "portable_shim"
READERS_GRACE = 1.0
"""Seconds the exit waits for the output pipes' ends (a left-over child may hold them)."""
TYPE_AHEAD_AFTER = 1.0
"""Seconds a typed line waits for the program to read the one before (see ``_student_working``)."""
WINDOWS_ENV = ("SYSTEMROOT", "WINDIR", "COMSPEC", "TEMP", "TMP", "PATHEXT")
"""What a Windows program needs from the environment (sockets fail without SYSTEMROOT)."""


def redirected(assignment: Assignment) -> bool:
    """Whether the student's client is sent to the reference server whatever it dials."""
    return assignment.network.host == "any" and assignment.role == "client"


def needs_turns(assignment: Assignment) -> int | None:
    """The fixed port scenarios must take one at a time on the host's loopback, if any."""
    port = assignment.network.port
    return port if isinstance(port, int) and not redirected(assignment) else None


_turns: dict[int, asyncio.Lock] = {}


@contextlib.asynccontextmanager
async def port_turn(port: int) -> AsyncIterator[None]:
    """One scenario at a time on ``port``: in this process always, across graders where the
    OS has file locks (``fcntl`` on POSIX, ``msvcrt`` on Windows)."""
    lock = _turns.setdefault(port, asyncio.Lock())
    async with lock:
        path = Path(tempfile.gettempdir()) / f"socket-grader-port-{port}.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            await asyncio.to_thread(_lock_file, fd)
            yield
        finally:
            os.close(fd)  # closing drops the lock


def _lock_file(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                return
            except OSError:
                continue  # LK_LOCK gives up after ten seconds: keep waiting
    try:
        fcntl = importlib.import_module("fcntl")
    except ImportError:
        return  # no file locks: the in-process lock is all there is
    fcntl.flock(fd, fcntl.LOCK_EX)


def student_env(home: Path) -> dict[str, str]:
    """The Linux modes' environment, with this system's ``PATH`` and Windows' necessities."""
    env = _student_env(home)
    env["PATH"] = os.environ.get("PATH", env["PATH"])
    if sys.platform == "win32":
        env.update({k: os.environ[k] for k in WINDOWS_ENV if k in os.environ})
        env["USERPROFILE"] = str(home)
    return env


def read_left_file(folder: Path, relative: str, limit: int) -> bytes | FileProblem:
    """A file the student left, by path: never a link, never more than ``limit`` bytes."""
    parts = [p for p in PurePosixPath(relative).parts if p not in ("", ".")]
    if not parts or ".." in parts or parts[0] == "/":
        return FileProblem("missing", relative)
    path = folder
    for name in parts:
        path = path / name
        try:
            info = path.lstat()
        except FileNotFoundError:
            return FileProblem("missing", relative)
        except OSError:
            return FileProblem("unreadable", relative)
        if stat.S_ISLNK(info.st_mode):
            return FileProblem("missing" if name != parts[-1] else "symlink", relative)
    if stat.S_ISDIR(info.st_mode):
        return FileProblem("folder", relative)
    if not stat.S_ISREG(info.st_mode):
        return FileProblem("device", relative)
    if info.st_size > limit:
        return FileProblem("too_large", relative, info.st_size, limit)
    try:
        with path.open("rb") as f:
            data = f.read(limit + 1)
    except OSError:
        return FileProblem("unreadable", relative)
    return FileProblem("too_large", relative, len(data), limit) if len(data) > limit else data


class PortableRun(ScenarioRun):
    """One scenario on the host's loopback, started and ended by portable means."""

    sandbox: PortableSandbox
    meter: LoopLag

    def _new_sandbox(self) -> PortableSandbox:
        self.sandbox_errors = ()
        return PortableSandbox(self.spec.limits)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.meter = LoopLag()
        self._report_dir = Path(tempfile.mkdtemp(prefix="grader-shim-"))
        self.report = self._report_dir / "report"
        """What the start-up module reports: a line per listen, unlisten, connect, dial and name."""
        self._held: socket.socket | None = None
        """A client's port with no server on it, held bound for the run."""

    def _reported(self, kind: str) -> list[list[str]]:
        try:
            lines = self.report.read_text("utf-8", errors="replace").splitlines()
        except OSError:
            return []
        return [words[1:] for line in lines if (words := line.split()) and words[0] == kind]

    # -- start and end ---------------------------------------------------------

    def start(self) -> tuple[int, int, int, int]:
        """Scratch copy, listener and program, on the starter thread; the fds are the Popen's."""
        scratch = Path(tempfile.mkdtemp(prefix="grader-run-", dir=self.ctx.scratch_root))
        self.scratch = scratch
        self._fill_scratch(scratch, None)
        fixed = self.spec.network.port
        shim = {"GRADER_SHIM_REPORT": str(self.report)}
        if self.any_host:
            shim["GRADER_SHIM_ANY_HOST"] = "1"
        if self.any_port and self.spec.role == "server":
            shim["GRADER_SHIM_ANY_PORT"] = "1"
        if self.spec.role == "server" and not self.any_port:
            shim["GRADER_SHIM_PORT"] = str(fixed if isinstance(fixed, int) else 0)
        if self._peer_listens():
            own = 0 if redirected(self.spec) or not isinstance(fixed, int) else fixed
            port = self._listen(own)
            if redirected(self.spec):
                shim["GRADER_SHIM_REDIRECT"] = f"{self.outcome.host}:{port}"
        elif isinstance(fixed, int):
            port = fixed
        elif self.spec.role == "client":  # no server running: the student must find it refused
            self._held = held_port(self.outcome.host)
            port = int(self._held.getsockname()[1])
        else:
            port = free_port(self.outcome.host)  # the student's server binds it
        self.outcome.port = port
        if self.scenario.port_in_time_wait:
            shim["GRADER_SHIM_TIME_WAIT"] = str(port)
        args = self.scenario.args if self.scenario.args is not None else self.spec.student.args
        argv = [self.ctx.python, "-u", self.ctx.entry, *(_fill(a, self.outcome.host, port) for a in args)]
        self.outcome.argv = [Path(argv[0]).name, *argv[1:]]
        env = student_env(scratch)
        env["PYTHONPATH"] = str(SHIM_DIR)
        if self.spec.role == "server" and not isinstance(fixed, int) and not self.any_port:
            shim["GRADER_SHIM_PORT"] = str(port)
        env.update(shim)
        try:
            proc = self.sandbox.spawn(argv, cwd=scratch, env=env)
        except OSError as exc:
            raise GraderProblem(msg(Code.CANNOT_START_PROGRAM, program=argv[0], error=str(exc))) from exc
        return -1, -1, -1, proc.pid

    def _listen(self, port: int) -> int:
        family = socket.AF_INET6 if ":" in self.outcome.host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        if sys.platform != "win32":  # on Windows it would let two servers share the port
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((self.outcome.host, port))
        except OSError as exc:
            listener.close()
            raise GraderProblem(
                msg(
                    Code.PEER_CANNOT_LISTEN, host=self.outcome.host, port=port, error=exc.strerror or str(exc)
                )
            ) from exc
        listener.listen(64)
        listener.setblocking(False)
        self.listener = listener
        return int(listener.getsockname()[1])

    def attach(self, in_w: int, out_master: int, err_r: int, pid: int) -> None:
        """On the event loop: threads read the pipes, one more waits for the exit."""
        proc = self.sandbox.process
        assert proc is not None and proc.stdin and proc.stdout and proc.stderr
        self.process_end = ProcessEnd(started=True)
        cap = self.spec.limits.output_bytes
        crlf = sys.platform == "win32"  # print() there writes "\r\n"

        def overflow() -> None:
            self._kill(Code.STOP_OUTPUT_LIMIT)

        terminal = self.outcome.terminal
        stdout = ThreadedCapture("stdout", proc.stdout, cap, self.clock, terminal, overflow, crlf_to_lf=crlf)
        stderr = ThreadedCapture("stderr", proc.stderr, cap, self.clock, terminal, overflow, crlf_to_lf=crlf)
        self.stdout, self.stderr = stdout, stderr
        self.stdin = ThreadedStdin(proc.stdin, self.clock, terminal)
        loop = asyncio.get_running_loop()

        def wait_for_exit() -> None:
            code = proc.wait()
            for reader in (stdout.thread, stderr.thread):
                reader.join(READERS_GRACE)  # their last chunks reach the loop before the exit
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._ended, code)

        threading.Thread(target=wait_for_exit, name="grader-exit", daemon=True).start()

    def _ended(self, code: int) -> None:
        end = self.process_end
        if code < 0 and sys.platform != "win32":
            end.signal = -code
        end.exit_code = code
        self.exited.set()

    async def finish(self) -> None:
        folder, self.scratch = self.scratch, None  # removed here: by path, on every system
        await super().finish()
        self.meter.close()
        if self._held is not None:
            self._held.close()
        names = [words[0] for words in self._reported("name")]
        if names:
            self.outcome.names_looked_up = sorted(set(names))
        for path in (folder, self._report_dir):
            if path is not None:
                await asyncio.to_thread(shutil.rmtree, path, True)

    def _read_scratch_file(self, relative: str) -> bytes | FileProblem:
        assert self.scratch is not None
        from grader.run.context import MAX_FILE_CHECK

        return read_left_file(self.scratch, relative, MAX_FILE_CHECK)

    # -- what the Linux modes read from the kernel ----------------------------

    def _student_pids(self) -> list[int]:
        return []

    def _student_listening(self) -> list[Listening] | None:
        """The program's listening sockets, as its start-up module reported them."""
        found: dict[int, Listening] = {}
        try:
            lines = self.report.read_text("utf-8", errors="replace").splitlines()
        except OSError:
            return []
        for line in lines:
            words = line.split()
            if words and words[0] == "listen":
                host, port, chosen, family = words[1], int(words[2]), int(words[3]), int(words[4])
                shown = port if self.any_port else chosen  # a wrong port is named as the student chose it
                found[port] = Listening(host, shown, socket.AddressFamily(family))
            elif words and words[0] == "unlisten":
                found.pop(int(words[1]), None)
        return list(found.values())

    async def _until_typed_taken(self) -> None:
        """As the Linux modes do, a line waits until the program has read the one before it;
        no system here tells whether the program is busy elsewhere, so after a while the
        line is typed ahead."""
        assert self.stdin is not None
        delay = 0.001
        until = self.clock() + TYPE_AHEAD_AFTER
        while self.stdin.unread() and not self.exited.is_set() and self.clock() < until:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self.exited.wait()
            delay = min(delay * 2, 0.005)

    def _from_student(self, sock: socket.socket) -> bool:
        """Whether the client at the other end of ``sock`` is this run's program: its start-up
        module reports each connection's port before making it. Any other program on the host
        (another grader's run, a port scanner) is turned away, as host mode does."""
        try:
            peer_port = sock.getpeername()[1]
        except OSError:
            return True  # already gone: reading it will say so
        return any(words and words[0] == str(peer_port) for words in self._reported("connect"))

    def _original_destination(self, sock: socket.socket) -> tuple[str, int] | None:
        try:
            student_port = sock.getpeername()[1]
        except OSError:
            return None
        for words in self._reported("dial"):
            if int(words[0]) == student_port:
                return words[1], int(words[2])
        return None
