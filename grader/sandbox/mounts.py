"""A private view of the machine for one student: its own ``/proc`` and a size-limited scratch.

The short-lived thread that starts a student (:func:`grader.sandbox.box.start_confined`) may
leave the grader's mount namespace for good (``unshare(CLONE_FS | CLONE_NEWNS)``: it never
has to come back), so what it mounts is seen by the student alone and vanishes with it:

* a ``tmpfs`` of bounded size and inode count over the run's scratch folder, owned by the
  student's uid: a program that fills its folder gets ``ENOSPC`` in its own folder, and can no
  longer fill the disk the grader and the other students write to. The submission is copied
  in after the mount, and the grader keeps a descriptor of the tmpfs's root to read the
  student's files from its own namespace; the memory is returned when the last of the run's
  processes and that descriptor are gone (nothing to walk and delete);
* as root, a fresh ``/proc`` with ``hidepid=invisible``: with a uid per run
  (:mod:`grader.sandbox.uids`) the student sees only its own processes, not the command lines of
  everything on the host (procfs belongs to the grader's PID namespace, so ``hidepid`` does
  the hiding; a PID namespace's own procfs could only be mounted by its pid 1).

Mount propagation is made private first, so nothing mounted here appears in the grader's
namespace. Where the kernel refuses (no root and no user namespace, macOS), nothing is
mounted, and the runner watches the scratch folder's size instead (see :mod:`grader.run.scenario`).
"""

from __future__ import annotations

import ctypes
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass

from grader.messages import Message, msg
from grader.messages.codes import Code

CLONE_FS = 0x00000200
CLONE_NEWNS = 0x00020000
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REC = 0x4000
MS_PRIVATE = 0x40000
SCRATCH_INODES = 16384
"""Files and folders a scratch tmpfs may hold (a deep chain of folders stops there)."""

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
_libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source: str, target: str, fstype: str | None, flags: int, options: str | None) -> None:
    _check(
        _libc.mount(
            source.encode(),
            target.encode(),
            fstype.encode() if fstype else None,
            flags,
            options.encode() if options else None,
        ),
        f"mount {fstype or ''} {target}",
    )


def scratch_bytes(file_size_mb: int) -> int:
    """How much a run's scratch folder may hold: two files of the largest size allowed, and room."""
    return (2 * file_size_mb + 16) << 20


def leave_grader_mounts() -> None:
    """Give the calling thread a mount namespace of its own that shares no mount events."""
    _check(_libc.unshare(CLONE_FS | CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    _mount("none", "/", None, MS_REC | MS_PRIVATE, None)


def mount_private_proc() -> None:
    """A ``/proc`` on which a process sees only its own uid's processes."""
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=invisible")


def mount_scratch(folder: str, size: int, uid: int, gid: int) -> None:
    options = f"size={size},nr_inodes={SCRATCH_INODES},mode=0700,uid={uid},gid={gid}"
    _mount("grader-scratch", folder, "tmpfs", MS_NOSUID | MS_NODEV, options)


@dataclass
class PrivateView:
    """What the starting thread mounts for one run, and the scratch descriptor it leaves behind."""

    scratch: str
    size: int
    uid: int
    fill: Callable[[], None]
    """Copies the submission into the (freshly mounted) scratch folder."""
    proc: bool
    folder_fd: int | None = None
    """A descriptor of the tmpfs's root, for the grader to read the student's files through."""

    def enter(self) -> None:
        """In the starting thread, before the student: mount, fill, keep a descriptor."""
        leave_grader_mounts()
        if self.proc:
            mount_private_proc()
        mount_scratch(self.scratch, self.size, self.uid, self.uid)
        self.fill()
        self.folder_fd = os.open(self.scratch, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)


@dataclass(frozen=True)
class MountSupport:
    scratch: bool
    """A tmpfs may be mounted over the scratch folder (root, or a private user namespace)."""
    proc: bool
    """A ``hidepid`` ``/proc`` may be mounted (root in the machine's own user namespace)."""
    refused: Message | None = None
    """Why nothing may be mounted, where nothing may."""


_probe_lock = threading.Lock()


def detect(no_mounts: bool) -> MountSupport:
    """Try, in a throwaway thread, what may be mounted (the answer is kept by the process's
    :class:`~grader.sandbox.host.HostCapabilities`)."""
    if no_mounts:
        return MountSupport(False, False, msg(Code.MOUNTS_TURNED_OFF))
    if not os.path.exists("/proc/thread-self/ns/mnt"):
        return MountSupport(False, False, msg(Code.MOUNTS_NONE_ON_OS))
    found: list[MountSupport] = []
    folder = tempfile.mkdtemp(prefix="grader-mount-probe-")

    def attempt() -> None:  # a throwaway thread: its mounts vanish with it
        try:
            leave_grader_mounts()
            mount_scratch(folder, 1 << 20, os.geteuid(), os.getegid())
        except OSError as exc:
            found.append(MountSupport(False, False, msg(Code.MOUNTS_REFUSED, error=exc.strerror or str(exc))))
            return
        try:
            mount_private_proc()
            found.append(MountSupport(True, True))
        except OSError:
            found.append(MountSupport(True, False))

    with _probe_lock:
        thread = threading.Thread(target=attempt, name="grader-mount-probe")
        thread.start()
        thread.join()
    os.rmdir(folder)
    return found[0]
