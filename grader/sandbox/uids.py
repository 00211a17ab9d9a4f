"""A distinct uid for each running student (as root), from a range the grader owns.

With one uid for every student ("nobody"), two students graded at the same time could
signal each other, read each other's ``/proc`` entries, and share the per-uid kernel objects
(the user keyring, RLIMIT_NPROC). Each run instead leases a uid no other run of this machine
holds right now: a lock file per uid (:mod:`grader.sandbox.locks`) says which are taken, across
every grading process of the grader's user. The uids need no ``/etc/passwd`` entry; files
the student writes are owned by the number alone, in its scratch folder, removed after.

What a uid keeps from one lease to the next (its user keyring) is cleared by the sandbox
before the next student starts (:func:`grader.sandbox.box.start_confined`).
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass

from grader.sandbox.locks import open_lock, try_lock

FIRST_STUDENT_UID = 2_000_000_000
"""The first uid of the grader's range: far above any real account, below the 32-bit limit."""
STUDENT_UIDS = 8192
"""How many uids the range holds: more runs at once than a machine can grade."""
_next = itertools.count()


@dataclass
class UidLease:
    """One uid, held until :meth:`release` (or the process's end, which drops its locks)."""

    uid: int
    _fd: int

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing drops the flock
            self._fd = -1


def lease_uid() -> UidLease | None:
    """A uid of the range that no running student holds; None if every one is taken."""
    start = os.getpid() * 61 + next(_next)  # forked workers start apart
    for offset in range(STUDENT_UIDS):
        slot = (start + offset) % STUDENT_UIDS
        fd = open_lock(f"uid-{slot}.lock")
        if try_lock(fd):
            return UidLease(FIRST_STUDENT_UID + slot, fd)
        os.close(fd)
    return None
