"""Process helpers every part of the grader may use: the core owns them, leaves call them.

A worker (``python -m grader.task``) and a resident checker's forked child both ask the kernel
to signal them when their parent ends, so a killed driver never leaves students running.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
from collections.abc import Callable

PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int | None, signum: int = signal.SIGTERM) -> None:
    """``signum`` when the parent ends (a child then stops its students); exit if ``parent``
    (its pid, when known) has already ended before the kernel was asked to tell."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: nothing to ask
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signum)
    if parent is not None and os.getppid() != parent:
        raise SystemExit(3)


def kill_until_gone(members: Callable[[], list[int]]) -> None:
    """SIGKILL every process ``members()`` lists, and any it lists next (a fork may race us),
    until a listing shows none not yet killed.

    A killed process stays listed until it has exited: listing again and again until the
    list is empty spun for milliseconds a scenario. A process with SIGKILL pending cannot
    fork any more (the kernel refuses), so once a listing holds only killed ones, none can
    come; who forked before its SIGKILL shows in the listing after it.
    """
    killed: set[int] = {os.getpid()}  # a v1 cgroup lists the grader while its confining
    # thread is in it (a thread that Python has joined may not have left the kernel yet)
    for _ in range(100):
        pids = [pid for pid in members() if pid not in killed]
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        killed.update(pids)
