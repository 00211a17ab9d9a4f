"""What this host gives a run: namespaces, IPC, Landlock, mounts, the scratch folder.

One :class:`HostCapabilities` object per process holds what was found (each fact on first
use). A forked child never reuses its parent's object: :func:`host` notices the new pid and
gives the child an object of its own made from the parent's facts (same environment), and
a resident checker's child, which takes its client's environment, calls
:func:`adopt_environment` for one that keeps only what no environment changes. A fact added
later is a field of the object: left out of both, it is found again, never stale."""

from __future__ import annotations

import atexit
import contextlib
import os
import tempfile
import threading
from dataclasses import dataclass, field
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


@dataclass
class HostCapabilities:
    """What this process may do to contain a student, found on first use, for this pid only."""

    private_user_namespace: bool = False
    """Whether this process (not root) entered a user namespace of its own; a fork stays in it."""
    namespaces: tuple[bool, Message | None] | None = None
    ipc: bool | None = None
    landlock: int | None = None
    mountable: dict[bool, mounts.MountSupport] = field(default_factory=dict)
    scratch: Path | None = None
    memory_hidden: bool = False
    pid: int = field(default_factory=os.getpid)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def forked(self) -> HostCapabilities:
        """The same facts for a forked child in the same environment (with a lock of its own)."""
        return HostCapabilities(
            private_user_namespace=self.private_user_namespace,
            namespaces=self.namespaces,
            ipc=self.ipc,
            landlock=self.landlock,
            mountable=dict(self.mountable),
            scratch=self.scratch,
            memory_hidden=self.memory_hidden,
        )

    def adopted(self) -> HostCapabilities:
        """What a child taking another environment keeps: only what no environment changes.

        Its user namespace (inherited), whether namespaces may be made when root (the answer
        does not depend on the environment), and the scratch folder when it is in the new
        temp folder (``TMPDIR``). Found again: namespaces without root (the child may enter a
        user namespace of its own), IPC, ``GRADER_NO_LANDLOCK``, mounts. Memory hidden by an
        earlier run is shown again until the next student starts: a process that is not
        "dumpable" may not write its own ``/proc/self/uid_map``, which a user namespace needs.
        """
        if self.memory_hidden:
            with contextlib.suppress(OSError, AttributeError):
                _libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
        temp = os.path.realpath(tempfile.gettempdir())
        here = self.scratch is not None and os.path.dirname(os.path.realpath(self.scratch)) == temp
        return HostCapabilities(
            private_user_namespace=self.private_user_namespace,
            namespaces=self.namespaces if os.geteuid() == 0 else None,
            scratch=self.scratch if here else None,
        )


_host = HostCapabilities()


def host() -> HostCapabilities:
    """This process's capabilities (a forked child gets an object of its own, see the module)."""
    global _host
    current = _host
    if current.pid != os.getpid():
        current = _host = current.forked()
    return current


def adopt_environment() -> None:
    """A resident checker's child takes its client's environment: capabilities found anew."""
    global _host
    tempfile.tempdir = None
    _host = host().adopted()


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
    caps = host()
    if isolation == "host" or os.geteuid() == 0 or caps.private_user_namespace:
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
    caps.private_user_namespace = True
    return "private user namespace (not root)"


def userns_refused_note(exc: OSError, proc_sys: Path = userns.PROC_SYS) -> str:
    """One line: user namespaces were refused, which setting did it and what lifts it."""
    found = userns.restriction(proc_sys)
    if found is None:
        return f"user namespaces refused ({exc.strerror or exc})"
    return f"user namespaces refused by {found.setting} (lift with: {found.command})"


def in_private_user_namespace() -> bool:
    """Whether this process (not root) entered a user namespace of its own."""
    return host().private_user_namespace


def scenario_namespaces() -> int:
    """The namespaces each scenario gets: network, and PID too unless in a private user namespace."""
    return CLONE_NEWNET if host().private_user_namespace else CLONE_NEWNET | CLONE_NEWPID


def pid_namespaces() -> bool:
    """Whether a scenario's processes live in a PID namespace of their own (a sure tree kill)."""
    return probe_namespaces()[0] and not host().private_user_namespace


def probe_namespaces() -> tuple[bool, Message | None]:
    """Whether this process may create network+PID namespaces; the reason if not. Found once."""
    caps = host()
    with caps.lock:
        if caps.namespaces is None:
            caps.namespaces = _probe()
        return caps.namespaces


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
            private = in_private_user_namespace()
            found = userns.restriction() if os.geteuid() != 0 and not private else None
            if found is not None:  # one line: the setting that did it, and what lifts it
                result.append((False, msg(Code.NS_REFUSED_BY, setting=found.setting, command=found.command)))
            else:
                result.append((False, msg(Code.NS_REFUSED, error=exc.strerror or str(exc))))

    thread = threading.Thread(target=attempt, name="grader-ns-probe")
    thread.start()
    thread.join()
    return result[0]


def ipc_namespaces() -> bool:
    """Whether each student may get a System V IPC namespace of its own (root, or a private
    user namespace): shared memory, message queues and semaphores then die with the run."""
    caps = host()
    with caps.lock:
        if caps.ipc is None:
            caps.ipc = _probe_ipc()
        return caps.ipc


def _probe_ipc() -> bool:
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
        private = in_private_user_namespace()
        return "namespace", contained(pid_namespaces=pid_namespaces(), user_namespace=private)
    if requested == "namespace":
        raise IsolationUnavailable(
            f"--isolation namespace is not possible here ({why}): run as root, or use --isolation host"
        )
    return "host", contained(no_namespaces=why)


def landlock_abi() -> int:
    """The kernel's Landlock ABI, 0 where there is none (``GRADER_NO_LANDLOCK=1`` forces 0)."""
    caps = host()
    with caps.lock:
        if caps.landlock is None:
            caps.landlock = 0 if os.environ.get("GRADER_NO_LANDLOCK") == "1" else landlock.abi_version()
        return caps.landlock


def mount_support() -> mounts.MountSupport:
    """What this process may mount for its students (``GRADER_NO_PRIVATE_MOUNTS=1`` turns it off)."""
    no_mounts = os.environ.get("GRADER_NO_PRIVATE_MOUNTS") == "1"
    caps = host()
    with caps.lock:
        if no_mounts not in caps.mountable:
            caps.mountable[no_mounts] = mounts.detect(no_mounts)
        return caps.mountable[no_mounts]


def contained(**network: bool | Message | None) -> Containment:
    """How a student is kept away from what is not its own (files, IPC, disk, ``/proc``)."""
    view = mount_support()
    return Containment(
        landlock_abi=landlock_abi(),
        uid_per_run=os.geteuid() == 0,
        ipc_namespace=ipc_namespaces(),
        private_scratch=view.scratch,
        private_proc=view.proc,
        no_private_mounts=view.refused,
        **network,  # type: ignore[arg-type]
    )


def _remove_if_mine(folder: str, pid: int) -> None:
    """At exit, in the process that made ``folder`` only (a forked child must not remove it)."""
    if os.getpid() == pid:
        remove_tree(folder)


def scratch_parent() -> Path:
    """Where scratch copies go: a folder others may cross (0711) but not list.

    Scratch folders get random names in it, so even without Landlock a student cannot find
    another student's running copy by listing ``/tmp``.
    """
    caps = host()
    with caps.lock:
        if caps.scratch is None or not caps.scratch.is_dir():
            folder = Path(tempfile.mkdtemp(prefix="grader-scratch-"))
            os.chmod(folder, 0o711)
            atexit.register(_remove_if_mine, str(folder), os.getpid())
            caps.scratch = folder
        return caps.scratch


def hide_grader_memory() -> None:
    """``/proc/<grader>/environ`` and ``mem`` stay unreadable to a student with the grader's uid."""
    caps = host()
    with caps.lock:
        if not caps.memory_hidden:
            with contextlib.suppress(OSError, AttributeError):
                _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
            caps.memory_hidden = True
