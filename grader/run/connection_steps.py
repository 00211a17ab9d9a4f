"""The steps on a connection: accept, connect, send, expect, HTTP, the browser, parallel copies."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Awaitable

from grader.messages import Message, facts, msg
from grader.messages.codes import Code
from grader.outcome import StepOutcome
from grader.run.context import (
    WRONG_PORT_SCAN,
    StepFailed,
    _fill,
    _split,
    _with_copy,
)
from grader.run.peer import (
    PeerConnection,
    accept,
    close_socket,
    listening_ports,
    try_accept_now,
)
from grader.run.state import RunState
from grader.sandbox import hostports, netns_any
from grader.sandbox.listen_table import Listening, listening, owned_by
from grader.spec.matching import match_expect
from grader.spec.net_steps import (
    Accept,
    Close,
    Connect,
    Expect,
    ExpectEof,
    Reset,
    Send,
    Shutdown,
    WaitListening,
)
from grader.spec.steps import Parallel, Pause
from grader.text.encodings import choose


class ConnectionSteps(RunState):
    """Handlers of the network steps (a mixin of :class:`~grader.run.scenario.ScenarioRun`)."""

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

    async def _expect_eof(self, step: ExpectEof, out: StepOutcome, copy: int | None) -> None:
        conn = self._conn(step, out, copy)
        while not conn.eof:
            await conn.changed()
        out.observed = conn.take(len(conn.buffer))
        out.reason = msg(Code.CLOSED_RST if conn.reset else Code.CLOSED_FIN)
        if out.observed:
            out.reason = msg(Code.EXTRA_BYTES)
            raise StepFailed

    async def _shutdown(self, step: Shutdown, out: StepOutcome, copy: int | None) -> None:
        self._conn(step, out, copy).shutdown_write()

    async def _close(self, step: Close, out: StepOutcome, copy: int | None) -> None:
        self._conn(step, out, copy).close()

    async def _reset(self, step: Reset, out: StepOutcome, copy: int | None) -> None:
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
