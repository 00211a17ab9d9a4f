"""Starting a resident process: waiting until it listens (``grader daemon``, batches), and the
lock that lets only one start at a time for a socket (``grader check``, the resident process)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path


class ResidentUnavailable(Exception):
    """The resident process ended before it was ready; the message ends with its log."""


def launch_resident(args: list[str], log: Path, *, detach: bool, stdout: int) -> subprocess.Popen[bytes]:
    """``python -m grader.resident.server ARGS``, its errors appended to ``log``; not waited for.

    ``detach``: a session of its own, so that it outlives the terminal that started it.
    ``stdout``: where its one "ready" line goes.
    """
    with open(log, "ab") as errors:
        return subprocess.Popen(
            [sys.executable, "-m", "grader.resident.server", *args],
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=errors,
            cwd="/",
            start_new_session=detach,
        )


def start_resident(args: list[str], log: Path, *, detach: bool) -> subprocess.Popen[bytes]:
    """:func:`launch_resident`, returned once it listens.

    It writes "ready" on a pipe when its socket is in place, so this blocks on that line (or
    on the pipe's end, if it dies), never on a timer.
    """
    process = launch_resident(args, log, detach=detach, stdout=subprocess.PIPE)
    assert process.stdout is not None
    ready = process.stdout.readline()
    process.stdout.close()
    if not ready.startswith(b"ready"):
        code = process.wait()
        tail = log.read_text(errors="replace").strip().splitlines()[-5:] or ["(empty)"]
        raise ResidentUnavailable(f"exit code {code}; {log} ends with:\n  " + "\n  ".join(tail))
    return process


def lock_path(socket: Path) -> Path:
    """Held while a resident process starts: two never warm up for the same socket."""
    return socket.with_suffix(".lock")


@contextlib.contextmanager
def start_lock(socket: Path, *, wait: bool) -> Iterator[bool]:
    """Hold the start lock of ``socket``; yields False (without waiting) if another holds it."""
    fd = os.open(lock_path(socket), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing releases the lock
