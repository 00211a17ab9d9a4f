"""A run's scratch folder, treated as hostile: reading a student's file, and removing the folder.

Whatever a student leaves in its folder (a FIFO named like the file the grader checks, a
symbolic link to ``/etc/shadow``, a device node, a 5,000-deep chain of folders, a folder it
made unreadable), the grader must neither block, nor follow it, nor recurse into it:

* :func:`read_student_file` walks the path one name at a time from a descriptor of the
  scratch folder (``O_NOFOLLOW`` at every step, so nothing leads outside it), never opens what
  ``lstat`` does not call a regular file, opens with ``O_NONBLOCK`` (a FIFO swapped in between
  cannot block either), checks again with ``fstat`` and reads at most a bound. Anything else
  is a :class:`FileProblem` with a code the report can put in words.
* :func:`remove_tree` never recurses and never raises: each folder's sub-folders are first
  renamed to the top of the tree, so at most two descriptors are open and the depth of the
  tree does not matter; it stops at a deadline rather than spend a batch's time on one tree.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal, TypeVar

from grader.messages import Message, msg
from grader.messages.codes import Code

ProblemCode = Literal["missing", "fifo", "symlink", "folder", "device", "socket", "too_large", "unreadable"]
NOT_A_FILE: dict[str, Code] = {
    "fifo": Code.FILE_IS_FIFO,
    "symlink": Code.FILE_IS_SYMLINK,
    "folder": Code.FILE_IS_FOLDER,
    "device": Code.FILE_IS_DEVICE,
    "socket": Code.FILE_IS_SOCKET,
}
"""The run's fact for each kind of thing that is not a regular file."""
REMOVE_DEADLINE = 20.0
"""Seconds :func:`remove_tree` may spend on one scratch folder."""


@dataclass(frozen=True)
class FileProblem:
    """Why a student's file could not be read as a file: a code and its arguments."""

    code: ProblemCode
    path: str
    size: int = 0
    limit: int = 0

    def reason(self) -> Message:
        """The run's fact for the file step (``file_is_fifo {path}``)."""
        if self.code == "missing":
            return msg(Code.FILE_MISSING)
        if self.code == "too_large":
            return msg(Code.FILE_TOO_LARGE, path=self.path, size=self.size, limit=self.limit)
        if self.code == "unreadable":
            return msg(Code.FILE_UNREADABLE, path=self.path)
        return msg(NOT_A_FILE[self.code], path=self.path)


def _kind(mode: int) -> ProblemCode | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "device"


def _flags(*names: str) -> int:
    """``os.O_*`` flags by name; those this OS lacks (Windows has few) count as none."""
    return os.O_RDONLY | sum(getattr(os, name, 0) for name in names)


_DIR_FLAGS = _flags("O_DIRECTORY", "O_NOFOLLOW", "O_CLOEXEC", "O_NONBLOCK")
_FILE_FLAGS = _flags("O_NOFOLLOW", "O_NONBLOCK", "O_NOCTTY", "O_CLOEXEC")


def open_folder(path: Path | str) -> int:
    """A descriptor of the folder ``path`` itself (not of what a link there points to)."""
    return os.open(path, _DIR_FLAGS)


def read_student_file(folder_fd: int, relative: str, limit: int) -> bytes | FileProblem:
    """The bytes of ``relative`` under the folder ``folder_fd``, or why they cannot be had.

    Never blocks, never follows a link, never reads more than ``limit`` bytes, never raises
    for what the student left there.
    """
    parts = [p for p in PurePosixPath(relative).parts if p not in ("", ".")]
    if not parts or ".." in parts or parts[0] == "/":
        return FileProblem("missing", relative)
    fds: list[int] = []
    try:
        current = folder_fd
        for name in parts[:-1]:
            try:
                current = os.open(name, _DIR_FLAGS, dir_fd=current)
            except FileNotFoundError:
                return FileProblem("missing", relative)
            except OSError:  # ELOOP: a link; ENOTDIR: a file where a folder should be
                return FileProblem("missing", relative)
            fds.append(current)
        try:
            info = os.stat(parts[-1], dir_fd=current, follow_symlinks=False)
        except FileNotFoundError:
            return FileProblem("missing", relative)
        except OSError:
            return FileProblem("unreadable", relative)
        kind = _kind(info.st_mode)
        if kind is not None:
            return FileProblem(kind, relative)
        try:
            fd = os.open(parts[-1], _FILE_FLAGS, dir_fd=current)
        except OSError:  # swapped for a link or a node after the lstat, or no permission
            return FileProblem("unreadable", relative)
        fds.append(fd)
        info = os.fstat(fd)
        kind = _kind(info.st_mode)
        if kind is not None:
            return FileProblem(kind, relative)
        if info.st_size > limit:
            return FileProblem("too_large", relative, info.st_size, limit)
        chunks, total = [], 0
        while total <= limit:
            try:
                chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            except OSError:
                return FileProblem("unreadable", relative)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:  # it grew while being read
            return FileProblem("too_large", relative, total, limit)
        return b"".join(chunks)
    finally:
        for fd in fds:
            os.close(fd)


T = TypeVar("T")


async def in_own_thread(work: Callable[[], T]) -> T:
    """``work()`` on a thread of its own, which has ended when this returns a result.

    Not the event loop's default executor: scenarios waiting there for a port lock may hold
    every one of its threads, and the lock's holder could then never finish its clean-up. Not
    a pool either: a resident checker forks only while it runs no thread. When the caller is
    cancelled the thread is left to finish alone: joining it would stall the event loop, and
    with it every other scenario the loop serves, for as long as the work takes.
    """
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, exc: BaseException | None) -> None:
        if done.done():  # the caller was cancelled meanwhile
            return
        if exc is not None:
            done.set_exception(exc)
        else:
            done.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        try:
            result = work()
        except BaseException as exc:  # handed to the awaiting task
            loop.call_soon_threadsafe(settle, None, exc)
        else:
            loop.call_soon_threadsafe(settle, result, None)

    thread = threading.Thread(target=run, name="grader-scratch", daemon=True)
    thread.start()
    try:
        return await done
    finally:
        if done.done() and not done.cancelled():
            thread.join()  # it has handed over its result: it ends at once


_names = itertools.count()


def remove_tree(path: Path | str, deadline: float = REMOVE_DEADLINE) -> bool:
    """Remove the folder ``path`` and everything in it; True if it is gone. Never raises.

    Sub-folders are renamed to the top of the tree before they are emptied, so neither the
    stack nor the number of open descriptors grows with the depth; a folder the student made
    unreadable is given back its permissions first (it is the grader's or the student's own).
    """
    ends = time.monotonic() + deadline
    try:
        top = open_folder(path)
    except FileNotFoundError:
        return True
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(path)  # a file or a link where the folder was
            return True
        return False
    try:
        pending: list[str | None] = [None]  # None: the top folder itself
        while pending:
            if time.monotonic() > ends:
                return False
            name = pending.pop()
            _empty_folder(top, name, pending)
            if name is not None:
                with contextlib.suppress(OSError):
                    os.rmdir(name, dir_fd=top)
    except Exception:
        return False
    finally:
        os.close(top)
    try:
        os.rmdir(path)
    except FileNotFoundError:
        pass
    except OSError:
        return False
    return True


def _empty_folder(top: int, name: str | None, pending: list[str | None]) -> None:
    """Unlink what is in ``name`` (``top`` itself if None); move its folders up into ``pending``."""
    if name is None:
        fd = os.dup(top)
    else:
        try:
            fd = os.open(name, _DIR_FLAGS, dir_fd=top)
        except PermissionError:
            with contextlib.suppress(OSError):
                os.chmod(name, 0o700, dir_fd=top, follow_symlinks=False)
            try:
                fd = os.open(name, _DIR_FLAGS, dir_fd=top)
            except OSError:
                return
        except OSError:
            return
    try:
        with contextlib.suppress(OSError):
            os.fchmod(fd, 0o700)  # removing entries needs write and search permission
        with os.scandir(fd) as entries:
            names = [(e.name, e.is_dir(follow_symlinks=False)) for e in entries]
        for entry, is_dir in names:
            if not is_dir:
                with contextlib.suppress(OSError):
                    os.unlink(entry, dir_fd=fd)
            elif name is None:
                pending.append(entry)
            else:
                moved = f".grader-rm-{os.getpid()}-{next(_names)}"
                try:
                    os.rename(entry, moved, src_dir_fd=fd, dst_dir_fd=top)
                    pending.append(moved)
                except OSError:
                    continue
    finally:
        os.close(fd)


def folder_usage(path: Path | str, enough: int) -> int:
    """Bytes of disk the tree at ``path`` uses, counted until past ``enough``. Never raises.

    Iterative and by descriptor like :func:`remove_tree`, for the same trees: only where no
    private tmpfs bounds the folder (:mod:`grader.sandbox.mounts`) does the runner need it.
    """
    total = 0
    try:
        pending = [open_folder(path)]
    except OSError:
        return 0
    while pending:
        fd = pending.pop()
        try:
            with os.scandir(fd) as entries:
                for entry in entries:
                    with contextlib.suppress(OSError):
                        total += entry.stat(follow_symlinks=False).st_blocks * 512
                        if entry.is_dir(follow_symlinks=False) and len(pending) < 64:
                            pending.append(os.open(entry.name, _DIR_FLAGS, dir_fd=fd))
        except OSError:
            pass
        finally:
            os.close(fd)
        if total > enough:
            break
    for fd in pending:
        os.close(fd)
    return total
