"""What a grading process killed mid-run leaves behind, removed when the next one starts.

A grader ended by ``SIGKILL`` (a killed test run, the OOM killer, a batch worker stopped hard)
runs no clean-up. Its students die with it all the same: the first process of each run has
``PR_SET_PDEATHSIG`` = ``SIGKILL`` towards the thread that started it, which lives as long as
the run (:func:`grader.sandbox.start_confined`), and in a PID namespace that process takes every
other with it. What the kernel does not remove stays: the run's cgroups, its scratch folders,
and, where there was no PID namespace, a process that double-forked out of the run. Each names
the grading process that made it:

* cgroups ``<controller>/<the grader's cgroup>/grader-<pid>-<n>`` (:class:`grader.sandbox.Cgroup`);
* scratch folders ``$TMPDIR/grader-scratch-<pid>-*`` (:func:`grader.sandbox.scratch_parent`),
  whose path is in the environment of every process a run started (``TMPDIR``);
* as root, processes of a uid of the grader's range (:mod:`grader.uids`) that no run holds.

:func:`sweep` (once per grading process, beside its first scenarios) kills what is still inside
each of those whose owner is gone, then removes it. An owner is gone when no process has its pid,
or the process that has it now started after the thing was made (the pid was used again).
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import select
import signal
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from grader.locks import open_lock, try_lock
from grader.sandbox import own_cgroup_v1
from grader.scratch import remove_tree
from grader.uids import FIRST_STUDENT_UID, STUDENT_UIDS, uid_lock_name

CGROUP_NAME = re.compile(r"grader-(\d+)-\d+")
SCRATCH_NAME = re.compile(r"grader-scratch-(\d+)-")
CGROUP_CONTROLLERS = ("pids", "memory")
EXIT_WAIT = 2.0
"""Seconds to wait for the processes killed in one place to be gone before removing it."""


@dataclass
class Swept:
    """What one sweep removed (for tests and benchmarks)."""

    processes: int = 0
    cgroups: int = 0
    folders: int = 0


@functools.cache
def _boot_time() -> float:
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("btime "):
                return float(line.split()[1])
    return 0.0


def started_at(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch), or None if there is none."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return _boot_time() + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def owner_gone(pid: int, made: float) -> bool:
    """Whether the process that made something at ``made`` (epoch seconds) is no longer running."""
    if pid == os.getpid():
        return False
    began = started_at(pid)
    return began is None or began > made + 1.0  # 1 s: clock ticks and file times are coarse


def _made(path: Path) -> float | None:
    try:
        return path.stat().st_ctime
    except OSError:
        return None


def _wait_gone(pids: Iterable[int], deadline: float = EXIT_WAIT) -> None:
    """Until every one of ``pids`` has exited (or ``deadline`` seconds): on the kernel's word."""
    poller = select.poll()
    fds = []
    for pid in pids:
        try:
            fd = os.pidfd_open(pid)
        except OSError:
            continue  # gone already
        fds.append(fd)
        poller.register(fd, select.POLLIN)
    try:
        waiting = len(fds)
        end = time.monotonic() + deadline
        while waiting and time.monotonic() < end:
            ready = poller.poll(max(1, int((end - time.monotonic()) * 1000)))
            for fd, _ in ready:
                poller.unregister(fd)
            waiting -= len(ready)
    finally:
        for fd in fds:
            os.close(fd)


def _kill(pids: list[int]) -> int:
    killed = 0
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
            killed += 1
    _wait_gone(pids)
    return killed


def _cgroup_members(folder: Path) -> list[int]:
    try:
        return [int(p) for p in (folder / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


def _stale_cgroups(parents: Iterable[Path]) -> Iterator[Path]:
    for parent in parents:
        try:
            entries = list(os.scandir(parent))
        except OSError:
            continue
        for entry in entries:
            found = CGROUP_NAME.fullmatch(entry.name)
            if found and entry.is_dir(follow_symlinks=False):
                made = _made(Path(entry.path))
                if made is not None and owner_gone(int(found.group(1)), made):
                    yield Path(entry.path)


def _stale_scratch(folder: Path) -> list[Path]:
    stale: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return stale
    for entry in entries:
        found = SCRATCH_NAME.match(entry.name)
        if found and entry.is_dir(follow_symlinks=False):
            made = _made(Path(entry.path))
            if made is not None and owner_gone(int(found.group(1)), made):
                stale.append(Path(entry.path))
    return stale


def _processes() -> Iterator[tuple[int, int]]:
    """(pid, uid) of every process this one may see."""
    me = os.getpid()
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and int(entry.name) != me:
            with contextlib.suppress(OSError):
                yield int(entry.name), entry.stat().st_uid


def _started_in(folders: list[Path], processes: list[tuple[int, int]]) -> list[int]:
    """Processes whose environment names one of the scratch ``folders`` (a run's ``TMPDIR``)."""
    markers = [f"TMPDIR={folder}/".encode() for folder in folders]
    me, root = os.geteuid(), os.geteuid() == 0
    found = []
    for pid, uid in processes:
        if not root and uid != me:
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                environ = f.read()
        except OSError:
            continue
        if any(m in environ for m in markers):
            found.append(pid)
    return found


def _unleased_uid_processes(processes: list[tuple[int, int]]) -> list[int]:
    """Processes of a grader uid that no run holds: left by a grader that was killed."""
    by_uid: dict[int, list[int]] = {}
    for pid, uid in processes:
        if FIRST_STUDENT_UID <= uid < FIRST_STUDENT_UID + STUDENT_UIDS:
            by_uid.setdefault(uid, []).append(pid)
    orphans = []
    for uid, pids in by_uid.items():
        fd = open_lock(uid_lock_name(uid))
        try:
            if try_lock(fd):  # nobody leases it now: its processes belong to no run
                orphans += pids
        finally:
            os.close(fd)  # drops the lock again
    return orphans


def sweep(cgroup_parents: Iterable[Path], scratch_folder: Path | None = None) -> Swept:
    """Kill and remove what dead graders left: cgroups, scratch folders, orphaned processes.

    ``cgroup_parents`` are the folders this grader makes its run cgroups in (one per
    controller); ``scratch_folder`` is where scratch folders are made (``$TMPDIR``).
    Never raises: a leftover that cannot be removed now is tried again by the next grader.
    """
    swept = Swept()
    try:
        stale = list(_stale_cgroups(cgroup_parents))
        for folder in stale:  # the pids controller first: killing empties the others too
            swept.processes += _kill(_cgroup_members(folder))
        for folder in stale:
            with contextlib.suppress(OSError):
                folder.rmdir()
                swept.cgroups += 1
        folders = _stale_scratch(scratch_folder or Path(tempfile.gettempdir()))
        root = os.geteuid() == 0
        if folders or root:
            processes = list(_processes())
            orphans = _started_in(folders, processes) if folders else []
            if root:
                orphans += _unleased_uid_processes(processes)
            swept.processes += _kill(sorted(set(orphans)))
        for folder in folders:
            if remove_tree(folder):
                swept.folders += 1
    except Exception:  # a sweep must never stop a grading
        pass
    return swept


_once = threading.Lock()
_swept_by: int | None = None


def sweep_once() -> Swept | None:
    """:func:`sweep` where this grader makes its cgroups, once per process (None: done already).

    Per process, not per import: a forked batch worker or resident child is a grader of its own.
    """
    global _swept_by
    with _once:
        if _swept_by == os.getpid():
            return None
        _swept_by = os.getpid()
    parents = (
        [p for p in map(own_cgroup_v1, CGROUP_CONTROLLERS) if p is not None] if os.geteuid() == 0 else []
    )
    return sweep(parents)


__all__ = ["Swept", "owner_gone", "started_at", "sweep", "sweep_once"]
