"""Containment for one run of untrusted student code.

Two modes, chosen per run:

* ``namespace``: the grader's own thread enters a fresh network namespace (only loopback,
  up), creates the peer's sockets and starts the student there (in a PID namespace of its
  own), then returns to its own network, with no ``await`` in between. Sockets stay in the
  namespace they were made in, so one event loop serves peers in many namespaces at once,
  fixed ports never collide, and the student (pid 1 of its namespace) takes every
  descendant with it when it is killed, double-forked daemons included.
* ``host``: where namespaces are refused (no root, containers with Docker's seccomp
  profile, macOS), or on request. The grader picks free ports; fixed-port scenarios must
  then be serialised by the caller. If the OS allows it, the student still gets its own
  PID namespace (only the network is shared).

Both modes start the student from a short-lived thread that first confines itself, so that
everything is in place before the student's first line runs (nothing is applied "just after"
``Popen``, which a loaded machine could let a program outrun). The thread, and only it:

* moves its future children into a new PID namespace (where allowed);
* joins the run's v1 cgroup (as root; a v1 cgroup takes single threads); a v2 cgroup takes
  whole processes, so the launch shell instead waits on a pipe until the grader has written
  its pid to ``cgroup.procs`` (see :func:`create_cgroup`, :mod:`grader.cgroup2`);
* sets "no new privileges" and applies Landlock: only the scratch copy, the system and the
  interpreter are visible, and signals to processes outside the sandbox are refused (see
  :mod:`grader.landlock`);
* as root, becomes uid/gid 65534 with no groups, by raw system calls that change the calling
  thread alone (the C library's wrappers would change every thread of the grader).

The thread ends once the student has started, so the grader's own threads keep none of it.
It starts ``/bin/sh -c`` (rlimits with ``ulimit``; ~0.7 ms of CPU) -> ``python -u client.py``.
A ``setpriv`` between the two cost ~2 ms of CPU a start; ``Popen(user=...)`` would make
Python fork the whole grader instead of ``vfork`` (~2 ms more a start).

Tree kill: the student is pid 1 of its PID namespace (both modes, where allowed), and
SIGKILL to it ends every process of the namespace, ``setsid`` daemons included, and the
kernel reaps them; a cgroup (v1 pids+memory here; v2 elsewhere, or where ``GRADER_CGROUP``
names one) also lists every descendant: ``kill_all`` kills them until it is empty (v2:
``cgroup.kill``), and its events tell which limit was hit. With neither
(no root, no namespaces) processes are found by an environment entry unique to the run,
which a double fork keeps: a best effort, as a program may exec itself with a new one.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import fcntl
import functools
import itertools
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from grader import cgroup2, landlock, mounts, userns
from grader.cgroup2 import Cgroup2, event_count
from grader.errors import UsageError
from grader.hostports import descendants
from grader.kernelfiles import pids_in
from grader.messages import Code, Message, msg
from grader.outcome import Containment
from grader.process import kill_until_gone
from grader.scratch import remove_tree
from grader.spec import Limits

CLONE_FILES = 0x00000400
CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWNET = 0x40000000
CLONE_NEWPID = 0x20000000
CLONE_NEWUSER = 0x10000000
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1
IFF_RUNNING = 0x40
PR_SET_DUMPABLE = 4
STUDENT_NICE = 5
"""Student processes run this much nicer than the grader (CFS weight 335 against 1024)."""
EXIT_SANDBOX_FAILED = 121
"""The launch shell's exit code when it could not set a limit."""
PR_SET_NO_NEW_PRIVS = 38
THREAD_CREDENTIAL_SYSCALLS = {"x86_64": (116, 119, 117), "aarch64": (159, 149, 147)}
"""``setgroups``, ``setresgid``, ``setresuid`` by number: called raw, they change one thread."""
KEYCTL_SYSCALL = {"x86_64": 250, "aarch64": 219}
KEYCTL_JOIN_SESSION_KEYRING = 1
KEYCTL_CLEAR = 7
KEY_SPEC_USER_KEYRING = -4
KEY_SPEC_USER_SESSION_KEYRING = -5

Mode = Literal["namespace", "host"]
_libc = ctypes.CDLL(None, use_errno=True)
_names = itertools.count()


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def _setns(fd: int, nstype: int) -> None:
    _check(_libc.setns(fd, nstype), "setns")


def _loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sh", b"lo", 0)
        flags = struct.unpack("16sh", fcntl.ioctl(s, SIOCGIFFLAGS, req))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sh", b"lo", flags | IFF_UP | IFF_RUNNING))


_private_user_namespace = False


def enter_private_user_namespace(isolation: str = "auto") -> str:
    """Without root, own a user namespace, so that scenarios still get namespaces of their own.

    The kernel grants ``CLONE_NEWUSER`` only to a single-threaded process, and a thread can
    leave a scenario's namespaces again only for namespaces its user namespace owns. So
    this runs once, at the start of a grading process (``grader check``, a batch worker),
    before any thread: the process moves into a new user namespace (the same uid and gid
    mapped, so files look the same) with its own loopback-only network and a PID namespace
    for its children. Student programs, started later with a non-root uid, have no
    capabilities in it. ``isolation`` is the user's ``--isolation``: nothing to do for
    ``host``. Returns what happened, for the result's isolation note.

    No PID namespaces then: a process whose children are born in another PID namespace
    cannot start threads, and one it does not own it cannot leave. Process trees are found
    by their run's environment entry instead (see :meth:`Sandbox.spawn`).
    """
    global _private_user_namespace
    if isolation == "host" or os.geteuid() == 0 or _private_user_namespace:
        return ""  # host mode needs no namespace; root has them already
    if os.environ.get("GRADER_NO_USERNS") == "1":
        return "user namespaces not used (GRADER_NO_USERNS=1)"
    if threading.active_count() > 1:
        return "user namespaces not used: threads were already running"
    uid, gid = os.geteuid(), os.getegid()
    try:
        _unshare(CLONE_NEWUSER | CLONE_NEWNET)
    except OSError as exc:
        return userns_refused_note(exc)
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
    Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
    _loopback_up()
    _private_user_namespace = True
    return "private user namespace (not root)"


def userns_refused_note(exc: OSError, proc_sys: Path = userns.PROC_SYS) -> str:
    """One line: user namespaces were refused, which setting did it and what lifts it."""
    found = userns.restriction(proc_sys)
    if found is None:
        return f"user namespaces refused ({exc.strerror or exc})"
    return f"user namespaces refused by {found.setting} (lift with: {found.command})"


def in_private_user_namespace() -> bool:
    """Whether this process (not root) entered a user namespace of its own."""
    return _private_user_namespace


def scenario_namespaces() -> int:
    """The namespaces each scenario gets: network, and PID too unless in a private user namespace."""
    return CLONE_NEWNET if _private_user_namespace else CLONE_NEWNET | CLONE_NEWPID


def pid_namespaces() -> bool:
    """Whether a scenario's processes live in a PID namespace of their own (a sure tree kill)."""
    return probe_namespaces()[0] and not _private_user_namespace


_probe_lock = threading.Lock()
_probe_result: tuple[bool, Message | None] | None = None


def probe_namespaces() -> tuple[bool, Message | None]:
    """Whether this process may create network+PID namespaces; the reason if not. Cached."""
    global _probe_result
    with _probe_lock:
        if _probe_result is None:
            _probe_result = _probe()
        return _probe_result


def _probe() -> tuple[bool, Message | None]:
    if not os.path.exists("/proc/thread-self/ns/net"):
        return False, msg(Code.NS_NONE_ON_OS)
    result: list[tuple[bool, Message | None]] = []

    def attempt() -> None:
        try:
            # A throwaway thread: whatever happens, the grader's own threads stay untouched.
            _unshare(scenario_namespaces())
            _loopback_up()
            result.append((True, None))
        except OSError as exc:
            found = userns.restriction() if os.geteuid() != 0 and not _private_user_namespace else None
            if found is not None:  # one line: the setting that did it, and what lifts it
                result.append((False, msg(Code.NS_REFUSED_BY, setting=found.setting, command=found.command)))
            else:
                result.append((False, msg(Code.NS_REFUSED, error=exc.strerror or str(exc))))

    thread = threading.Thread(target=attempt, name="grader-ns-probe")
    thread.start()
    thread.join()
    return result[0]


@functools.cache
def ipc_namespaces() -> bool:
    """Whether each student may get a System V IPC namespace of its own (root, or a private
    user namespace): shared memory, message queues and semaphores then die with the run."""
    if not os.path.exists("/proc/thread-self/ns/ipc"):
        return False
    result: list[bool] = []

    def attempt() -> None:
        try:
            _unshare(CLONE_NEWIPC)
            result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=attempt, name="grader-ipc-probe")
    thread.start()
    thread.join()
    return result[0]


class IsolationUnavailable(UsageError):
    """``--isolation namespace`` was demanded where the OS refuses namespaces."""


def choose_mode(requested: Literal["auto", "namespace", "host"]) -> tuple[Mode, Containment]:
    """Resolve ``--isolation``; raise if ``namespace`` was demanded but is unavailable.

    Also returns how runs will be contained, as flags for the result (said by ``grader.words``).
    """
    if requested == "host":
        return "host", contained(host_requested=True)
    ok, why = probe_namespaces()
    if ok:
        return "namespace", contained(pid_namespaces=pid_namespaces(), user_namespace=_private_user_namespace)
    if requested == "namespace":
        raise IsolationUnavailable(
            f"--isolation namespace is not possible here ({why}): run as root, or use --isolation host"
        )
    return "host", contained(no_namespaces=why)


@functools.cache
def landlock_abi() -> int:
    """The kernel's Landlock ABI, 0 where there is none (``GRADER_NO_LANDLOCK=1`` forces 0)."""
    if os.environ.get("GRADER_NO_LANDLOCK") == "1":
        return 0
    return landlock.abi_version()


def contained(**network: bool | Message | None) -> Containment:
    """How a student is kept away from what is not its own (files, IPC, disk, ``/proc``)."""
    view = mounts.probe()
    return Containment(
        landlock_abi=landlock_abi(),
        uid_per_run=os.geteuid() == 0,
        ipc_namespace=ipc_namespaces(),
        private_scratch=view.scratch,
        private_proc=view.proc,
        no_private_mounts=view.refused,
        **network,  # type: ignore[arg-type]
    )


_scratch_lock = threading.Lock()


def _remove_if_mine(folder: str, pid: int) -> None:
    """At exit, in the process that made ``folder`` only (a forked child must not remove it)."""
    if os.getpid() == pid:
        remove_tree(folder)


_scratch_folder: Path | None = None


def scratch_parent() -> Path:
    """Where scratch copies go: a folder others may cross (0711) but not list.

    Scratch folders get random names in it, so even without Landlock a student cannot find
    another student's running copy by listing ``/tmp``.
    """
    global _scratch_folder
    with _scratch_lock:
        if _scratch_folder is None or not _scratch_folder.is_dir():
            folder = Path(tempfile.mkdtemp(prefix="grader-scratch-"))
            os.chmod(folder, 0o711)
            atexit.register(_remove_if_mine, str(folder), os.getpid())
            _scratch_folder = folder
        return _scratch_folder


def adopt_environment() -> None:
    """Forget what was worked out from an earlier environment (a resident checker's child).

    Whether namespaces may be made (without root: a child may enter a user namespace of its
    own), the temp folder (``TMPDIR``), ``GRADER_NO_LANDLOCK``, and the scratch folder when
    it is not in the new temp folder: a check then behaves as if it had started with the
    environment it was given. Memory hidden by an earlier run is shown again
    until the next student starts: a process that is not "dumpable" may not write its own
    ``/proc/self/uid_map``, which entering a user namespace needs.
    """
    global _scratch_folder, _probe_result
    if os.geteuid() != 0:  # as root the answer does not depend on the environment: kept
        with _probe_lock:
            _probe_result = None
    tempfile.tempdir = None
    landlock_abi.cache_clear()
    ipc_namespaces.cache_clear()
    mounts.forget()
    if hide_grader_memory.cache_info().currsize:
        with contextlib.suppress(OSError, AttributeError):
            _libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
        hide_grader_memory.cache_clear()
    temp = os.path.realpath(tempfile.gettempdir())

    def elsewhere(folder: str | Path | None) -> bool:
        return folder is not None and os.path.dirname(os.path.realpath(folder)) != temp

    with _scratch_lock:
        if elsewhere(_scratch_folder):
            _scratch_folder = None


@functools.cache
def hide_grader_memory() -> None:
    """``/proc/<grader>/environ`` and ``mem`` stay unreadable to a student with the grader's uid."""
    with contextlib.suppress(OSError, AttributeError):
        _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


# --------------------------------------------------------------------------- cgroups


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


RunCgroup = Cgroup | Cgroup2
"""A run's cgroup: v1 (the confining thread joins it) or v2 (the launch waits to be placed)."""
_v2_parents: dict[str, Path | None] = {}
_v2_lock = threading.Lock()


def v2_parent() -> Path | None:
    """Where runs' v2 cgroups go (see :func:`grader.cgroup2.parent_for_runs`), asked once per
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


# --------------------------------------------------------------------------- the sandbox


def ulimit_script(limits: Limits, processes: int | None = None) -> str:
    """``ulimit`` lines for the launch shell (POSIX units: 512-byte blocks for -f, KiB for -v).

    On Linux a limit that cannot be set stops the launch (exit 121) rather than run the
    student unlimited; elsewhere (macOS) a limit the OS does not support is skipped.
    """
    cpu = max(1, int(limits.cpu_seconds + 0.999))
    lines = [
        f"ulimit -S -t {cpu}",
        f"ulimit -H -t {cpu + 1}",  # SIGXCPU first, then SIGKILL
        f"ulimit -f {(limits.file_size_mb << 20) // 512}",
        f"ulimit -v {(limits.memory_mb + 256) << 10}",
        f"ulimit -n {limits.open_files}",
        "ulimit -c 0",
    ]
    if processes is not None:
        # bash (and macOS's sh) call it -u; dash calls it -p (in bash -p is the pipe size)
        lines.append(f"{{ ulimit -u {processes} 2>/dev/null || ulimit -p {processes}; }}")
    on_failure = f" || exit {EXIT_SANDBOX_FAILED}" if sys.platform.startswith("linux") else " 2>/dev/null"
    return "\n".join(line + on_failure for line in lines) + "\n"


def _processes_of(uid: int) -> int | None:
    """How many processes ``uid`` runs now (None: no ``/proc`` to count them in)."""
    if not os.path.isdir("/proc"):
        return None
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                count += entry.stat().st_uid == uid
    return count


def launch_chain(
    limits: Limits, cgroup: RunCgroup | None, student_uid: int | None, hold: str = ""
) -> list[str]:
    """The shell exec'd before the student's interpreter: it sets the rlimits (``ulimit``),
    then (``hold``, a v2 cgroup) waits until the grader has placed it in the run's cgroup."""
    processes = None
    if cgroup is None or not cgroup.limits_processes:
        # No pids cgroup: RLIMIT_NPROC counts every process of the uid, so allow what runs now.
        running = _processes_of(student_uid if student_uid is not None else os.geteuid())
        processes = None if running is None else running + limits.processes
    return ["/bin/sh", "-c", ulimit_script(limits, processes) + hold + 'exec "$@"', "grader-sandbox"]


def thread_credentials() -> bool:
    """Whether this machine's system call numbers are known to change one thread's user."""
    return sys.platform.startswith("linux") and os.uname().machine in THREAD_CREDENTIAL_SYSCALLS


def _become_user_in_this_thread(uid: int) -> None:
    """uid and gid ``uid``, no supplementary groups: for the calling thread and its children only."""
    set_groups, set_resgid, set_resuid = THREAD_CREDENTIAL_SYSCALLS[os.uname().machine]
    _check(_libc.syscall(set_groups, 0, None), "setgroups")
    _check(_libc.syscall(set_resgid, uid, uid, uid), "setresgid")
    _check(_libc.syscall(set_resuid, uid, uid, uid), "setresuid")


def end_leftovers_of(uid: int) -> None:
    """SIGKILL every process running as ``uid``: called with the uid's lease just taken.

    A grader killed outright (SIGKILL, the OOM killer, a CI timeout) cannot stop its
    students; their lease ends with it, and the next run that leases the uid would share it
    with them (signals, ``/proc``, RLIMIT_NPROC). Whoever holds the lease is the only one
    entitled to the uid, so anything running as it is a left-over: a throwaway thread
    becomes the uid and sends ``kill(-1)``, which reaches exactly the processes of that uid
    (never the grader, whose other threads stay root, nor another run's students).
    """
    if not thread_credentials() or os.geteuid() != 0:
        return
    failure: list[BaseException] = []

    def as_the_uid() -> None:
        try:
            _become_user_in_this_thread(uid)
            with contextlib.suppress(ProcessLookupError):  # none left: the usual case
                os.kill(-1, signal.SIGKILL)
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=as_the_uid, name="grader-end-leftovers")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def start_confined(
    start: Callable[[], subprocess.Popen[bytes]],
    *,
    own_pids: bool,
    python: str,
    writable: list[str],
    cgroup: RunCgroup | None = None,
    uid: int | None = None,
    hold: tuple[int, int] | None = None,
    view: mounts.PrivateView | None = None,
) -> subprocess.Popen[bytes]:
    """Run ``start`` in a throwaway thread that first confines itself; what it starts stays so.

    The thread inherits the caller's network namespace. It gives its children a PID namespace
    of their own (``own_pids``; the student is then pid 1 and takes its descendants with it),
    joins ``cgroup``, forbids new privileges, applies Landlock (where the kernel has it) and
    becomes ``uid`` (see :func:`thread_credentials`): all of it stays with the student and
    vanishes with the thread, never touching the grader's other threads. A thread rather
    than the caller, also because a thread whose children go to another PID namespace cannot
    start threads. If confinement fails, nothing is started: the run is not gradable.

    It also leaves the grader's System V IPC namespace (where allowed), mounts the student's
    private ``view`` (:mod:`grader.mounts`) and gives it a session keyring of its own; with a
    leased ``uid`` it first clears what an earlier lease left in that uid's user keyrings.

    ``hold`` (a v2 cgroup's pipe read end, and the descriptor the launch shell reads it as):
    just before starting, the thread takes a descriptor table of its own and puts the pipe
    there (a POSIX shell names descriptors 0-9 only), so the grader's table is never touched
    (the thread's copy goes with the thread).
    """
    outcome: list[subprocess.Popen[bytes] | BaseException] = []

    def confine_and_start() -> None:
        try:
            flags = (CLONE_NEWPID if own_pids else 0) | (CLONE_NEWIPC if ipc_namespaces() else 0)
            if flags:
                _unshare(flags)
            if isinstance(cgroup, Cgroup):
                cgroup.join_this_thread()  # first: the scratch tmpfs's pages count as the run's memory
            if view is not None:
                try:
                    view.enter()
                except OSError as exc:
                    raise SandboxError(f"could not give the program a private scratch folder: {exc}") from exc
            with contextlib.suppress(AttributeError):  # not Linux: no such flag
                _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")
            if landlock_abi():
                try:
                    landlock.restrict(
                        [*landlock.SYSTEM_PATHS, *landlock.interpreter_paths(python), "/proc"],
                        writable,
                        ["/dev"],
                    )
                except OSError as exc:
                    raise SandboxError(f"could not confine the program with Landlock: {exc}") from exc
            if uid is not None:
                _become_user_in_this_thread(uid)
                _clear_user_keyrings()
            _join_new_session_keyring()
            if hold is not None:  # last: what the grader keeps (the scratch fd) is in its table
                _unshare(CLONE_FILES)
                os.dup2(*hold)
            outcome.append(start())
        except BaseException as exc:  # handed to the caller's thread
            outcome.append(exc)

    thread = threading.Thread(target=confine_and_start, name="grader-start-student")
    thread.start()
    thread.join()
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _keyctl(*args: int) -> int:
    number = KEYCTL_SYSCALL.get(os.uname().machine)
    if number is None:
        return -1
    return _libc.syscall(ctypes.c_long(number), *(ctypes.c_long(a) for a in args))


def _clear_user_keyrings() -> None:
    """Empty the (leased) uid's user keyrings: a key a previous student left is gone."""
    for keyring in (KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING):
        _keyctl(KEYCTL_CLEAR, keyring)


def _join_new_session_keyring() -> None:
    """A fresh, empty session keyring for the student (best effort: a seccomp filter may refuse)."""
    _keyctl(KEYCTL_JOIN_SESSION_KEYRING, 0)


class SandboxError(Exception):
    """The grader could not set up containment: the run is not gradable, not failed."""


class Sandbox:
    """One scenario's namespace, cgroup and student process. Use from one thread only."""

    def __init__(self, mode: Mode, limits: Limits, student_uid: int | None = None):
        self.mode = mode
        self.limits = limits
        self.student_uid = student_uid
        self.name = f"grader-{os.getpid()}-{next(_names)}"
        self._net_fd: int | None = None
        self._entered_once = False
        self.process: subprocess.Popen[bytes] | None = None
        self.cgroup: RunCgroup | None = None
        self.limit: str | None = None
        """The resource limit the kernel enforced (``memory``, ``processes``), read at close."""
        self._marker: bytes | None = None
        """Without a PID namespace or a cgroup: the environment entry every descendant inherits."""

    # -- namespaces ------------------------------------------------------------

    @contextlib.contextmanager
    def inside(self) -> Iterator[None]:
        """Run the body (synchronous, no ``await``) inside this run's network namespace.

        The first entry creates it; later entries rejoin it, e.g. to create another client
        socket. Host mode does nothing.
        """
        if self.mode == "host":
            yield
            return
        own_net = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        try:
            if self._entered_once:
                assert self._net_fd is not None
                _setns(self._net_fd, CLONE_NEWNET)
            else:
                try:
                    _unshare(CLONE_NEWNET)
                    _loopback_up()
                except OSError as exc:
                    raise SandboxError(f"could not create a network namespace: {exc}") from exc
                self._net_fd = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
                self._entered_once = True
            try:
                yield
            finally:
                _setns(own_net, CLONE_NEWNET)
        finally:
            os.close(own_net)

    def socket(self, family: int = socket.AF_INET) -> socket.socket:
        """A non-blocking TCP socket that lives in this run's network."""
        with self.inside():
            sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setblocking(False)
        return sock

    # -- the student process ---------------------------------------------------

    def spawn(
        self,
        argv: list[str],
        *,
        cwd: Path,
        env: dict[str, str],
        stdin: int,
        stdout: int,
        stderr: int,
        view: mounts.PrivateView | None = None,
    ) -> subprocess.Popen[bytes]:
        """Start the student's program (call inside :meth:`inside` in namespace mode).

        Landlock and the PID namespace come from the starting thread, limits, cgroup and uid
        from the exec chain: all before the student's first line; see the module docstring.
        """
        if self.student_uid is None:
            hide_grader_memory()
        self.cgroup = create_cgroup(self.limits, self.name)
        env = {**env, "TMPDIR": str(cwd)}
        if self.cgroup is None and not pid_namespaces():
            # Nothing in the kernel lists this run's processes: find them by an environment
            # entry unique to the run (the scratch folder), which a double fork keeps.
            self._marker = f"TMPDIR={cwd}".encode()
        hold_fd = next(fd for fd in range(cgroup2.HOLD_FD, 2, -1) if fd not in (stdin, stdout, stderr))
        held = os.pipe() if isinstance(self.cgroup, Cgroup2) else None
        hold = cgroup2.hold_line(hold_fd) if held else ""
        chain = [*launch_chain(self.limits, self.cgroup, self.student_uid, hold), *argv]
        uid = self.student_uid
        in_thread = uid is not None and thread_credentials()
        # Where one thread's user cannot be changed, Popen changes it (forking the grader).
        user: dict[str, object] = (
            {} if uid is None or in_thread else {"user": uid, "group": uid, "extra_groups": []}
        )
        try:
            self.process = start_confined(
                lambda: subprocess.Popen(
                    chain,
                    cwd=cwd,
                    env=env,
                    stdin=stdin,
                    stdout=stdout,
                    stderr=stderr,
                    close_fds=True,
                    pass_fds=(hold_fd,) if held else (),
                    start_new_session=True,
                    **user,
                ),  # type: ignore[call-overload]
                own_pids=pid_namespaces(),
                python=argv[0],
                writable=[str(cwd)],
                cgroup=self.cgroup,
                uid=uid if in_thread else None,
                view=view,
                hold=(held[0], hold_fd) if held else None,
            )
        finally:
            if held:
                os.close(held[0])
        if held:
            self._release_into_cgroup(held[1])
        # Below the grader: a student spinning on every core must not slow the peer and the
        # clocks that judge it (children inherit this; ``setpriority`` is only a priority, so
        # applying it just after start is no race that matters).
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, self.process.pid, STUDENT_NICE)
        return self.process

    def _release_into_cgroup(self, word: int) -> None:
        """Place the held launch in the run's v2 cgroup, then let it go on (to the program).

        If it cannot be placed, the pipe closes without a word: the launch exits (121)
        without running a line of the student's, and the run is not gradable.
        """
        assert isinstance(self.cgroup, Cgroup2) and self.process is not None
        try:
            self.cgroup.place(self.process.pid)
            os.write(word, b"go\n")
        except OSError as exc:
            os.close(word)
            self.process.wait()
            raise SandboxError(f"could not place the program in its cgroup: {exc}") from exc
        os.close(word)

    def limit_reached(self, end_signal: int | None, cpu_seconds: float | None, stderr: bytes) -> str | None:
        """Which resource limit ended or broke the program, from what the sandbox knows."""
        if self.limit is not None:
            return self.limit
        cpu_limit = max(1, int(self.limits.cpu_seconds + 0.999))
        if end_signal == signal.SIGXCPU or (
            end_signal == signal.SIGKILL and cpu_seconds is not None and cpu_seconds >= cpu_limit - 0.05
        ):
            return "cpu time"
        tail = stderr[-2000:]
        for marker, name in (
            (b"MemoryError", "memory"),
            (b"[Errno 27] File too large", "file size"),
            (b"[Errno 28] No space left on device", "disk"),
            (b"[Errno 24] Too many open files", "open files"),
            (b"BlockingIOError: [Errno 11] Resource temporarily unavailable", "processes"),
        ):
            if marker in tail:
                return name
        return None

    def members(self) -> list[int]:
        """The run's processes as the kernel lists them (cgroup), else found by marker or tree."""
        if self.cgroup is not None:
            return self.cgroup.pids()
        if self._marker is not None:
            return _marked_processes(self._marker)
        if self.process is None:
            return []
        return descendants(self.process.pid)

    def kill_all(self) -> None:
        """End the student's whole process tree, whatever it did to escape."""
        proc = self.process
        # ``returncode``, not ``poll()``: polling would reap the student and lose its exit
        # status to whoever waits for it next (run.py reaps it itself, with its rusage). An
        # unreaped pid cannot be reused, so signalling an already-exited student is harmless.
        if proc is not None and proc.returncode is None:
            # In namespace mode the student is pid 1 of its namespace: SIGKILL to it ends
            # every process in the namespace, including ``setsid`` daemons.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGKILL)  # not proc.kill(): it polls, and so reaps
        if self.cgroup is not None:
            self.cgroup.kill_all()
        marker = self._marker
        if marker is not None:
            kill_until_gone(lambda: _marked_processes(marker))

    def close(self) -> None:
        self.kill_all()
        if self.process is not None:
            with contextlib.suppress(Exception):
                self.process.wait(timeout=5)
        if self.cgroup is not None:
            self.cgroup.kill_all()
            self.limit = self.cgroup.limit_hit()
            self.cgroup.remove()
        if self._net_fd is not None:
            os.close(self._net_fd)
            self._net_fd = None


def _marked_processes(marker: bytes) -> list[int]:
    """Processes of our uid whose environment holds ``marker`` as a whole entry."""
    me, uid = os.getpid(), os.geteuid()
    found: list[int] = []
    if not os.path.isdir("/proc"):
        return found
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            if entry.stat().st_uid != uid:
                continue
            with open(f"/proc/{entry.name}/environ", "rb") as f:
                environ = f.read()
        except OSError:
            continue
        if marker in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def free_port(host: str = "127.0.0.1") -> int:
    """A port free right now on the host loopback (host mode only)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]
