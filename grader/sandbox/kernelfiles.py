"""Reading the kernel's small files (``/proc``, cgroup folders) cheaply, many times a scenario.

A deadline samples every thread's ``schedstat`` and a run's cgroup lists its processes at
every step: hundreds of reads a submission. ``Path.read_text`` builds a path object, a
buffered reader and a text decoder for each (about 20 us); one ``os.open`` and ``os.read``
of a few bytes take a quarter of that.
"""

from __future__ import annotations

import os

CHUNK = 1 << 16


def read_kernel_file(path: str) -> bytes:
    """The whole file (kernel files say how long they are only by ending); OSError if gone."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        data = os.read(fd, CHUNK)
        if len(data) < CHUNK:
            return data
        parts = [data]
        while chunk := os.read(fd, CHUNK):
            parts.append(chunk)
        return b"".join(parts)
    finally:
        os.close(fd)


def pids_in(path: str) -> list[int]:
    """The pids listed in a cgroup's ``cgroup.procs``; [] if it is gone."""
    try:
        return [int(p) for p in read_kernel_file(path).split()]
    except (OSError, ValueError):
        return []
