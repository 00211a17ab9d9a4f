"""Running one scenario: the student's process, its terminal and the reference peer, together.

Everything here collects facts into an :class:`~grader.outcome.Outcome`. Steps run in order;
each waits on events (bytes, EOF, process exit, a listening port) under a deadline, and the
first step whose expectation is not met ends the scenario. Whatever happens, the ``finally``
of :func:`run_scenario` ends the process tree and closes every socket and descriptor.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import shutil
import socket
import struct
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

from grader import browser_client, hostports, http_steps, netns_any, scratch
from grader.any_name import NameAnswerer, open_answerer
from grader.deadline import LoadAwareTimeout, ProgressMeter
from grader.encodings import choose, distinguishes
from grader.fixtures import place_fixtures
from grader.listen_table import Listening, listening, owned_by
from grader.matching import find_output, first_difference, match_expect
from grader.messages import Code, Message, facts, msg
from grader.outcome import GraderProblem, HttpExchange, IsolationMode, Outcome, ProcessEnd, StepOutcome
from grader.peer import (
    PeerConnection,
    accept,
    close_socket,
    listening_ports,
    now_clock,
    tcp_sockets,
    try_accept_now,
)
from grader.scratch import FileProblem, folder_usage, open_folder, read_student_file, remove_tree
from grader.spec import (
    Accept,
    Assignment,
    BrowserVisit,
    CloseStdin,
    Connect,
    Exit,
    Expect,
    ExpectEof,
    FileCheck,
    Output,
    Parallel,
    Pause,
    Prompt,
    Request,
    Response,
    Scenario,
    Send,
    Stderr,
    Type,
    WaitListening,
)
from grader.time_wait import leave_time_wait

if TYPE_CHECKING:  # the Linux parts are imported where they run: portable mode has none
    from grader import mounts
    from grader.portable_io import ThreadedCapture, ThreadedStdin
    from grader.portable_launch import PortableSandbox
    from grader.sandbox import Sandbox
    from grader.terminal import StdinWriter, StreamCapture
    from grader.uids import UidLease

NAMESPACE_DEFAULT_PORT = 5000
"""In a private namespace every port is free; a fixed default makes transcripts repeatable."""
WRONG_PORT_SCAN = 0.02
"""Seconds of refused connects between two looks at where the student's server listens."""
MAX_FILE_CHECK = 64 << 20
DISK_WATCH_INTERVAL = 0.1
"""Seconds between two looks at a scratch folder's size where no private tmpfs bounds it."""
BROWSER_START_SECONDS = 30.0
"""Added to a browser step's time: the first one in a process starts Chromium."""


@dataclass
class RunContext:
    """What every scenario of one submission shares."""

    assignment: Assignment
    submission: Path
    """Folder holding the student's files (never written to: each run gets a scratch copy)."""
    entry: str
    """The entry file's name inside ``submission``."""
    mode: IsolationMode
    python: str
    student_uid: int | None = None
    scratch_root: Path | None = None
    env_extra: dict[str, str] = field(default_factory=dict)


class StepFailed(Exception):
    """A step's expectation was not met; its outcome already says how."""


StopReason = Literal[
    Code.STOP_OUTPUT_LIMIT, Code.STOP_SCENARIO_OVER, Code.STOP_SCENARIO_TIMEOUT, Code.STOP_DISK_LIMIT
]


def _student_env(home: Path) -> dict[str, str]:
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        "TERM": "dumb",
    }


def _fill(template: str, host: str, port: int, i: int | None = None) -> str:
    out = template.replace("{host}", host).replace("{port}", str(port))
    return out.replace("{i}", str(i)) if i is not None else out


class ScenarioRun:
    """The state of one running scenario; owned by :func:`run_scenario`, never shared."""

    def __init__(self, ctx: RunContext, scenario: Scenario):
        self.ctx = ctx
        self.spec = ctx.assignment
        self.scenario = scenario
        self.clock = now_clock()
        self.sandbox = self._new_sandbox()
        self.conns: dict[str, PeerConnection] = {}
        self.listener: socket.socket | None = None
        self.stdout: StreamCapture | ThreadedCapture | None = None
        self.stderr: StreamCapture | ThreadedCapture | None = None
        self.stdin: StdinWriter | ThreadedStdin | None = None
        self.exited = asyncio.Event()
        self.process_end = ProcessEnd(started=False)
        self.cursor = 0
        self.scratch: Path | None = None
        host = self.spec.network.host
        self.any_host = host == "any"
        self.any_port = self.spec.network.port == "any"
        self.outcome = Outcome(
            scenario=scenario.id,
            isolation=ctx.mode,
            host="127.0.0.1" if host in ("localhost", "any") else host,
            port=0,
        )
        self.encoding_used: str | None = None
        """The text encoding the program was last seen to use (a step allowing several)."""
        self.dialled: dict[str, tuple[str, int]] = {}
        """Per connection the grader opened: the address it connected to (for ``Host``)."""
        self.last_request: dict[str, tuple[str, bytes]] = {}
        """Per connection: the method and bytes of the last HTTP request sent on it."""
        self._pidfd: int | None = None
        self.meter = ProgressMeter(self._student_pids)
        """How long the program (and this loop) waited for a processor: deadlines count it."""
        self._uid: UidLease | None = None
        self._scratch_fd: int | None = None
        """The private tmpfs's root, which only the student's mount namespace shows by path."""
        self._disk_watch: asyncio.Task[None] | None = None
        self._disk_full = False
        self.port_taken: hostports.PortTaken | None = None
        """Host mode: another program answered on the student's port (the run is not scored)."""
        self.names_sock: socket.socket | None = None
        self.names: NameAnswerer | None = None

    def _new_sandbox(self) -> Sandbox | PortableSandbox:
        """Where the program runs (:class:`grader.portable.PortableRun` has its own)."""
        from grader.sandbox import Sandbox, SandboxError

        self.sandbox_errors: tuple[type[Exception], ...] = (SandboxError,)
        return Sandbox(self.ctx.mode, self.spec.limits, self.ctx.student_uid)  # type: ignore[arg-type]

    def _student_pids(self) -> list[int]:
        proc = self.sandbox.process
        if proc is None or self.exited.is_set():
            return []
        listed = self.sandbox.cgroup.pids() if self.sandbox.cgroup is not None else []
        return listed or [proc.pid]

    # -- setup and teardown ---------------------------------------------------

    def _choose_port(self) -> int:
        fixed = self.spec.network.port
        if isinstance(fixed, int):
            return fixed
        if self.ctx.mode == "namespace":
            return NAMESPACE_DEFAULT_PORT
        from grader.sandbox import free_port

        return 0 if self._peer_listens() else free_port(self.outcome.host)

    def _peer_listens(self) -> bool:
        return self.spec.role == "client" and self.scenario.server_running

    def _make_scratch(self) -> mounts.PrivateView | None:
        """The run's scratch folder; filled now, or by the starting thread over a private tmpfs."""
        from grader import mounts
        from grader.sandbox import scratch_parent

        scratch = Path(tempfile.mkdtemp(prefix="grader-run-", dir=self.ctx.scratch_root or scratch_parent()))
        self.scratch = scratch
        uid = self.sandbox.student_uid
        fill = functools.partial(self._fill_scratch, scratch, uid)
        support = mounts.probe()
        if support.scratch:
            size = mounts.scratch_bytes(self.spec.limits.file_size_mb)
            owner = uid if uid is not None else os.geteuid()
            return mounts.PrivateView(str(scratch), size, owner, fill, proc=support.proc)
        fill()
        return None

    def _fill_scratch(self, scratch: Path, uid: int | None) -> None:
        """The student's files and the assignment's fixtures, owned by ``uid`` where given."""
        shutil.copytree(self.ctx.submission, scratch, dirs_exist_ok=True, symlinks=True)
        given = self.spec.fixtures
        if self.spec.role == "client":  # the pages the reference server answers with stay its own
            served = self.spec.served_files()
            given = {name: data for name, data in given.items() if name not in served}
        self.outcome.fixtures = place_fixtures(given, scratch, uid)
        if uid is not None:
            for path in [scratch, *scratch.rglob("*")]:
                with contextlib.suppress(OSError):
                    os.lchown(path, uid, uid)

    def _lease_uid(self) -> None:
        """As root: a uid no other running student has (see :mod:`grader.uids`)."""
        if self.ctx.student_uid is None:
            return
        from grader.uids import lease_uid

        self._uid = lease_uid()
        if self._uid is not None:
            self.sandbox.student_uid = self._uid.uid

    def start(self) -> tuple[int, int, int, int]:
        """Synchronous: namespace, listener and process are set up with no ``await`` between.

        Runs on a starter thread (see :func:`start_off_loop`), not on the event loop: on a
        busy machine a start takes tens of milliseconds, and the loop must meanwhile keep
        serving the steps of other scenarios, whose deadlines are running. Returns the
        grader's ends of stdin, stdout and stderr and the program's pid, for :meth:`attach`.
        """
        if self.ctx.mode == "host" and (self.any_host or self.any_port):
            raise GraderProblem(netns_any.HOST_MODE_REFUSAL)
        if self.ctx.mode == "host" and self.scenario.port_in_time_wait:
            raise GraderProblem(msg(Code.TIME_WAIT_NEEDS_NAMESPACE))
        from grader.terminal import open_terminal_fds

        self._lease_uid()
        view = self._make_scratch()
        assert self.scratch is not None
        port = self._choose_port()
        family = socket.AF_INET6 if ":" in self.outcome.host else socket.AF_INET
        (in_r, in_w), (out_master, out_slave), (err_r, err_w) = open_terminal_fds()
        try:
            with self.sandbox.inside():
                if self.any_host or self.any_port:
                    netns_any.make_every_address_local()
                if self.any_host and self.spec.role == "client":
                    self.names_sock = open_answerer()  # every name is the reference server's
                if self._peer_listens():
                    listener = socket.socket(family, socket.SOCK_STREAM)
                    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    try:
                        listener.bind(
                            ("0.0.0.0" if self.any_host or self.any_port else self.outcome.host, port)
                        )
                    except OSError as exc:
                        listener.close()
                        raise GraderProblem(
                            msg(
                                Code.PEER_CANNOT_LISTEN,
                                host=self.outcome.host,
                                port=port,
                                error=exc.strerror or str(exc),
                            )
                        ) from exc
                    listener.listen(64)
                    listener.setblocking(False)
                    self.listener = listener
                    port = listener.getsockname()[1]
                    if self.any_host or self.any_port:
                        netns_any.redirect_all_tcp(port)
                self.outcome.port = port
                if self.scenario.port_in_time_wait and not leave_time_wait(self.outcome.host, port):
                    raise GraderProblem(msg(Code.TIME_WAIT_NOT_LEFT))
                args = self.scenario.args if self.scenario.args is not None else self.spec.student.args
                argv = [
                    self.ctx.python,
                    "-u",
                    self.ctx.entry,
                    *(_fill(a, self.outcome.host, port) for a in args),
                ]
                self.outcome.argv = [Path(argv[0]).name, *argv[1:]]
                try:
                    proc = cast("Sandbox", self.sandbox).spawn(
                        argv,
                        cwd=self.scratch,
                        env=_student_env(self.scratch),
                        stdin=in_r,
                        stdout=out_slave,
                        stderr=err_w,
                        view=view,
                    )
                except OSError as exc:
                    raise GraderProblem(
                        msg(Code.CANNOT_START_PROGRAM, program=argv[0], error=str(exc))
                    ) from exc
                if view is not None:
                    self._scratch_fd = view.folder_fd  # else attach() watches the disk
        except BaseException:
            for fd in (in_w, out_master, err_r):
                os.close(fd)
            raise
        finally:
            for fd in (in_r, out_slave, err_w):
                os.close(fd)
        return in_w, out_master, err_r, proc.pid

    def attach(self, in_w: int, out_master: int, err_r: int, pid: int) -> None:
        """On the event loop: read the program's output and watch for its exit."""
        from grader.terminal import StdinWriter, StreamCapture

        self.process_end = ProcessEnd(started=True)
        cap = self.spec.limits.output_bytes
        self.stdout = StreamCapture(
            "stdout",
            out_master,
            cap,
            self.clock,
            self.outcome.terminal,
            lambda: self._kill(Code.STOP_OUTPUT_LIMIT),
        )
        self.stderr = StreamCapture(
            "stderr",
            err_r,
            cap,
            self.clock,
            self.outcome.terminal,
            lambda: self._kill(Code.STOP_OUTPUT_LIMIT),
        )
        self.stdin = StdinWriter(in_w, self.clock, self.outcome.terminal)
        if self.names_sock is not None:
            self.names = NameAnswerer(self.names_sock)
        self._watch_exit(pid)
        if self._scratch_fd is None:
            self._disk_watch = asyncio.get_running_loop().create_task(self._watch_disk())

    async def _watch_disk(self) -> None:
        """No private tmpfs: end the run if its scratch folder grows past the disk limit."""
        from grader import mounts

        assert self.scratch is not None
        limit = mounts.scratch_bytes(self.spec.limits.file_size_mb)
        folder = self.scratch
        while not self.exited.is_set():
            if await scratch.in_own_thread(functools.partial(folder_usage, folder, limit)) > limit:
                self._disk_full = True
                self._kill(Code.STOP_DISK_LIMIT)
                return
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(DISK_WATCH_INTERVAL):
                    await self.exited.wait()

    def _watch_exit(self, pid: int) -> None:
        loop = asyncio.get_running_loop()
        self._pidfd = os.pidfd_open(pid)
        loop.add_reader(self._pidfd, self._reap, pid)

    def _reap(self, pid: int) -> None:
        loop = asyncio.get_running_loop()
        try:
            got, status, usage = os.wait4(pid, os.WNOHANG)
        except ChildProcessError:
            got, status, usage = pid, 0, None
        if got == 0:
            return
        assert self._pidfd is not None
        loop.remove_reader(self._pidfd)
        os.close(self._pidfd)
        self._pidfd = None
        end = self.process_end
        if os.WIFSIGNALED(status):
            end.signal = os.WTERMSIG(status)
            end.exit_code = -end.signal
        else:
            end.exit_code = os.waitstatus_to_exitcode(status)
        if usage is not None:
            end.cpu_seconds = round(usage.ru_utime + usage.ru_stime, 4)
        if self.sandbox.process is not None:
            self.sandbox.process.returncode = end.exit_code
        self.exited.set()

    def _kill(self, why: StopReason) -> None:
        if not self.exited.is_set() and self.process_end.killed_by_grader is None:
            self.process_end.killed_by_grader = why
        self.sandbox.kill_all()

    async def finish(self) -> None:
        """End everything the scenario started, then record what was left over."""
        if self.process_end.started and not self.exited.is_set():
            self._kill(Code.STOP_SCENARIO_OVER)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5):
                    await self.exited.wait()
        if self._pidfd is not None:  # never reaped (should not happen): stop watching anyway
            asyncio.get_running_loop().remove_reader(self._pidfd)
            os.close(self._pidfd)
        for capture in (self.stdout, self.stderr):
            if capture is not None:
                capture.drain()
                capture.close()
        if self.stdin is not None:
            self.stdin.close()
        # On the host network, the grader's own connections must not leave the next scenario a
        # port in TIME_WAIT: abort them (the scenario is over, the student can no longer be judged).
        abort = self.ctx.mode != "namespace"
        self.outcome.connections = [c.finish(abort=abort) for c in self.conns.values()]
        if self.listener is not None:
            close_socket(self.listener)
        if self.names is not None:
            self.names.close()
            self.outcome.names_looked_up = self.names.names
        elif self.names_sock is not None:
            self.names_sock.close()
        self.sandbox.close()
        if self._disk_watch is not None:
            self._disk_watch.cancel()
        if self._uid is not None:
            self._uid.release()  # every process of the run is gone: the uid may serve another
        if self.stdout is not None and self.stderr is not None:
            self.outcome.stdout = bytes(self.stdout.data)
            self.outcome.stderr = bytes(self.stderr.data)
            self.outcome.stdout_truncated = self.stdout.truncated
            self.outcome.stderr_truncated = self.stderr.truncated
            self.outcome.stdout_size, self.outcome.stderr_size = self.stdout.total, self.stderr.total
        end = self.process_end
        end.limit = self.sandbox.limit_reached(end.signal, end.cpu_seconds, self.outcome.stderr)
        if self._disk_full:
            end.limit = "disk"
        self.outcome.process = self.process_end
        if self._scratch_fd is not None:
            os.close(self._scratch_fd)  # the tmpfs goes with it (its processes are gone)
            self._scratch_fd = None
        if self.scratch is not None:
            folder = self.scratch
            await scratch.in_own_thread(lambda: remove_tree(folder))

    # -- steps ----------------------------------------------------------------

    def _timeout(self, step: object) -> float:
        own = getattr(step, "timeout", None)
        own_or_step = own or self.spec.timeouts.step
        if getattr(step, "action", None) == "browser":
            return own_or_step + BROWSER_START_SECONDS  # the first one starts Chromium
        if own:
            return own
        if getattr(step, "action", None) == "parallel":
            # Each client's steps have their own step timeouts; all of them together get as
            # long as the scenario, so ten clients are not squeezed into one step's time.
            return self.scenario.timeout or self.spec.timeouts.scenario
        return self.spec.timeouts.step

    async def run_steps(self) -> None:
        for index, step in enumerate(self.scenario.steps):
            out = StepOutcome(index=index, action=step.action, conn=getattr(step, "conn", None))
            self.outcome.steps.append(out)
        for out, step in zip(self.outcome.steps, self.scenario.steps, strict=True):
            await self._run_step(step, out)
            if out.status != "ok":
                return

    async def _run_step(self, step: object, out: StepOutcome, copy: int | None = None) -> None:
        out.started = self.clock()
        handler = self._handlers()[out.action]
        deadline = LoadAwareTimeout(self._timeout(step), self.meter)
        try:
            async with deadline:
                await handler(step, out, copy)
            if out.status == "not_reached":
                out.status = "ok"
        except TimeoutError:
            out.status = "timeout"
            out.waited = round(self._timeout(step) + deadline.granted, 3)
            self._note_unread(step, out)
            note_busy(out, deadline)
        except StepFailed:
            if out.status in ("not_reached", "ok"):
                out.status = "failed"
        except (ConnectionError, BrokenPipeError, OSError) as exc:
            out.status = "failed"
            out.reason = out.reason or _os_error_reason(exc)
        finally:
            out.ended = self.clock()
            if out.waited is None and out.started is not None:
                out.waited = round(out.ended - out.started, 4)
            _clip(out)

    def _note_unread(self, step: object, out: StepOutcome) -> None:
        """On a timeout, show what had arrived so far."""
        if out.observed is not None:
            return
        conn = self._conn_name(step, None) if hasattr(step, "conn") else None
        if conn and conn in self.conns:
            out.observed = bytes(self.conns[conn].buffer)
            if out.action == "response" and self.spec.role == "server":
                out.reason = http_steps.unfinished_response(out.observed)
            elif out.action == "request" and self.spec.role == "client":
                out.reason = http_steps.unfinished_request(out.observed)
        elif out.action in ("prompt", "output") and self.stdout is not None:
            out.observed = bytes(self.stdout.data[self.cursor :])

    def _handlers(self) -> dict[str, Callable[..., Awaitable[None]]]:
        return {
            "accept": self._accept,
            "connect": self._connect,
            "wait_listening": self._wait_listening,
            "send": self._send,
            "expect": self._expect,
            "expect_eof": self._expect_eof,
            "shutdown": self._shutdown,
            "close": self._close,
            "reset": self._reset,
            "pause": self._pause,
            "request": self._request,
            "response": self._response,
            "browser": self._browser,
            "parallel": self._parallel,
            "prompt": self._prompt,
            "output": self._output,
            "type": self._type,
            "close_stdin": self._close_stdin,
            "exit": self._exit,
            "stderr": self._stderr,
            "file": self._file,
        }

    @staticmethod
    def _conn_name(step: object, copy: int | None) -> str:
        name = getattr(step, "conn", "c1")
        return name if copy is None else f"{name}#{copy}"

    def _conn(self, step: object, out: StepOutcome, copy: int | None) -> PeerConnection:
        name = self._conn_name(step, copy)
        out.conn = name
        if name not in self.conns:
            out.reason = msg(Code.NO_SUCH_CONNECTION)
            raise StepFailed
        return self.conns[name]

    def _open(self, name: str, sock: socket.socket) -> PeerConnection:
        conn = PeerConnection(name, sock, self.clock, self.outcome.wire)
        self.conns[name] = conn
        return conn

    async def _until_exit_or(self, awaitable: Awaitable[object]) -> bool:
        """Await ``awaitable``; return False if the student's process exits first."""
        task = asyncio.ensure_future(awaitable)
        exit_wait = asyncio.ensure_future(self.exited.wait())
        try:
            done, _ = await asyncio.wait({task, exit_wait}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            exit_wait.cancel()
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if task in done:
            task.result()
            return True
        return False

    async def _accept(self, step: Accept, out: StepOutcome, copy: int | None) -> None:
        name = self._conn_name(step, copy)
        out.conn = name
        assert self.listener is not None, "accept needs the reference server to listen"
        while True:
            sock = await self._accept_one()
            if sock is None:
                out.reason = msg(Code.EXITED_WITHOUT_CONNECTING, code=self.process_end.exit_code)
                raise StepFailed
            if self._from_student(sock):
                break
            # On the host network (host and portable modes) another program connected first: not graded.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            close_socket(sock)
        self._open(name, sock)
        if self.any_host or self.any_port:
            self._check_dialled(sock, out)

    async def _accept_one(self) -> socket.socket | None:
        assert self.listener is not None
        sock = try_accept_now(self.listener)
        if sock is None:
            accepting = asyncio.ensure_future(accept(self.listener))
            if await self._until_exit_or(accepting):
                sock = accepting.result()
            else:
                sock = try_accept_now(self.listener)
        return sock

    def _identity(self) -> hostports.RunIdentity:
        """How this run's sockets are told from other programs' on the host network."""
        if self.sandbox.student_uid is not None:
            return hostports.RunIdentity(self.sandbox.student_uid)
        return hostports.RunIdentity(None, tuple(self.sandbox.members()))

    def _from_student(self, sock: socket.socket) -> bool:
        """Whether the client at the other end of ``sock`` is this run's program (host mode)."""
        if self.ctx.mode != "host":
            return True  # a scenario's own network holds nobody else
        try:
            peer_port, own_port = sock.getpeername()[1], sock.getsockname()[1]
        except OSError:
            return True  # already gone: reading it will say so
        end = hostports.connection_end(peer_port, own_port)
        return end is None or self._identity().owns(end)

    def _check_dialled(self, sock: socket.socket, out: StepOutcome) -> None:
        """Where a redirected client meant to go; a wrong fixed port fails the step, naming it."""
        dialled = self._original_destination(sock)
        if dialled is None:
            return
        host, port = dialled
        self.outcome.address_used = f"{host}:{port}"
        wanted = self.spec.network.port
        if isinstance(wanted, int) and port != wanted:
            out.reason = msg(Code.WRONG_PORT_DIALLED, host=host, port=port, expected=wanted)
            raise StepFailed

    def _original_destination(self, sock: socket.socket) -> tuple[str, int] | None:
        """Where the student's client meant to connect before it was redirected here."""
        return netns_any.original_destination(sock)

    def _conn_used_later(self, step: object) -> bool:
        """Whether a later step of the scenario uses the connection this ``connect`` opens."""
        steps = self.scenario.steps
        index = next((i for i, s in enumerate(steps) if s is step), None)
        if index is None:
            return True  # inside ``parallel``: its clients always talk
        name = getattr(step, "conn", "c1")
        rest = steps[index + 1 :]
        return any(getattr(s, "conn", None) == name and s.action not in ("close", "reset") for s in rest)

    def _student_listening(self) -> list[Listening] | None:
        """The student's listening sockets, from the socket table; None where it cannot tell.

        In a namespace every listener is the student's; on the host network, only those its
        processes hold (None if the grader may not read their descriptors).
        """
        proc = self.sandbox.process
        assert proc is not None
        table = listening(proc.pid)
        return table if self.ctx.mode == "namespace" else owned_by(proc.pid, table)

    async def _listener_in_table(self, out: StepOutcome) -> Listening | None:
        """Wait until the student listens (on its port, or any with ``port: any``), making no
        connection; None where the table cannot tell, so the caller connects instead."""
        delay = 0.001
        while True:
            if self.exited.is_set():
                out.reason = msg(Code.EXITED_BEFORE_LISTENING, code=self.process_end.exit_code)
                raise StepFailed
            table = self._student_listening()
            if table is None:
                return None
            found = [entry for entry in table if self.any_port or entry.port == self.outcome.port]
            if found:
                return found[0]
            if table:  # listening, but elsewhere: known now, waiting longer cannot change it
                ports = sorted({entry.port for entry in table})
                out.reason = msg(Code.LISTENS_ON_WRONG_PORT, expected=self.outcome.port, listening=ports)
                raise StepFailed
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self.exited.wait()
            delay = min(delay * 2, 0.005)  # each look is one small read of /proc

    async def _connect(self, step: Connect, out: StepOutcome, copy: int | None) -> None:
        name = self._conn_name(step, copy)
        out.conn = name
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in self.outcome.host else socket.AF_INET
        target = (self.outcome.host, self.outcome.port)
        probe = not self._conn_used_later(step)
        if self.any_host or self.any_port or probe:
            # A probe costs nothing: a one-shot server keeps its only accept, and no server is
            # fed an empty connection. With ``any``, the table also says where to connect.
            entry = await self._listener_in_table(out)
            if entry is not None and (self.any_host or self.any_port):
                target = (entry.connect_to, entry.port)
                family = entry.family
                self.outcome.address_used = f"{entry.address}:{entry.port}"
            if entry is not None and probe:
                return
        delay = 0.001
        attempts = 0
        # Reading /proc/net/tcp walks the kernel's socket table: look where the server listens
        # every WRONG_PORT_SCAN seconds of refusals, not on every one.
        scanned_at = loop.time()
        while True:
            sock = self.sandbox.socket(family)
            attempts += 1
            try:
                await loop.sock_connect(sock, target)
                break
            except (ConnectionRefusedError, ConnectionResetError):
                # reset during the handshake: the server closed its listener with this
                # connection still queued (it is exiting); the same as refused
                close_socket(sock)
                out.reason = msg(Code.CONNECTION_REFUSED, n=attempts)
                if self.exited.is_set():
                    out.reason = msg(Code.REFUSED_SERVER_EXITED, code=self.process_end.exit_code)
                    raise StepFailed from None
                if loop.time() - scanned_at > WRONG_PORT_SCAN:
                    scanned_at = loop.time()
                    elsewhere = self._listening_elsewhere()
                    if elsewhere:  # known now: waiting longer cannot change it
                        out.reason = msg(
                            Code.LISTENS_ON_WRONG_PORT, expected=self.outcome.port, listening=elsewhere
                        )
                        raise StepFailed from None
                # Back off (1 ms doubling to 4 ms), woken early if the server exits. A refused
                # connect on loopback costs microseconds; a longer step would only add latency
                # to every server scenario (a server is ready ~30 ms after it starts).
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self.exited.wait()
                delay = min(delay * 2, 0.004)
            except BaseException:
                close_socket(sock)
                raise
        out.reason = None
        self._open(name, sock)
        self.dialled[name] = target
        if self.ctx.mode == "host":
            # Host network: the port may be answered by a program that is not this run's
            # (the student's old server still running in another terminal).
            taken = hostports.taken_by_other(self.outcome.port, self._identity())
            if taken is not None:
                self.port_taken = taken
                out.reason = taken.reason()
                raise StepFailed

    def _listening_elsewhere(self) -> list[int]:
        """Ports the student listens on while not on the scenario's (namespace mode: only its
        own sockets are visible there); empty when it listens on the right one too."""
        proc = self.sandbox.process
        if self.ctx.mode != "namespace" or proc is None or self.exited.is_set():
            return []
        ports = listening_ports(proc.pid)
        return [] if self.outcome.port in ports else sorted(ports)

    async def _wait_listening(self, step: WaitListening, out: StepOutcome, copy: int | None) -> None:
        if await self._listener_in_table(out) is not None:
            return
        proc = self.sandbox.process
        assert proc is not None
        delay = 0.001
        while self.outcome.port not in listening_ports(proc.pid):
            if self.exited.is_set():
                out.reason = msg(Code.EXITED_BEFORE_LISTENING, code=self.process_end.exit_code)
                raise StepFailed
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self.exited.wait()
            delay = min(delay * 2, 0.005)  # each look is one small read of /proc

    async def _send(self, step: Send, out: StepOutcome, copy: int | None) -> None:
        conn = self._conn(step, out, copy)
        if step.text is not None:
            text = _fill(step.text, self.outcome.host, self.outcome.port, copy)
            step = step.model_copy(update={"text": text})
        # Generating megabytes takes a while: not on the event loop other scenarios share.
        data = await asyncio.to_thread(step.render) if step.generate else step.render(self.encoding_used)
        out.expected = data
        pieces = _split(data, step.chunks)
        for n, piece in enumerate(pieces):
            if n and step.delay:
                await asyncio.sleep(step.delay)  # the spec asks for the pause
            try:
                await conn.send(piece)
            except (BrokenPipeError, ConnectionResetError) as exc:
                out.reason = self._with_listener_gone(msg(Code.STUDENT_CLOSED_DURING_SEND))
                raise StepFailed from exc

    def _with_listener_gone(self, reason: Message) -> Message:
        """Add that a server no longer listens, read from the socket table when its peer
        connection was cut.

        A server that closes its listener (it is exiting: one client, then done) resets the
        connections still queued for ``accept``; by the time the reset arrives the listener is
        already gone, so this fact does not depend on how busy the machine is, while whether
        the process has finished exiting yet does.
        """
        if self.spec.role != "server" or self.sandbox.process is None:
            return reason
        if not self.exited.is_set():
            table = self._student_listening()
            if table is None or any(self.any_port or entry.port == self.outcome.port for entry in table):
                return reason
        return facts(reason, msg(Code.STOPPED_LISTENING, port=self.outcome.port))

    async def _expect(self, step: Expect, out: StepOutcome, copy: int | None) -> None:
        conn = self._conn(step, out, copy)
        if copy is not None:
            step = _with_copy(step, copy)
        encoding = choose(step.encoding, self.encoding_used)
        out.expected = (
            step.exact_bytes(encoding) if step.line is None else (step.line + "\n").encode(encoding)
        )
        out.pattern = step.regex
        while True:
            result = match_expect(step, bytes(conn.buffer), conn.eof)
            if result.verdict == "match":
                out.observed = conn.take(result.consumed)
                if result.encoding is not None:  # show the text as the program's encoding has it
                    self._note_encoding(out, result.encoding)
                    line = step.line
                    out.expected = (
                        step.exact_bytes(result.encoding)
                        if line is None
                        else f"{line}\n".encode(result.encoding)
                    )
                return
            if result.verdict == "mismatch":
                out.observed = conn.take(result.consumed)
                assert result.reason is not None
                out.reason = msg(result.reason)
                if conn.reset:
                    out.reason = self._with_listener_gone(facts(out.reason, msg(Code.CONNECTION_RESET)))
                raise StepFailed
            await conn.changed()

    def _note_encoding(self, out: StepOutcome, encoding: str | None) -> None:
        if encoding is not None:
            out.encoding = encoding
            self.encoding_used = encoding

    async def _request(self, step: Request, out: StepOutcome, copy: int | None) -> None:
        conn = self._conn(step, out, copy)
        if self.spec.role == "client":
            await self._student_request(step, out, conn)
            return
        host, port = self.dialled.get(conn.name, (self.outcome.host, self.outcome.port))
        data = http_steps.request_bytes(step, f"{host}:{port}")
        out.expected = data
        self.last_request[conn.name] = (step.method, data)
        try:
            await conn.send(data)
        except (BrokenPipeError, ConnectionResetError) as exc:
            out.reason = self._with_listener_gone(msg(Code.STUDENT_CLOSED_DURING_SEND))
            raise StepFailed from exc

    async def _student_request(self, step: Request, out: StepOutcome, conn: PeerConnection) -> None:
        """A student's client sends a request: read it whole, then check it."""
        while True:
            message = http_steps.read_message(bytes(conn.buffer), conn.eof, is_response=False)
            if message is not None:
                break
            await conn.changed()
        out.observed = conn.take(message.consumed)
        out.http = http_steps.HttpExchange(request=out.observed)
        out.reason = http_steps.judge_request(step, message)
        if out.reason is not None:
            raise StepFailed

    async def _response(self, step: Response, out: StepOutcome, copy: int | None) -> None:
        conn = self._conn(step, out, copy)
        if self.spec.role == "client":
            data = http_steps.response_bytes(step, self.spec.fixtures)
            out.expected = data
            await conn.send(data)
            return
        method, request = self.last_request.get(conn.name, ("GET", None))
        while True:
            message = http_steps.read_response(bytes(conn.buffer), conn.eof, method)
            if message is not None and (step.framing != "close" or conn.eof):
                break
            await conn.changed()
        raw = conn.take(message.consumed)
        fixture_name = step.body.file if step.body is not None else None
        fixture = self.spec.fixtures.get(fixture_name) if fixture_name else None
        out.http = http_steps.exchange(request, message, fixture_name)
        out.http.response_head = raw[: message.head_size]
        if fixture is not None:
            out.http.fixture_body = fixture[: http_steps.HTTP_BODY_KEPT]
        used = http_steps.body_encoding(step.body, message.body) if step.body is not None else None
        shown_text = step.body.text or step.body.regex if step.body is not None else None
        if step.body is not None and shown_text and distinguishes(step.body.encoding, shown_text):
            self._note_encoding(out, used)
        if step.body is not None and step.body.regex is None and step.body.length is None:
            out.expected = (
                fixture
                if fixture is not None
                else (step.body.text or "").encode(used or choose(step.body.encoding))
            )
        out.observed = message.body
        out.reason = http_steps.judge_response(step, message, conn.eof, fixture)
        if out.reason is not None:
            if conn.reset:  # a one-browser server's exit resets the browser queued after
                out.reason = self._with_listener_gone(out.reason)
            raise StepFailed

    async def _server_address(self, out: StepOutcome) -> tuple[tuple[str, int], socket.AddressFamily]:
        """Where a reference client reaches the student's server, and the address family."""
        family = socket.AF_INET6 if ":" in self.outcome.host else socket.AF_INET
        target = (self.outcome.host, self.outcome.port)
        entry = await self._listener_in_table(out)
        if entry is not None and (self.any_host or self.any_port):
            target, family = (entry.connect_to, entry.port), entry.family
            self.outcome.address_used = f"{entry.address}:{entry.port}"
        return target, family

    async def _browser(self, step: BrowserVisit, out: StepOutcome, copy: int | None) -> None:
        """Chromium opens the page; each request it makes goes to the student over this run's
        network, recorded like any connection (:mod:`grader.browser_client`)."""
        loop = asyncio.get_running_loop()
        target, family = await self._server_address(out)
        step_time = self.spec.timeouts.step if step.timeout is None else step.timeout
        exchanges: list[HttpExchange] = []
        sent_types: list[str] = []

        async def fetch(raw: bytes) -> tuple[int, list[tuple[str, str]], bytes] | None:
            sock = self.sandbox.socket(family)
            try:
                await loop.sock_connect(sock, target)
            except OSError:
                close_socket(sock)
                return None
            conn = self._open(f"browser-{len(exchanges) + 1}", sock)
            method = raw.split(b" ", 1)[0].decode("latin-1")
            await conn.send(raw)
            while (message := http_steps.read_response(bytes(conn.buffer), conn.eof, method)) is None:
                await conn.changed()
            received = conn.take(message.consumed)
            conn.close()
            seen = http_steps.exchange(raw, message)
            seen.response_head = received[: message.head_size]
            exchanges.append(seen)
            sent_types.append(message.header("Content-Type") or "-")
            return (message.status or 0, message.headers, message.body) if message.status else None

        def fetch_for_browser(raw: bytes) -> tuple[int, list[tuple[str, str]], bytes] | None:
            running = asyncio.run_coroutine_threadsafe(asyncio.wait_for(fetch(raw), step_time), loop)
            try:
                return running.result()
            except Exception:  # no answer in time, or the student reset the connection
                return None

        seen = await browser_client.open_page(step.path, step.selector, fetch_for_browser, step_time)
        out.http = exchanges[0] if exchanges else None
        sent_type = sent_types[0] if sent_types else "-"
        out.observed = (seen.text or "").encode()[:4096] if seen.text is not None else None
        out.expected = step.text.encode() if step.text is not None else None
        out.reason = browser_client.judge_page(step, seen, sent_type)
        if out.reason is not None:
            raise StepFailed

    async def _expect_eof(self, step: ExpectEof, out: StepOutcome, copy: int | None) -> None:
        conn = self._conn(step, out, copy)
        while not conn.eof:
            await conn.changed()
        out.observed = conn.take(len(conn.buffer))
        out.reason = msg(Code.CLOSED_RST if conn.reset else Code.CLOSED_FIN)
        if out.observed:
            out.reason = msg(Code.EXTRA_BYTES)
            raise StepFailed

    async def _shutdown(self, step: object, out: StepOutcome, copy: int | None) -> None:
        self._conn(step, out, copy).shutdown_write()

    async def _close(self, step: object, out: StepOutcome, copy: int | None) -> None:
        self._conn(step, out, copy).close()

    async def _reset(self, step: object, out: StepOutcome, copy: int | None) -> None:
        self._conn(step, out, copy).close(reset=True)

    async def _pause(self, step: Pause, out: StepOutcome, copy: int | None) -> None:
        await asyncio.sleep(step.seconds)  # the spec asks for the pause

    async def _parallel(self, step: Parallel, out: StepOutcome, copy: int | None) -> None:
        outcomes = [
            [StepOutcome(index=j, action=s.action) for j, s in enumerate(step.steps)]
            for _ in range(step.copies)
        ]

        async def one_copy(i: int) -> None:
            for sub, sub_out in zip(step.steps, outcomes[i], strict=True):
                await self._run_step(sub, sub_out, copy=i)
                if sub_out.status != "ok":
                    return

        async with asyncio.TaskGroup() as group:
            for i in range(step.copies):
                group.create_task(one_copy(i))
        for i, copy_outcomes in enumerate(outcomes):
            failing = next((o for o in copy_outcomes if o.status not in ("ok", "not_reached")), None)
            summary = (failing or copy_outcomes[-1]).model_copy(update={"index": i})
            out.children.append(summary)
        if any(c.status != "ok" for c in out.children):
            raise StepFailed

    # -- terminal steps -------------------------------------------------------

    async def _wait_for_output(
        self, out: StepOutcome, *, text: str | None = None, regex: str | None = None, line: str | None = None
    ) -> tuple[int, int]:
        assert self.stdout is not None
        while True:
            found = find_output(bytes(self.stdout.data), self.cursor, text=text, regex=regex, line=line)
            if found is not None:
                return found
            if self.stdout.eof:
                out.observed = bytes(self.stdout.data[self.cursor :])
                # The end of stdout usually means the program is ending: let its exit arrive.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(1.0):
                        await self.exited.wait()
                out.reason = (
                    msg(Code.ENDED_WITHOUT_PRINTING, how=exit_reason(self.process_end))
                    if self.exited.is_set()
                    else msg(Code.OUTPUT_CLOSED_WITHOUT_PRINTING)
                )
                raise StepFailed
            await self.stdout.wait_change()

    async def _prompt(self, step: Prompt, out: StepOutcome, copy: int | None) -> None:
        out.expected = step.text.encode() if step.text is not None else None
        out.pattern = step.regex
        begin, end = await self._wait_for_output(out, text=step.text, regex=step.regex)
        out.observed = bytes(self.stdout.data[begin:end]) if self.stdout else None
        self.outcome.prompt_spans.append((begin, end))
        self.cursor = end

    async def _output(self, step: Output, out: StepOutcome, copy: int | None) -> None:
        out.expected = (step.text or step.line or "").encode() if step.regex is None else None
        out.pattern = step.regex
        if step.stream != "stdout":
            await self._output_at_end(step, out)
            return
        _, end = await self._wait_for_output(out, text=step.text, regex=step.regex, line=step.line)
        assert self.stdout is not None
        out.observed = bytes(self.stdout.data[self.cursor : end])
        self.cursor = end

    async def _output_at_end(self, step: Output, out: StepOutcome) -> None:
        """Output on stderr (or either stream), looked for in all the program wrote."""
        await self._await_exit(out)
        assert self.stdout is not None and self.stderr is not None
        self.stdout.drain()
        self.stderr.drain()
        streams = [bytes(self.stderr.data)]
        if step.stream == "either":
            streams.insert(0, bytes(self.stdout.data[self.cursor :]))
        for data in streams:
            found = find_output(data, 0, text=step.text, regex=step.regex, line=step.line)
            if found is not None:
                out.observed = data[found[0] : found[1]]
                return
        out.observed = b"\n".join(d for d in streams if d)[-4000:]
        out.reason = msg(Code.MISSING_TEXT)
        raise StepFailed

    async def _type(self, step: Type, out: StepOutcome, copy: int | None) -> None:
        assert self.stdin is not None
        data = (step.text + ("\n" if step.newline else "")).encode("utf-8")
        out.expected = data
        await self._until_typed_taken()
        if self.stdin.closed or self.exited.is_set():
            out.reason = msg(Code.ALREADY_ENDED, how=exit_reason(self.process_end))
            raise StepFailed
        try:
            await self.stdin.write(data)
        except BrokenPipeError as exc:
            out.reason = msg(Code.STOPPED_READING_INPUT)
            raise StepFailed from exc

    async def _until_typed_taken(self) -> None:
        """Type one line at a time, as a person does: after the program has read the last one.

        Two ``type`` steps in a row otherwise reach the program in one read or in two as the
        scheduler decides, and a program that reads them differently (``readline`` in a
        ``select`` loop) would pass or fail by chance. So the next line waits until the pipe
        is empty, unless the program is busy elsewhere: every thread sleeping (none running
        or ready, none in disk wait) with bytes unread means it waits on something else
        (a reading thread would have been woken by the bytes), and then the line is typed
        ahead, as a person would. A ``type`` whose text holds several lines is a paste: it
        arrives in one write.
        """
        assert self.stdin is not None
        delay = 0.001
        while self.stdin.unread() and not self.exited.is_set() and self._student_working():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self.exited.wait()
            delay = min(delay * 2, 0.005)  # each look is a few small reads of /proc

    def _student_working(self) -> bool:
        """Whether a thread of the program is running, ready to run, or in disk wait."""
        for pid in self._student_pids():
            with contextlib.suppress(OSError):
                for tid in os.listdir(f"/proc/{pid}/task"):
                    with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{tid}/stat", "rb") as f:
                        if f.read().rsplit(b")", 1)[1].split()[0] in (b"R", b"D"):
                            return True
        return False

    async def _close_stdin(self, step: CloseStdin, out: StepOutcome, copy: int | None) -> None:
        assert self.stdin is not None
        self.stdin.close()

    async def _await_exit(self, out: StepOutcome, close_stdin: bool = True) -> None:
        # A program still blocked on input() gets EOF instead of hanging until the deadline.
        if close_stdin and self.stdin is not None:
            self.stdin.close()
        try:
            await self.exited.wait()
        except asyncio.CancelledError:
            out.reason = msg(Code.STILL_RUNNING)
            raise

    async def _exit(self, step: Exit, out: StepOutcome, copy: int | None) -> None:
        await self._await_exit(out, close_stdin=not step.stdin_open)
        code = self.process_end.exit_code
        out.reason = exit_reason(self.process_end)
        ok = step.code == "any" or (step.code == "nonzero" and code not in (0, None)) or code == step.code
        if not ok:
            raise StepFailed

    async def _stderr(self, step: Stderr, out: StepOutcome, copy: int | None) -> None:
        await self._await_exit(out)
        assert self.stderr is not None
        self.stderr.drain()
        err = bytes(self.stderr.data)
        out.observed = err[-4000:]
        if step.no_traceback and b"Traceback (most recent call last)" in err:
            out.reason = msg(Code.TRACEBACK_ON_STDERR)
            raise StepFailed
        if step.contains is not None:
            out.expected = step.contains.encode()
            if step.contains.encode() not in err:
                out.reason = msg(Code.MISSING_TEXT)
                raise StepFailed

    def _read_scratch_file(self, relative: str) -> bytes | FileProblem:
        """A file the student left, read without following, blocking on or trusting it."""
        assert self.scratch is not None
        try:
            folder = os.dup(self._scratch_fd) if self._scratch_fd is not None else open_folder(self.scratch)
        except OSError:
            return FileProblem("missing", relative)
        try:
            return read_student_file(folder, relative, MAX_FILE_CHECK)
        finally:
            os.close(folder)

    async def _file(self, step: FileCheck, out: StepOutcome, copy: int | None) -> None:
        await self._await_exit(out)
        assert self.scratch is not None
        found = self._read_scratch_file(step.path)
        problem = found if isinstance(found, FileProblem) else None
        data = found if isinstance(found, bytes) else None
        self.outcome.files[step.path] = data
        expected = await asyncio.to_thread(step.expected_bytes) if step.generate else step.expected_bytes()
        out.expected = expected
        out.observed = data[:4096] if data is not None else None
        if step.absent:
            if problem is None or problem.code != "missing":
                out.reason = msg(Code.FILE_EXISTS)
                raise StepFailed
            return
        if problem is not None or data is None:
            out.reason = problem.reason() if problem is not None else msg(Code.FILE_MISSING)
            raise StepFailed
        if data != expected:
            out.reason = msg(Code.FILE_DIFFERS, got=len(data), want=len(expected or b""))
            raise StepFailed


CLIP = 4096
"""Bytes of a step's expected/observed payloads kept in the outcome (around the difference)."""


def _clip(out: StepOutcome) -> None:
    """Record where expected and observed differ, then keep only a window around it."""
    if out.expected is not None and out.observed is not None:
        out.first_difference = first_difference(out.expected, out.observed)
    big = max(len(out.expected or b""), len(out.observed or b""))
    if big <= CLIP:
        return
    start = max(0, (out.first_difference or 0) - CLIP // 4)
    out.window_start = start
    if out.expected is not None:
        out.expected_size = len(out.expected)
        out.expected = out.expected[start : start + CLIP]
    if out.observed is not None:
        out.observed_size = len(out.observed)
        out.observed = out.observed[start : start + CLIP]


def _with_copy(step: Expect, copy: int) -> Expect:
    updates = {
        k: getattr(step, k).replace("{i}", str(copy))
        for k in ("text", "line", "regex")
        if getattr(step, k) is not None
    }
    return step.model_copy(update=updates) if updates else step


def _split(data: bytes, chunks: int | list[int] | None) -> list[bytes]:
    if not chunks or not data:
        return [data]
    if isinstance(chunks, int):
        size = max(1, -(-len(data) // chunks))
        return [data[i : i + size] for i in range(0, len(data), size)]
    pieces, pos = [], 0
    for size in chunks:
        if pos >= len(data):
            break
        pieces.append(data[pos : pos + size])
        pos += size
    if pos < len(data):
        pieces.append(data[pos:])
    return pieces


def note_busy(out: StepOutcome, deadline: LoadAwareTimeout) -> None:
    """A timeout that came after time was given back for load says so, with how much."""
    if deadline.busy:
        if deadline.granted:
            busy = msg(Code.BUSY_MACHINE, waited=round(deadline.granted, 2))
        else:
            busy = msg(Code.BUSY_MACHINE_NOT_EXTENDED, waited=round(deadline.lagged, 2))
        if out.reason is None:
            out.reason = busy
        elif out.reason.code is Code.FACTS:  # one flat list: readers look one level deep
            out.reason = facts(*out.reason.args["facts"], busy)  # type: ignore[misc]
        else:
            out.reason = facts(out.reason, busy)


def exit_reason(end: ProcessEnd) -> Message:
    """How the program ended, as a fact."""
    if end.killed_by_grader:
        return msg(Code.STOPPED_BY_GRADER, why=msg(end.killed_by_grader))
    if end.signal:
        return msg(Code.KILLED_BY_SIGNAL, sig=end.signal)
    if end.exit_code is None:
        return msg(Code.STILL_RUNNING)
    return msg(Code.EXIT_CODE, code=end.exit_code)


def _os_error_reason(exc: BaseException) -> Message:
    if isinstance(exc, ConnectionResetError):
        return msg(Code.RESET_BY_STUDENT)
    if isinstance(exc, BrokenPipeError):
        return msg(Code.STUDENT_HAD_CLOSED)
    return msg(Code.OS_ERROR, error=f"{type(exc).__name__}: {exc}")


TCP_STATES = {
    "01": "ESTABLISHED",
    "04": "FIN_WAIT1",
    "05": "FIN_WAIT2",
    "06": "TIME_WAIT",
    "08": "CLOSE_WAIT",
    "09": "LAST_ACK",
    "0A": "LISTEN",
    "0B": "CLOSING",
}


def _port_held(ctx: RunContext) -> list[str]:
    """Host mode, student server on a fixed port: states of sockets already on that port.

    Such sockets (a TIME_WAIT left by an earlier run, another program) make the student's
    ``bind()`` fail without ``SO_REUSEADDR`` through no fault of the student's.
    """
    port = ctx.assignment.network.port
    if ctx.mode != "host" or ctx.assignment.role != "server" or port is None:
        return []
    return [TCP_STATES.get(state, state) for local, state in tcp_sockets() if local == port]


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def start_off_loop(run: ScenarioRun) -> tuple[int, int, int, int]:
    """:meth:`ScenarioRun.start` on a thread of its own; the loop serves other scenarios meanwhile.

    A thread per start, not a pool: a resident process forks only while it runs no thread.
    If the scenario is cancelled while its program is being started, the start is still
    waited for, so that ``finish`` finds (and ends) the process it made.
    """
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    box: list[tuple[int, int, int, int] | BaseException] = []

    def start() -> None:
        try:
            box.append(run.start())
        except BaseException as exc:  # handed to the loop's thread
            box.append(exc)
        loop.call_soon_threadsafe(_settle, done)

    thread = threading.Thread(target=start, name="grader-starter")
    thread.start()
    try:
        await asyncio.shield(done)
    except asyncio.CancelledError:
        thread.join()  # a start takes milliseconds: wait, then let finish() end what it made
        if box and not isinstance(box[0], BaseException):
            run.attach(*box[0])
        raise
    thread.join()  # it has nothing left to do; joined, it is gone before the next fork
    if isinstance(box[0], BaseException):
        raise box[0]
    return box[0]


def _port_taken_before(ctx: RunContext) -> hostports.PortTaken | None:
    """Host mode, student server on a fixed port: a program already listening there.

    The grader would talk to it instead of the student's program (and score it): the run is
    not graded, and the message names the program to stop.
    """
    port = ctx.assignment.network.port
    if ctx.mode != "host" or ctx.assignment.role != "server" or not isinstance(port, int):
        return None  # ``port: any`` is never graded on the host network
    return hostports.taken_by_other(port)


async def run_scenario(
    ctx: RunContext, scenario: Scenario, runner: type[ScenarioRun] | None = None
) -> Outcome:
    """Run one scenario to its end and return the facts; never raises for student behaviour.

    ``runner``: the scenario runner, where not the Linux one (:class:`grader.portable.PortableRun`).
    """
    run = (runner or ScenarioRun)(ctx, scenario)
    started = time.monotonic()
    held = _port_held(ctx)
    taken = _port_taken_before(ctx)
    if taken is not None:
        run.outcome.grader_error = taken.reason()
        return run.outcome
    deadline = scenario.timeout or ctx.assignment.timeouts.scenario
    try:
        run.attach(*await start_off_loop(run))
        limit = LoadAwareTimeout(deadline, run.meter)
        try:
            async with limit:
                await run.run_steps()
        except TimeoutError:
            current = next((s for s in run.outcome.steps if s.started is not None and s.ended is None), None)
            if current is not None:
                current.status = "timeout"
                current.reason = msg(Code.SCENARIO_TIME_LIMIT, secs=f"{deadline:g}")
                current.ended = run.clock()
                note_busy(current, limit)
    except GraderProblem as exc:
        run.outcome.grader_error = exc.reason
    except run.sandbox_errors as exc:
        run.outcome.grader_error = msg(Code.SANDBOX_FAILED, error=str(exc))
    except Exception as exc:  # a bug in the grader: say so, never blame the student
        run.outcome.grader_error = msg(Code.INTERNAL_ERROR, error=f"{type(exc).__name__}: {exc}")
    finally:
        await run.finish()
        run.outcome.duration = round(time.monotonic() - started, 4)
    if run.port_taken is not None and not run.outcome.grader_error:
        run.outcome.grader_error = run.port_taken.reason()
    if held and not run.outcome.grader_error and run.outcome.bind_failed:
        run.outcome.grader_error = msg(
            Code.PORT_HELD, port=ctx.assignment.network.port, states=", ".join(sorted(set(held)))
        )
    return run.outcome
