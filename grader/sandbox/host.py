"""What this host gives a run, found once per process: namespaces, Landlock, the scratch folder.

A resident checker's child adopts its new environment with :func:`adopt_environment`."""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import tempfile
import threading
from pathlib import Path
from typing import Literal

from grader.errors import UsageError
from grader.messages import Message, msg
from grader.messages.codes import Code
from grader.outcome import Containment
from grader.sandbox import landlock, mounts, userns
from grader.sandbox.namespaces import (
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWPID,
    CLONE_NEWUSER,
    PR_SET_DUMPABLE,
    _libc,
    _loopback_up,
    _unshare,
)
from grader.sandbox.scratch import remove_tree

Mode = Literal["namespace", "host"]


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

    Also returns how runs will be contained, as flags for the result (said by ``grader.render.words``).
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
