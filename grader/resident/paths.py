"""Where a resident checker listens, and how a client knows it may use it.

The client imports this on every ``grader check``, so it takes only modules Python has
already loaded at start-up (no pathlib, tempfile or hashlib: together 20 ms).
"""

from __future__ import annotations

import os
import stat
import sys
import zlib

PACKAGE = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
"""The grader's own source folder: one resident checker per installation."""

DISABLE_ENV = "GRADER_DAEMON"
"""``GRADER_DAEMON=0``: ``grader check`` neither uses nor starts a resident checker;
``GRADER_DAEMON=1``: it starts one even without a terminal (see :mod:`grader.resident.autostart`)."""


class UnsafeFolder(Exception):
    """The folder for the socket exists but others could reach into it."""


def runtime_folder() -> str:
    """A folder only this user can enter: ``$XDG_RUNTIME_DIR``, else one in the temp folder."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    if base and os.path.isdir(base):
        return os.path.join(base, "socket-grader")
    return os.path.join(os.environ.get("TMPDIR") or "/tmp", f"socket-grader-{os.getuid()}")


def install_key() -> str:
    """Tells installations apart (two virtual environments, two clones) in a short name."""
    where = (sys.prefix + "\0" + PACKAGE).encode()
    return f"{zlib.crc32(where):08x}"


def socket_path() -> str:
    return os.path.join(runtime_folder(), f"resident-{install_key()}.sock")


def log_path() -> str:
    return os.path.join(runtime_folder(), f"resident-{install_key()}.log")


def check_folder(folder: str, *, create: bool) -> None:
    """Refuse a folder that is not ours alone: anyone who can reach the socket runs checks as us."""
    if create:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise UnsafeFolder(
            f"{folder} must be a folder owned by uid {os.getuid()} with mode 0700 "
            f"(it is uid {info.st_uid}, mode {stat.S_IMODE(info.st_mode):04o})"
        )


def code_fingerprint() -> str:
    """Changes whenever a file of the grader changes: a resident checker then steps aside.

    Sizes and modification times of every file in the package (about a hundred ``stat``
    calls, under a millisecond), so that an edited or upgraded grader is never answered by
    the old code still loaded in memory.
    """
    import hashlib  # only the resident process needs it

    digest = hashlib.sha256()
    for root, dirs, files in os.walk(PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            path = os.path.join(root, name)
            try:
                info = os.stat(path)
            except OSError:
                continue
            digest.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()
