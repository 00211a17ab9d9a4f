"""Process helpers every part of the grader may use: the core owns them, leaves call them.

A worker (``python -m grader.task``) and a resident checker's forked child both ask the kernel
to signal them when their parent ends, so a killed driver never leaves students running.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal

PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int | None, signum: int = signal.SIGTERM) -> None:
    """``signum`` when the parent ends (a child then stops its students); exit if ``parent``
    (its pid, when known) has already ended before the kernel was asked to tell."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: nothing to ask
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signum)
    if parent is not None and os.getppid() != parent:
        raise SystemExit(3)
