"""Entering namespaces from the grader's own thread: unshare, setns, loopback up."""

from __future__ import annotations

import ctypes
import fcntl
import os
import socket
import struct

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


_libc = ctypes.CDLL(None, use_errno=True)


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
