"""The reference peer's connections: byte-exact, timestamped transcripts of both directions.

Each connection reads continuously from the moment it opens, so the transcript's times are
when bytes arrived (not when a step got round to looking) and a student's ``sendall`` never
stalls on a full window. Steps wait on an event that every read sets: no polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import struct
import time
from collections.abc import Callable, Iterator

from grader.outcome import ConnectionEnd, ConnectionRecord, Direction, WireEvent
from grader.sandbox.hostports import LISTEN, tcp_table

READ_SIZE = 65536
MAX_BUFFERED = 64 << 20
"""Stop reading a connection that has sent this much unread data (a flooding student)."""
TRANSCRIPT_CAP = 256 << 10
"""Bytes per connection and direction kept in the transcript; later chunks keep only sizes."""


class PeerConnection:
    def __init__(self, name: str, sock: socket.socket, clock: Callable[[], float], wire: list[WireEvent]):
        self.name = name
        self.sock = sock
        self.clock = clock
        self.wire = wire
        self.buffer = bytearray()
        self.eof = False
        self.reset = False
        self.record = ConnectionRecord(conn=name, opened_at=clock())
        self._recorded = {"to_student": 0, "from_student": 0}
        self._changed = asyncio.Event()
        self._reader = asyncio.get_running_loop().create_task(self._read_forever())

    async def _read_forever(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while len(self.buffer) < MAX_BUFFERED:
                data = await loop.sock_recv(self.sock, READ_SIZE)
                if not data:
                    self.eof = True
                    self.record.student_closed = "fin"
                    break
                self._record("from_student", data)
                self.buffer += data
                self._changed.set()
        except ConnectionResetError:
            self.eof = self.reset = True
            self.record.student_closed = "rst"
        except OSError as exc:
            self.eof = True
            self.record.student_closed = "rst" if exc.errno == errno.ECONNRESET else "fin"
        finally:
            if self.eof and self.record.closed_at is None:
                self.record.closed_at = self.clock()
            self._changed.set()

    async def changed(self) -> None:
        """Wait until new bytes arrive or the student closes."""
        self._changed.clear()
        if self.eof or self._reader.done():
            return
        await self._changed.wait()

    def take(self, n: int) -> bytes:
        data = bytes(self.buffer[:n])
        del self.buffer[:n]
        return data

    async def send(self, data: bytes) -> None:
        loop = asyncio.get_running_loop()
        await loop.sock_sendall(self.sock, data)
        self._record("to_student", data)

    def _record(self, direction: Direction, data: bytes) -> None:
        kept = self._recorded[direction]
        event = WireEvent(t=self.clock(), conn=self.name, direction=direction, data=data)
        if kept + len(data) > TRANSCRIPT_CAP:
            event = WireEvent(
                t=event.t,
                conn=self.name,
                direction=direction,
                data=data[: max(0, TRANSCRIPT_CAP - kept)],
                size=len(data),
            )
        self._recorded[direction] = kept + len(event.data)
        self.wire.append(event)

    def shutdown_write(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_WR)
        self.record.peer_closed = "fin"

    def _release(self) -> None:
        self._reader.cancel()
        close_socket(self.sock)

    def close(self, *, reset: bool = False) -> None:
        if reset:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._release()
        if self.record.peer_closed == "open":
            self.record.peer_closed = "rst" if reset else "fin"

    def finish(self, *, abort: bool = False) -> ConnectionRecord:
        """End of scenario: stop reading; whatever the student did not close stays ``open``.

        ``abort`` ends the connection with RST (``SO_LINGER`` 0): neither side keeps a
        TIME_WAIT entry, so the student's next run can bind its fixed port on the host
        network even without ``SO_REUSEADDR``.
        """
        if abort and self.sock.fileno() >= 0:
            with contextlib.suppress(OSError):
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._release()
        return self.record


def close_socket(sock: socket.socket) -> None:
    """Unregister a socket from the event loop *before* closing it.

    A new socket may get the same fd number at once, and a selector entry left behind by a
    cancelled ``sock_recv``/``sock_connect`` would then break it (ENOENT from epoll).
    """
    fd = sock.fileno()
    if fd >= 0:
        loop = asyncio.get_running_loop()
        loop.remove_reader(fd)
        loop.remove_writer(fd)
    sock.close()


async def accept(listener: socket.socket) -> socket.socket:
    loop = asyncio.get_running_loop()
    sock, _ = await loop.sock_accept(listener)
    sock.setblocking(False)
    return sock


def try_accept_now(listener: socket.socket) -> socket.socket | None:
    """A connection already queued on the listener, if any (the student may have exited)."""
    try:
        sock, _ = listener.accept()
    except (BlockingIOError, InterruptedError):
        return None
    sock.setblocking(False)
    return sock


def tcp_sockets(net: str = "/proc/net") -> Iterator[tuple[int, str]]:
    """(local port, state code) of every TCP socket in ``net``/tcp and tcp6.

    ``net`` is ``/proc/net`` (this network namespace) or ``/proc/<pid>/net`` (that process's).
    """
    return ((s.local_port, s.state) for s in tcp_table(net))


def listening_ports(pid: int) -> set[int]:
    """TCP ports in LISTEN state as seen from ``pid``'s network namespace (no connection made)."""
    return {port for port, state in tcp_sockets(f"/proc/{pid}/net") if state == LISTEN}


def now_clock() -> Callable[[], float]:
    start = time.monotonic()
    return lambda: round(time.monotonic() - start, 6)


def end_label(exc: BaseException) -> ConnectionEnd:
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, ConnectionResetError):
        return "rst"
    return "fin"
