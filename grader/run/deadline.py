"""Deadlines that count the program's own chance to run, not only the clock on the wall.

On a busy machine (a class graded with many jobs, other work beside it) a program can sit in
the run queue for seconds: a correct server then answers after its step's deadline, and a
score would depend on the load. The kernel keeps, for every thread, how long it waited for a
processor while it was ready to run (``/proc/<pid>/task/<tid>/schedstat``, second field). A
deadline here is the step's time *plus* the time the program's threads (and the grader's own
event loop thread, which must be running to see the answer) were kept waiting since the step
began, up to the step's time again: a program that hangs is not runnable and gets nothing
more, one that was only starved gets the time it lost. When a deadline passes after such an
extension, :attr:`LoadAwareTimeout.granted` says how much was given, and the step says the
machine was busy.

Without ``schedstat`` (other systems, kernels without ``CONFIG_SCHED_INFO``) deadlines are
plain wall time. Portable mode (Windows, macOS) has no way to ask how long the program waited;
it measures what every system can see, how late the grader's own event loop ran
(:class:`LoopLag`), and only *says* so when a step times out: that lag also counts the
loop's work for other scenarios, and extending by it let a too-slow server pass on a busy
machine (a score that depended on the load).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from types import TracebackType

from grader.sandbox.kernelfiles import read_kernel_file

MIN_EXTENSION = 0.005
"""Waits shorter than this are noise, not load: the deadline passes."""
NOTE_LOAD = 0.05
"""A timeout after at least this share of its time given back for load says the machine was busy."""


def _delay_of_task(path: str) -> int | None:
    try:
        return int(read_kernel_file(path).split()[1])
    except (OSError, IndexError, ValueError):
        return None


def run_delays(pids: list[int]) -> dict[int, int]:
    """Nanoseconds each thread of ``pids`` has waited for a processor, by thread id."""
    found: dict[int, int] = {}
    for pid in pids:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            delay = _delay_of_task(f"/proc/{pid}/task/{tid}/schedstat")
            if delay is not None:
                found[int(tid)] = delay
    return found


class ProgressMeter:
    """How long the program's threads and the grader's loop thread waited to run, since a mark."""

    extends = True
    """Deadlines are extended by what it measures (else a timeout only says the machine was busy)."""

    def __init__(self, pids: Callable[[], list[int]]) -> None:
        self.pids = pids
        self.grader_tid = threading.get_native_id()
        """The thread whose event loop runs the scenario (the meter is made on it)."""

    def sample(self) -> dict[int, int]:
        delays = run_delays(self.pids())
        own = _delay_of_task(f"/proc/self/task/{self.grader_tid}/schedstat")
        if own is not None:
            delays[-1] = own  # the grader's thread, apart from the program's
        return delays

    def waited_since(self, mark: dict[int, int]) -> float:
        """Seconds of waiting for a processor since ``mark`` (threads born since count whole)."""
        now = self.sample()
        return sum(max(0, ns - mark.get(tid, 0)) for tid, ns in now.items()) / 1e9


class LoadAwareTimeout:
    """``async with LoadAwareTimeout(seconds, meter):`` like ``asyncio.timeout``, but extended
    by the time the program was kept from running (at most ``seconds`` more in all)."""

    def __init__(self, seconds: float, meter: ProgressMeter | None, cap: float | None = None) -> None:
        self.seconds = seconds
        self.meter = meter
        self.cap = seconds if cap is None else cap
        self.granted = 0.0
        """Seconds added to the deadline because the machine was busy."""
        self.lagged = 0.0
        """Seconds the grader was kept from running, where the meter extends nothing (portable)."""
        self._mark: dict[int, int] = {}
        self._timeout = asyncio.timeout(None)
        self._handle: asyncio.TimerHandle | None = None
        self._started = 0.0

    async def __aenter__(self) -> LoadAwareTimeout:
        loop = asyncio.get_running_loop()
        await self._timeout.__aenter__()
        self._started = loop.time()
        if self.meter is None:
            self._timeout.reschedule(self._started + self.seconds)
        else:
            self._mark = self.meter.sample()
            self._handle = loop.call_at(self._started + self.seconds, self._at_deadline)
        return self

    def _at_deadline(self) -> None:
        loop = asyncio.get_running_loop()
        assert self.meter is not None
        elapsed = loop.time() - self._started
        # Waiting cannot have been longer than the time that passed (threads wait side by side).
        waited = min(self.meter.waited_since(self._mark), elapsed)
        if not self.meter.extends:
            self.lagged = waited
            self._handle = None
            self._timeout.reschedule(loop.time())
            return
        more = min(waited - self.granted, self.cap - self.granted)
        if more >= MIN_EXTENSION:
            self.granted += more
            self._handle = loop.call_at(loop.time() + more, self._at_deadline)
        else:
            self._handle = None
            self._timeout.reschedule(loop.time())

    @property
    def busy(self) -> bool:
        """The deadline was extended for load (or, portable, the grader kept from running) by a
        share worth telling."""
        return max(self.granted, self.lagged) >= max(MIN_EXTENSION, NOTE_LOAD * self.seconds)

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        await self._timeout.__aexit__(kind, exc, tb)
        return None


LAG_TICK = 0.02
"""Seconds between the heartbeats :class:`LoopLag` times (a few hundred callbacks a second
across a batch: microseconds each)."""
LAG_NOISE = 0.001
"""Lateness of one heartbeat below this is the loop's ordinary jitter, not load."""


class LoopLag(ProgressMeter):
    """Portable: how late the grader's event loop ran a heartbeat, summed (the program's own
    waits are unknown here). It extends no deadline; a timeout after it says the machine was busy.

    The heartbeat starts with the first :meth:`sample` (a deadline's mark) and ends with
    :meth:`close`.
    """

    extends = False

    def __init__(self) -> None:
        super().__init__(list)
        self.lag_ns = 0
        self._expected = 0.0
        self._handle: asyncio.TimerHandle | None = None

    def sample(self) -> dict[int, int]:
        if self._handle is None:
            loop = asyncio.get_running_loop()
            self._expected = loop.time() + LAG_TICK
            self._handle = loop.call_at(self._expected, self._beat)
        return {-1: self.lag_ns}

    def _beat(self) -> None:
        loop = asyncio.get_running_loop()
        late = loop.time() - self._expected
        if late > LAG_NOISE:
            self.lag_ns += int(late * 1e9)
        self._expected = loop.time() + LAG_TICK
        self._handle = loop.call_at(self._expected, self._beat)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
