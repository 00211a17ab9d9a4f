"""What every way of reading the student's output shares: a buffer kept up to a cap, each
chunk timestamped into the terminal's events, an ``eof`` and a ``changed`` event to wait on.

The Linux terminal (:class:`grader.run.terminal.StreamCapture`, a pty read by the event loop) and
portable mode's (:class:`grader.run.portable_io.ThreadedCapture`, a pipe read by a thread) differ
only in how chunks arrive; both hand them to :meth:`CappedOutput._keep`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from grader.outcome import TerminalEvent


class CappedOutput:
    """One output stream's bytes, up to ``cap``; past it, ``on_overflow`` ends the run."""

    def __init__(
        self,
        name: str,
        cap: int,
        clock: Callable[[], float],
        events: list[TerminalEvent],
        on_overflow: Callable[[], None],
    ):
        self.name = name
        self.cap = cap
        self.clock = clock
        self.events = events
        self.on_overflow = on_overflow
        self.data = bytearray()
        self.total = 0
        self.eof = False
        self.changed = asyncio.Event()

    def _keep(self, chunk: bytes) -> None:
        """On the event loop: count the chunk, keep what fits, wake whoever waits."""
        self.total += len(chunk)
        room = self.cap - len(self.data)
        if room > 0:
            kept = chunk[:room]
            self.data += kept
            self.events.append(TerminalEvent(t=self.clock(), stream=self.name, data=kept))  # type: ignore[arg-type]
        if self.total > self.cap:
            self.on_overflow()
        self.changed.set()

    @property
    def truncated(self) -> bool:
        return self.total > self.cap

    async def wait_change(self) -> None:
        self.changed.clear()
        if not self.eof:
            await self.changed.wait()
