"""Starting the student confined: limits, a uid of its own, keyrings, from the grader's own thread."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable

from grader.sandbox import landlock, mounts
from grader.sandbox.cgroups import Cgroup, RunCgroup
from grader.sandbox.errors import EXIT_SANDBOX_FAILED, SandboxError
from grader.sandbox.host import ipc_namespaces, landlock_abi
from grader.sandbox.namespaces import CLONE_FILES, CLONE_NEWIPC, CLONE_NEWPID, _check, _libc, _unshare
from grader.spec.models import Limits

STUDENT_NICE = 5
"""Student processes run this much nicer than the grader (CFS weight 335 against 1024)."""


PR_SET_NO_NEW_PRIVS = 38


THREAD_CREDENTIAL_SYSCALLS = {"x86_64": (116, 119, 117), "aarch64": (159, 149, 147)}
"""``setgroups``, ``setresgid``, ``setresuid`` by number: called raw, they change one thread."""


KEYCTL_SYSCALL = {"x86_64": 250, "aarch64": 219}


KEYCTL_JOIN_SESSION_KEYRING = 1


KEYCTL_CLEAR = 7


KEY_SPEC_USER_KEYRING = -4


KEY_SPEC_USER_SESSION_KEYRING = -5


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
    private ``view`` (:mod:`grader.sandbox.mounts`) and gives it a session keyring of its own; with a
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
