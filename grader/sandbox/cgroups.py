"""A cgroup for each run: v1 controllers beside v2 (:mod:`grader.sandbox.cgroup2`)."""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader.sandbox import cgroup2
from grader.sandbox.cgroup2 import Cgroup2, event_count
from grader.sandbox.errors import SandboxError
from grader.sandbox.kernelfiles import pids_in
from grader.sandbox.process import kill_until_gone
from grader.spec.models import Limits


def _own_cgroup_v1(controller: str) -> Path | None:
    root = Path("/sys/fs/cgroup") / controller
    if not (root / "tasks").exists():
        return None
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return root / path.lstrip("/")
    return None


STALE_CGROUP = re.compile(r"grader-(\d+)-\d+")
"""A run's v1 cgroup folder: ``grader-<grader's pid>-<number>`` (see :class:`Sandbox`)."""
STALE_AFTER = 600.0
"""Seconds a dead grader's folder is left alone (a grader in another PID namespace, sharing
this cgroup tree, looks dead from here: its folders are removed only once long unchanged)."""
_swept: set[Path] = set()
_swept_lock = threading.Lock()


def _sweep_once(*parents: Path | None) -> None:
    """Remove, once per process, the run cgroups that graders killed outright left behind.

    A grader that gets SIGKILL cannot remove its runs' folders; on a machine that grades all
    term they pile up (hundreds). A folder goes only if its grader's pid is gone and it has
    not changed for :data:`STALE_AFTER`; ``rmdir`` refuses one that still holds a process.
    """
    now = time.time()
    for parent in parents:
        with _swept_lock:
            if parent is None or parent in _swept:
                continue
            _swept.add(parent)
        with contextlib.suppress(OSError):
            for entry in os.scandir(parent):
                found = STALE_CGROUP.fullmatch(entry.name)
                if found is None or os.path.exists(f"/proc/{found[1]}"):
                    continue
                with contextlib.suppress(OSError):
                    if now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER:
                        os.rmdir(entry.path)


@dataclass
class Cgroup:
    """Per-run cgroup: process count and memory limits, and a reliable list of members."""

    dirs: list[Path] = field(default_factory=list)
    limits_processes = True
    """Always: a v1 run cgroup is made only where the pids controller is."""

    @classmethod
    def create(cls, limits: Limits, name: str) -> Cgroup | None:
        if os.geteuid() != 0:
            return None
        made: list[Path] = []
        try:
            pids_parent = _own_cgroup_v1("pids")
            mem_parent = _own_cgroup_v1("memory")
            if pids_parent is None:
                return None
            _sweep_once(pids_parent, mem_parent)
            pids = pids_parent / name
            pids.mkdir()
            made.append(pids)
            (pids / "pids.max").write_text(str(limits.processes))
            if mem_parent is not None:
                mem = mem_parent / name
                mem.mkdir()
                made.append(mem)
                (mem / "memory.limit_in_bytes").write_text(str(limits.memory_mb << 20))
                with contextlib.suppress(OSError):
                    (mem / "memory.memsw.limit_in_bytes").write_text(str(limits.memory_mb << 20))
            return cls(made)
        except OSError:
            cls(made).remove()
            return None

    def pids(self) -> list[int]:
        listed = pids_in(f"{self.dirs[0]}/cgroup.procs") if self.dirs else []
        # A starting thread still inside (ending, or failed to leave) lists the grader itself.
        return [pid for pid in listed if pid != os.getpid()]

    def limit_hit(self) -> str | None:
        """``memory`` or ``processes`` if the kernel enforced that limit during the run."""
        for d in self.dirs:
            with contextlib.suppress(OSError, ValueError):
                # v1 names; "oom_kill" counts processes the kernel killed for this cgroup.
                if event_count(d / "memory.oom_control", "oom_kill") > 0:
                    return "memory"
                if event_count(d / "pids.events", "max") > 0:
                    return "processes"
        return None

    def join_this_thread(self) -> None:
        """Move the calling thread, not its process, into this cgroup: v1 takes single threads
        (``tasks``), and what the thread starts is born inside, before its first instruction."""
        tid = str(threading.get_native_id())
        try:
            for d in self.dirs:
                (d / "tasks").write_text(tid)
        except OSError as exc:
            raise SandboxError(f"could not join the run's cgroup: {exc}") from exc

    def kill_all(self) -> None:
        kill_until_gone(self.pids)

    def remove(self) -> None:
        for d in self.dirs:
            with contextlib.suppress(OSError):
                d.rmdir()


def v2_parent() -> Path | None:
    """Where runs' v2 cgroups go (see :func:`grader.sandbox.cgroup2.parent_for_runs`), asked once per
    ``GRADER_CGROUP`` value, and again if the folder went away."""
    key = os.environ.get(cgroup2.ENV_PARENT, "")
    with _v2_lock:
        known = _v2_parents.get(key)
        if key not in _v2_parents or (known is not None and not known.is_dir()):
            _v2_parents[key] = known = cgroup2.parent_for_runs()
        return known


def create_cgroup(limits: Limits, name: str) -> RunCgroup | None:
    """The run's cgroup, or None: rlimits only (and a PID namespace or marker for the tree).

    ``GRADER_CGROUP`` set: v2 under it (the teacher's word, also on a machine with v1).
    Otherwise v1 where its pids (and memory) controllers are writable, else v2: a delegated
    subtree, or ``<mount>/grader`` as root. A v2 run may use one processor at most
    (``cpu.max``, where that controller is enabled): a spinning program cannot take both
    cores of a small machine from the other students' runs.
    """
    if not os.environ.get(cgroup2.ENV_PARENT):
        v1 = Cgroup.create(limits, name)
        if v1 is not None:
            return v1
    parent = v2_parent()
    if parent is None:
        return None
    try:
        return Cgroup2.create(
            parent, name, memory=limits.memory_mb << 20, processes=limits.processes, cpu_share=1.0
        )
    except OSError:
        return None


RunCgroup = Cgroup | Cgroup2
"""A run's cgroup: v1 (the confining thread joins it) or v2 (the launch waits to be placed)."""


_v2_parents: dict[str, Path | None] = {}


_v2_lock = threading.Lock()
