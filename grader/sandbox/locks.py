"""Lock files only the grader's own user can see or hold: 0600 files in a 0700 folder.

Grading processes of one user (a ``grader check`` beside a batch's workers) agree through
these locks on who may use a fixed port of the host network, and on which student uid is in
use. A lock file another local user could open (the 0666 files in ``/tmp`` of before) would
let anyone on the machine hold a port's lock and stall every grader.
"""

from __future__ import annotations

import fcntl
import os
import stat
import tempfile
import threading
from pathlib import Path

_lock = threading.Lock()
_folder: Path | None = None


def private_folder() -> Path:
    """``$TMPDIR/socket-grader-<uid>``: made 0700 if absent; never one another user owns.

    If someone else made a folder of that name first (to hold our locks), a fresh private
    folder is used instead: this process's locks then do not meet other graders', which costs
    at most a port collision, never a lock held by a stranger.
    """
    global _folder
    with _lock:
        if _folder is not None and _owned_private(_folder):
            return _folder
        folder = Path(tempfile.gettempdir()) / f"socket-grader-{os.geteuid()}"
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            pass
        except OSError:
            folder = Path(tempfile.mkdtemp(prefix=f"socket-grader-{os.geteuid()}-"))
        if not _owned_private(folder):
            if _owned(folder):
                os.chmod(folder, 0o700)
            else:
                folder = Path(tempfile.mkdtemp(prefix=f"socket-grader-{os.geteuid()}-"))
        _folder = folder
        return folder


def _owned(folder: Path) -> bool:
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid()


def _owned_private(folder: Path) -> bool:
    return _owned(folder) and stat.S_IMODE(os.lstat(folder).st_mode) == 0o700


def open_lock(name: str) -> int:
    """A descriptor of the lock file ``name`` in :func:`private_folder` (made 0600, never a link)."""
    return os.open(private_folder() / name, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)


def try_lock(fd: int) -> bool:
    """Take the exclusive lock on ``fd`` if nobody holds it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
