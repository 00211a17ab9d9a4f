"""One scenario run's state: the student's process, its sandbox, the peer's connections, and its end."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import shutil
import socket
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, cast

from grader.messages import msg
from grader.messages.codes import Code
from grader.outcome import GraderProblem, Outcome, ProcessEnd, StepOutcome
from grader.run.any_name import NameAnswerer, open_answerer
from grader.run.context import (
    BROWSER_START_SECONDS,
    DISK_WATCH_INTERVAL,
    NAMESPACE_DEFAULT_PORT,
    RunContext,
    StopReason,
    _fill,
    _student_env,
)
from grader.run.deadline import ProgressMeter
from grader.run.peer import (
    PeerConnection,
    close_socket,
    now_clock,
)
from grader.run.time_wait import leave_time_wait
from grader.sandbox import hostports, netns_any, scratch
from grader.sandbox.scratch import folder_usage, remove_tree
from grader.spec.fixtures import place_fixtures
from grader.spec.models import Scenario
from grader.spec.steps import AnyStepModel

if TYPE_CHECKING:  # the Linux parts are imported where they run: portable mode has none
    from grader.run.portable_io import ThreadedCapture, ThreadedStdin
    from grader.run.terminal import StdinWriter, StreamCapture
    from grader.sandbox import mounts
    from grader.sandbox.box import Sandbox
    from grader.sandbox.portable_launch import PortableSandbox
    from grader.sandbox.uids import UidLease


class RunState:
    """The state of one running scenario (see ScenarioRun); owned by its run, never shared."""

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
        """Where the program runs (:class:`grader.run.portable.PortableRun` has its own)."""
        from grader.sandbox.box import Sandbox
        from grader.sandbox.errors import SandboxError

        self.sandbox_errors: tuple[type[Exception], ...] = (SandboxError,)
        return Sandbox(self.ctx.mode, self.spec.limits, self.ctx.student_uid)  # type: ignore[arg-type]

    def _student_pids(self) -> list[int]:
        proc = self.sandbox.process
        if proc is None or self.exited.is_set():
            return []
        listed = self.sandbox.cgroup.pids() if self.sandbox.cgroup is not None else []
        return listed or [proc.pid]

    def _choose_port(self) -> int:
        fixed = self.spec.network.port
        if isinstance(fixed, int):
            return fixed
        if self.ctx.mode == "namespace":
            return NAMESPACE_DEFAULT_PORT
        from grader.sandbox.box import free_port

        return 0 if self._peer_listens() else free_port(self.outcome.host)

    def _peer_listens(self) -> bool:
        return self.spec.role == "client" and self.scenario.server_running

    def _make_scratch(self) -> mounts.PrivateView | None:
        """The run's scratch folder; filled now, or by the starting thread over a private tmpfs."""
        from grader.sandbox import mounts
        from grader.sandbox.host import mount_support, scratch_parent

        scratch = Path(tempfile.mkdtemp(prefix="grader-run-", dir=self.ctx.scratch_root or scratch_parent()))
        self.scratch = scratch
        uid = self.sandbox.student_uid
        fill = functools.partial(self._fill_scratch, scratch, uid)
        support = mount_support()
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
        """As root: a uid no other running student has (see :mod:`grader.sandbox.uids`)."""
        if self.ctx.student_uid is None:
            return
        from grader.sandbox.confine import end_leftovers_of
        from grader.sandbox.uids import lease_uid

        self._uid = lease_uid()
        if self._uid is not None:
            end_leftovers_of(self._uid.uid)
            self.sandbox.student_uid = self._uid.uid

    def start(self) -> tuple[int, int, int, int]:
        """Synchronous: namespace, listener and process are set up with no ``await`` between.

        Runs on a starter thread (:func:`~grader.run.scenario.start_off_loop`), not on the event loop: on a
        busy machine a start takes tens of milliseconds, and the loop must meanwhile keep
        serving the steps of other scenarios, whose deadlines are running. Returns the
        grader's ends of stdin, stdout and stderr and the program's pid, for :meth:`attach`.
        """
        if self.ctx.mode == "host" and (self.any_host or self.any_port):
            raise GraderProblem(netns_any.HOST_MODE_REFUSAL)
        if self.ctx.mode == "host" and self.scenario.port_in_time_wait:
            raise GraderProblem(msg(Code.TIME_WAIT_NEEDS_NAMESPACE))
        from grader.run.terminal import open_terminal_fds

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
        from grader.run.terminal import StdinWriter, StreamCapture

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
        from grader.sandbox import mounts

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

    async def _run_step(self, step: AnyStepModel, out: StepOutcome, copy: int | None = None) -> None:
        """Run one step (a parallel step runs its copies' steps through this); see ScenarioRun."""
        raise NotImplementedError

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
