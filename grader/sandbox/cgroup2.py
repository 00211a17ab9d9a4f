"""cgroup v2 for one run: limits, which limit was hit, and ending the whole tree.

Current Debian, Ubuntu, Fedora and RHEL mount only the unified (v2) hierarchy. A run's cgroup
goes under a parent the grader may write:

* ``GRADER_CGROUP``: a path the teacher gives (e.g. a systemd unit's ``Delegate=yes`` cgroup,
  or ``systemd-run --user --scope -p Delegate=yes``); it must be writable;
* as root: ``<v2 mount>/grader``, made once, with every available controller enabled for it
  (the root cgroup may enable controllers for children while it holds processes).

Per run: ``memory.max``, ``memory.swap.max``, ``pids.max`` and ``cpu.max`` where the
controller is enabled; ``memory.events`` (``oom_kill``, ``max``) and ``pids.events``
(``max``) say which limit the kernel enforced; ``cgroup.kill`` (Linux 5.14) ends every
process in it at once, ``setsid`` daemons included; ``cgroup.events`` (``populated 0``) says
when the last one is gone, so the folder can be removed.

A v2 cgroup takes whole processes, not single threads, so the confining thread cannot join
it for its child as it does a v1 cgroup. :meth:`Cgroup2.place` moves a started process in;
a launch that must not let the program run before it is placed waits for the grader's word
on a pipe (see :func:`hold_line`), which costs one pipe and no fork.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from grader.sandbox.kernelfiles import pids_in
from grader.sandbox.process import kill_until_gone

ENV_PARENT = "GRADER_CGROUP"
CONTROLLERS = ("memory", "pids", "cpu")
HOLD_FD = 9
"""The launch shell's descriptor for the grader's word (a POSIX shell names 0-9 only)."""


def v2_mount(mountinfo: str = "/proc/self/mountinfo") -> Path | None:
    """Where the unified hierarchy is mounted (``/sys/fs/cgroup`` on v2-only systems)."""
    try:
        lines = Path(mountinfo).read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split(" - ", 1)
        if len(fields) == 2 and fields[1].split()[0] == "cgroup2":
            return Path(fields[0].split()[4])
    return None


def own_cgroup(proc_cgroup: str = "/proc/self/cgroup") -> str | None:
    """This process's v2 cgroup path (the ``0::`` line), e.g. ``/user.slice/...``."""
    with contextlib.suppress(OSError):
        for line in Path(proc_cgroup).read_text().splitlines():
            if line.startswith("0::"):
                return line[3:]
    return None


def controllers(folder: Path) -> list[str]:
    """Controllers available to ``folder``'s children."""
    try:
        return (folder / "cgroup.controllers").read_text().split()
    except OSError:
        return []


def enabled(folder: Path) -> list[str]:
    try:
        return (folder / "cgroup.subtree_control").read_text().split()
    except OSError:
        return []


def enable(folder: Path, wanted: tuple[str, ...] = CONTROLLERS) -> list[str]:
    """Enable what is available of ``wanted`` for ``folder``'s children; returns what is on."""
    for name in wanted:
        if name in controllers(folder) and name not in enabled(folder):
            with contextlib.suppress(OSError):
                (folder / "cgroup.subtree_control").write_text(f"+{name}")
    return enabled(folder)


def parent_for_runs(mount: Path | None = None, proc_cgroup: str = "/proc/self/cgroup") -> Path | None:
    """The folder runs' cgroups go in, or None where the grader may not make any.

    In order: ``GRADER_CGROUP`` (the teacher's word: used if writable, else none at all);
    as root ``<mount>/grader``; else this process's own cgroup if it was delegated to us
    (systemd's ``Delegate=yes``: the folder and its ``cgroup.procs`` are ours to write).
    """
    given = os.environ.get(ENV_PARENT)
    if given:
        folder = Path(given)
        return folder if _writable(folder) else None
    mount = mount or v2_mount()
    if mount is None:
        return None
    if os.geteuid() == 0:
        folder = mount / "grader"
        try:
            folder.mkdir(exist_ok=True)
        except OSError:
            return None
        enable(mount)
        enable(folder)
        return folder
    own = own_cgroup(proc_cgroup)
    if own is None:
        return None
    delegated = mount / own.lstrip("/")
    if not _writable(delegated):
        return None
    enable(delegated)  # refused while it holds processes other than the root's: kill still works
    return delegated


def _writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK) and os.access(folder / "cgroup.procs", os.W_OK)


def event_count(path: Path, key: str) -> int:
    """A ``key value`` line of a cgroup statistics or events file (0 if the file or key is absent)."""
    with contextlib.suppress(OSError, ValueError):
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    return 0


@dataclass
class Cgroup2:
    folder: Path

    @classmethod
    def create(
        cls, parent: Path, name: str, *, memory: int, processes: int, cpu_share: float | None = None
    ) -> Cgroup2:
        """Make ``parent/name`` with the limits its enabled controllers take."""
        folder = parent / name
        folder.mkdir()
        group = cls(folder)
        try:
            group._write_if_there("memory.max", str(memory))
            group._write_if_there("memory.swap.max", "0")
            group._write_if_there("pids.max", str(processes))
            if cpu_share is not None:
                group._write_if_there("cpu.max", f"{int(cpu_share * 100_000)} 100000")
        except OSError:
            group.remove()
            raise
        return group

    def _write_if_there(self, name: str, value: str) -> None:
        path = self.folder / name
        if path.exists():
            path.write_text(value)

    @property
    def limits_processes(self) -> bool:
        """Whether the pids controller counts its processes (else rlimits must)."""
        return (self.folder / "pids.max").exists()

    def place(self, pid: int) -> None:
        """Move process ``pid`` (all its threads) into this cgroup."""
        (self.folder / "cgroup.procs").write_text(str(pid))

    def pids(self) -> list[int]:
        return pids_in(f"{self.folder}/cgroup.procs")

    def populated(self) -> bool:
        return event_count(self.folder / "cgroup.events", "populated") > 0

    def limit_hit(self) -> str | None:
        """``memory`` or ``processes`` if the kernel enforced that limit (its events say so)."""
        events = self.folder / "memory.events"
        if event_count(events, "oom_kill") > 0 or event_count(events, "max") > 0:
            return "memory"
        if event_count(self.folder / "pids.events", "max") > 0:
            return "processes"
        return None

    def kill_all(self) -> None:
        """End every process in it: ``cgroup.kill`` where the kernel has it, else SIGKILL each."""
        try:
            (self.folder / "cgroup.kill").write_text("1")
        except OSError:  # before Linux 5.14
            kill_until_gone(self.pids)

    def remove(self) -> None:
        """Remove the folder once empty (``cgroup.kill`` is asynchronous: wait on its events)."""
        for _ in range(1000):
            try:
                self.folder.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                if not self.populated():
                    continue
                _wait_for_change(self.folder / "cgroup.events")


def _wait_for_change(events: Path) -> None:
    """Sleep until the kernel says ``cgroup.events`` changed (it signals POLLPRI), or 50 ms."""
    import select

    try:
        fd = os.open(events, os.O_RDONLY)
    except OSError:
        return
    try:
        poller = select.poll()
        poller.register(fd, select.POLLPRI)
        os.read(fd, 4096)
        poller.poll(50)
    finally:
        os.close(fd)


def hold_line(fd: int = HOLD_FD) -> str:
    """Shell lines for a launch that waits until :meth:`Cgroup2.place` has moved it.

    The shell blocks reading descriptor ``fd`` (a pipe's read end it inherits) until the
    grader, having written the shell's pid to ``cgroup.procs``, writes a line: the program's
    first instruction then runs inside the cgroup, its limits already set. If the grader
    closes the pipe without a word (placing failed), the launch ends with exit 121 and runs
    nothing (121: the sandbox's ``EXIT_SANDBOX_FAILED``). The descriptor is closed before the program starts.
    """
    return f"read _grader_go <&{fd} || exit 121\nexec {fd}<&-\n"
