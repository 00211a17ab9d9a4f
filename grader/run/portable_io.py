"""The student's terminal in portable mode: plain pipes, read and written by threads.

Windows has no pseudo-terminal Python can open, and its event loops cannot watch a pipe, so
each stream gets a thread that blocks on it and hands every chunk to the event loop. What the
scenario code sees is the same as with :mod:`grader.run.terminal`: capped buffers with
timestamped events, an ``eof``, a ``changed`` event, non-blocking ``write`` for typing.

The student's Python runs unbuffered (``-u``) with UTF-8 streams, so its prints arrive at
once and in one encoding whatever the console's code page. On Windows its text streams still
turn each ``\\n`` into ``\\r\\n``: :class:`LineEnds` turns them back, so an ``output`` step
reads the same bytes on every system.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import locale
import sys
import threading
from collections.abc import Callable
from typing import IO

from grader.outcome import TerminalEvent
from grader.run.capture import CappedOutput

READ_SIZE = 65536


class LineEnds:
    """``\\r\\n`` -> ``\\n`` across chunk boundaries (a chunk may end between the two)."""

    def __init__(self) -> None:
        self.pending_cr = False

    def feed(self, chunk: bytes) -> bytes:
        if self.pending_cr:
            chunk = b"\r" + chunk
            self.pending_cr = False
        if chunk.endswith(b"\r"):
            chunk = chunk[:-1]
            self.pending_cr = True
        return chunk.replace(b"\r\n", b"\n")

    def flush(self) -> bytes:
        """A lone ``\\r`` held back at the very end is the program's own."""
        held, self.pending_cr = self.pending_cr, False
        return b"\r" if held else b""


def console_encoding() -> str:
    """The encoding the student's console shows text in (``cp936``, i.e. GBK, on Chinese Windows)."""
    if sys.platform == "win32":
        import ctypes

        page = ctypes.windll.kernel32.GetConsoleOutputCP()
        if page:
            return f"cp{page}"
    return locale.getpreferredencoding(False) or "utf-8"


def decode_terminal(data: bytes, code_page: str) -> str:
    """Terminal bytes as text: UTF-8 (what the student's Python writes here), else the
    console's code page (bytes a program or its children wrote past Python's text layer)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode(code_page, errors="replace")


def pipe_unread(fd: int) -> int:
    """Bytes waiting in the pipe ``fd``: ``PeekNamedPipe`` on Windows, ``FIONREAD`` elsewhere."""
    if sys.platform == "win32":
        import ctypes
        import msvcrt
        from ctypes import wintypes

        available = wintypes.DWORD()
        handle = msvcrt.get_osfhandle(fd)
        ok = ctypes.windll.kernel32.PeekNamedPipe(handle, None, 0, None, ctypes.byref(available), None)
        return int(available.value) if ok else 0
    import importlib
    import struct

    fcntl, termios = importlib.import_module("fcntl"), importlib.import_module("termios")
    return int(struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0])


class ThreadedCapture(CappedOutput):
    """One output pipe, read by a thread, kept up to ``cap`` bytes on the event loop."""

    def __init__(
        self,
        name: str,
        stream: IO[bytes],
        cap: int,
        clock: Callable[[], float],
        events: list[TerminalEvent],
        on_overflow: Callable[[], None],
        *,
        crlf_to_lf: bool = False,
    ):
        super().__init__(name, cap, clock, events, on_overflow)
        self._stream = stream
        self._line_ends = LineEnds() if crlf_to_lf else None
        self._loop = asyncio.get_running_loop()
        self.thread = threading.Thread(target=self._read_all, name=f"grader-{name}", daemon=True)
        self.thread.start()

    def _read_all(self) -> None:
        """On the reading thread: every chunk, then the end, each handed to the loop in order."""
        try:
            while chunk := self._stream.read(READ_SIZE):
                self._hand(self._got, chunk)
        except (OSError, ValueError):
            pass  # the pipe was closed under the reader: the end
        self._hand(self._ended)

    def _hand(self, callback: Callable[..., None], *args: bytes) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody reads any more
            self._loop.call_soon_threadsafe(callback, *args)

    def _got(self, chunk: bytes) -> None:
        if self._line_ends is not None:
            chunk = self._line_ends.feed(chunk)
        if chunk and not self.eof:
            self._keep(chunk)

    def _ended(self) -> None:
        if self._line_ends is not None and not self.eof:
            self._got(self._line_ends.flush())
        self.eof = True
        self.changed.set()

    def drain(self) -> None:
        """Nothing to do: the exit is reported only after both readers reached the end (or
        gave up waiting for a child that holds the pipe), and their chunks come first."""

    def close(self) -> None:
        self.eof = True
        with contextlib.suppress(OSError):
            self._stream.close()


class ThreadedStdin:
    """Typing into the program: each write on one thread of its own, in order, so a program
    that does not read blocks that thread, never the event loop."""

    def __init__(self, stream: IO[bytes], clock: Callable[[], float], events: list[TerminalEvent]):
        self._stream = stream
        self.clock = clock
        self.events = events
        self.closed = False
        self._writer = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="grader-stdin")

    def _write(self, data: bytes) -> None:
        try:
            self._stream.write(data)
            self._stream.flush()
        except (BrokenPipeError, OSError, ValueError) as exc:
            # Windows says EINVAL where POSIX says EPIPE: the program stopped reading
            raise BrokenPipeError(str(exc)) from exc

    async def write(self, data: bytes) -> None:
        self.events.append(TerminalEvent(t=self.clock(), stream="stdin", data=data))
        await asyncio.wrap_future(self._writer.submit(self._write, data))

    def unread(self) -> int:
        """Bytes typed that the program has not read yet; 0 where the OS cannot tell."""
        if self.closed:
            return 0
        try:
            return pipe_unread(self._stream.fileno())
        except (OSError, ValueError, ImportError, AttributeError):
            return 0

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True

        def close_stream() -> None:
            with contextlib.suppress(OSError, ValueError):
                self._stream.close()

        self._writer.submit(close_stream)  # after the lines still being written
        self._writer.shutdown(wait=False)
