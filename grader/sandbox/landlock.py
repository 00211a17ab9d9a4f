"""Landlock: the student's program is confined to its scratch folder from its very first instruction.

Why Landlock and not a mount namespace or file permissions:

* it works without root (the grader may run as a teacher's own user), where a mount namespace
  needs root, and permission bits cannot hide world-readable files such as ``reference/``;
* a mount namespace cannot be entered by one thread of the threaded grader (``unshare``
  of ``CLONE_NEWNS`` refuses shared ``fs``), so it would need an extra helper process per
  run; Landlock costs a few system calls (well under a millisecond);
* its ABI 6 also scopes signals and abstract Unix sockets, so a student cannot signal the
  grader or another student's program, even under the same uid.

Landlock confines a thread and whatever it starts, so the sandbox starts each student from
a short-lived thread that first confines itself (see :meth:`grader.sandbox.box.Sandbox.spawn`):
the grader's own threads stay free, and the student's interpreter needs no start-up hook
(a ``sitecustomize`` that did this inside the student's Python cost 4 ms of CPU a run,
mostly ``import ctypes``).

Allowed: read and execute the system and the interpreter (``/usr``, ``/lib*``, ``/bin``,
``/etc``, the interpreter's prefix), read ``/proc``, read and write ``/dev`` files, and
everything inside the working directory (the scratch copy) and the run's own cgroup
folders (which the launch shell joins; their files are root's, so a student cannot change
them). Everything else is refused, whatever its permission bits say.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterable

SYS_CREATE_RULESET = 444  # the same number on every architecture (new-style syscall table)
SYS_ADD_RULE = 445
SYS_RESTRICT_SELF = 446
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1

READ = EXECUTE | READ_FILE | READ_DIR
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV
SYSTEM_PATHS = ("/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin", "/etc")


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def abi_version() -> int:
    """The kernel's Landlock ABI (0: none, or not Linux)."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        result = _libc().syscall(
            SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_RULESET_VERSION)
        )
    except (OSError, AttributeError):
        return 0
    return max(0, int(result))


def _handled(abi: int) -> int:
    rights = (1 << 13) - 1
    if abi >= 2:
        rights |= REFER
    if abi >= 3:
        rights |= TRUNCATE
    if abi >= 5:
        rights |= IOCTL_DEV
    return rights


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def restrict(read_only: Iterable[str], read_write: Iterable[str], devices: Iterable[str]) -> int:
    """Confine the calling thread (and what it starts) to the given trees; return the ABI used."""
    libc = _libc()
    abi = abi_version()
    if abi < 1:
        raise OSError(38, "Landlock is not available")
    handled = _handled(abi)
    attr = _RulesetAttr(handled, 0, SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0)
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    ruleset = libc.syscall(SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"landlock_create_ruleset: {os.strerror(err)}")
    try:
        for paths, rights in (
            (read_only, READ),
            (read_write, handled),
            (devices, READ | WRITE_FILE | (IOCTL_DEV if abi >= 5 else 0)),
        ):
            for path in paths:
                _allow(libc, int(ruleset), path, rights & handled)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"prctl(NO_NEW_PRIVS): {os.strerror(err)}")
        if libc.syscall(SYS_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"landlock_restrict_self: {os.strerror(err)}")
    finally:
        os.close(int(ruleset))
    return abi


def _allow(libc: ctypes.CDLL, ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # a path this system does not have
    try:
        if not os.path.isdir(path):
            rights &= FILE_RIGHTS
        rule = _PathBeneath(rights, fd)
        if (
            libc.syscall(
                SYS_ADD_RULE,
                ctypes.c_int(ruleset),
                ctypes.c_int(RULE_PATH_BENEATH),
                ctypes.byref(rule),
                ctypes.c_uint32(0),
            )
            != 0
        ):
            err = ctypes.get_errno()
            raise OSError(err, f"landlock_add_rule {path}: {os.strerror(err)}")
    finally:
        os.close(fd)


def interpreter_paths(python: str) -> list[str]:
    """Where the interpreter at ``python`` keeps its own files: its folder and its prefix.

    Only those, not every ``sys.path`` entry: a ``.pth`` file of an editable install may
    point into the grader's own project, next to ``reference/``.
    """
    real = os.path.realpath(python)
    found = {os.path.dirname(real), os.path.dirname(os.path.dirname(real))}
    named = os.path.dirname(os.path.dirname(os.path.abspath(python)))
    if os.path.exists(os.path.join(named, "pyvenv.cfg")):  # a virtual environment named as such
        found.add(named)
    return sorted(p for p in found if p and p != "/" and os.path.exists(p))
