"""The student's terminal: stdout on a pty, stdin and stderr on their own pipes.

stdout is a pty so the program's prints are not held back by pipe buffering; stderr has its
own pipe so tracebacks never mix into the answer; stdin is a pipe so that "close stdin" is a
real EOF and nothing typed is echoed back as if the program had printed it. Both output
streams are drained continuously into capped buffers with timestamps, so a flood cannot
stall the grader and the report can show the conversation in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import os
import struct
import termios
from collections.abc import Callable

from grader.outcome import TerminalEvent
from grader.run.capture import CappedOutput

READ_SIZE = 65536


class StreamCapture(CappedOutput):
    """One output stream, read by the event loop as it arrives, kept up to ``cap`` bytes."""

    def __init__(
        self,
        name: str,
        fd: int,
        cap: int,
        clock: Callable[[], float],
        events: list[TerminalEvent],
        on_overflow: Callable[[], None],
    ):
        super().__init__(name, cap, clock, events, on_overflow)
        self.fd = fd
        os.set_blocking(fd, False)
        asyncio.get_running_loop().add_reader(fd, self._readable)

    def _readable(self) -> None:
        try:
            chunk = os.read(self.fd, READ_SIZE)
        except BlockingIOError:
            return
        except OSError as exc:
            if exc.errno != errno.EIO:  # EIO: the pty's other side is closed
                raise
            chunk = b""
        if not chunk:
            self._close()
            return
        self._keep(chunk)

    def _close(self) -> None:
        if not self.eof:
            self.eof = True
            asyncio.get_running_loop().remove_reader(self.fd)
            self.changed.set()

    def drain(self) -> None:
        """Read what is left without waiting (the process has ended)."""
        for _ in range(1024):
            if self.eof:
                return
            before = self.total
            self._readable()
            if self.total == before:
                return

    def close(self) -> None:
        self._close()
        with contextlib.suppress(OSError):
            os.close(self.fd)


def open_terminal_fds() -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """(stdin r/w, stdout master/slave, stderr r/w); the pty passes bytes through untouched."""
    master, slave = os.openpty()
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.OPOST  # no "\n" -> "\r\n": the bytes the program wrote, exactly
    attrs[3] &= ~(termios.ECHO | termios.ICANON)
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    stdin_r, stdin_w = os.pipe()
    stderr_r, stderr_w = os.pipe()
    return (stdin_r, stdin_w), (master, slave), (stderr_r, stderr_w)


class StdinWriter:
    """Typing into the program: non-blocking writes that never hang on a program not reading."""

    def __init__(self, fd: int, clock: Callable[[], float], events: list[TerminalEvent]):
        self.fd = fd
        self.clock = clock
        self.events = events
        self.closed = False
        os.set_blocking(fd, False)

    async def write(self, data: bytes) -> None:
        loop = asyncio.get_running_loop()
        view = memoryview(data)
        self.events.append(TerminalEvent(t=self.clock(), stream="stdin", data=data))
        while view:
            try:
                n = os.write(self.fd, view)
                view = view[n:]
            except BlockingIOError:
                ready = loop.create_future()
                loop.add_writer(self.fd, ready.set_result, None)
                try:
                    await ready
                finally:
                    loop.remove_writer(self.fd)

    def unread(self) -> int:
        """Bytes typed that the program has not read yet (0 once closed or unknown)."""
        if self.closed:
            return 0
        try:
            return struct.unpack("i", fcntl.ioctl(self.fd, termios.FIONREAD, b"\0\0\0\0"))[0]
        except OSError:
            return 0

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            with contextlib.suppress(OSError):
                os.close(self.fd)
