"""Reading a student's archive (``.zip``, ``.rar``, ``.7z``) into memory, under one set of limits.

Chat groups and course sites carry ``.rar`` and ``.7z`` as often as ``.zip``. Zips are read
with :mod:`zipfile`; RAR (4 and 5) and 7z through libarchive (the C library behind bsdtar,
maintained for twenty years and shipped by every Linux distribution as ``libarchive13``), by
its Python binding ``libarchive-c``. ``rarfile`` would need the non-free ``unrar`` binary and
``py7zr`` covers 7z alone; libarchive reads both in process, with no helper program.

Every format gets the same checks: no absolute paths, ``..`` or drive letters, no symbolic
or hard links, no passwords, at most :data:`MAX_FILES` members and
:data:`~grader.submission.files.MAX_SUBMISSION_BYTES` in all (counted while reading, so an
archive that lies about its sizes stays a problem, not a full disk). A failure is
:class:`ArchiveProblem`, whose text says why, in the student's language.
"""

from __future__ import annotations

import io
import re
import stat
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import PurePosixPath

from grader.submission.file_names import decode_name_bytes, zip_member_name
from grader.submission.files import IGNORED, MAX_SUBMISSION_BYTES

MAX_FILES = 500
ARCHIVE_KINDS = {".zip": "zip", ".rar": "rar", ".7z": "7z"}
"""File-name suffix (lower case) -> the kind of archive, for the messages."""

Translate = Callable[[str], str]


class ArchiveProblem(Exception):
    """The archive cannot be graded; ``str()`` says why."""


def archive_kind(name: str) -> str | None:
    """``zip``, ``rar`` or ``7z`` for a file name ending so (any case), else None."""
    return ARCHIVE_KINDS.get(PurePosixPath(name).suffix.lower())


def safe_member_path(name: str, kind: str, _: Translate) -> str:
    """A member's path, made relative and checked: no absolute paths, ``..``, drives or controls."""
    unsafe = _("the {kind} archive holds an unsafe path: {name}") if kind != "zip" else None
    message = (unsafe or _("the zip holds an unsafe path: {name}")).format(kind=kind, name=name)
    if (
        "\\" in name
        or name.startswith("/")
        or re.match(r"^[A-Za-z]:", name)
        or any(unicodedata.category(c).startswith("C") for c in name)
    ):
        raise ArchiveProblem(message)
    parts = PurePosixPath(name).parts
    if ".." in parts:
        raise ArchiveProblem(message)
    return str(PurePosixPath(*parts)) if parts else ""


def skipped(rel: str) -> bool:
    """Editor, VCS and macOS clutter (``__MACOSX/``, ``.DS_Store``): never part of a submission."""
    return any(part in IGNORED or part.startswith(".") for part in PurePosixPath(rel).parts)


class _Budget:
    """The limits every archive shares, counted as members are read."""

    def __init__(self, _: Translate) -> None:
        self.total = 0
        self.count = 0
        self._ = _

    def add(self, size: int) -> None:
        self.total += size
        self.count += 1
        if self.total > MAX_SUBMISSION_BYTES or self.count > MAX_FILES:
            raise ArchiveProblem(self._("the submission is too large"))


def read_archive(data: bytes, kind: str, _: Translate) -> dict[str, bytes]:
    """The files of an archive of ``kind`` (see :data:`ARCHIVE_KINDS`), every path checked."""
    if kind == "zip":
        return read_zip(data, _)
    return read_libarchive(data, kind, _)


def read_zip(data: bytes, _: Translate) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise ArchiveProblem(_("not a readable zip file")) from None
    files: dict[str, bytes] = {}
    budget = _Budget(_)
    for info in members:
        rel = safe_member_path(zip_member_name(info.filename, info.flag_bits), "zip", _)
        if not rel or info.is_dir() or skipped(rel):
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ArchiveProblem(_("the zip holds a symbolic link: {name}").format(name=info.filename))
        if info.flag_bits & 0x1:
            raise ArchiveProblem(_("the zip is password-protected"))
        budget.add(info.file_size)
        try:
            with archive.open(info) as member:
                content = member.read(MAX_SUBMISSION_BYTES + 1)
        except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError, EOFError):
            raise ArchiveProblem(_("not a readable zip file")) from None
        if len(content) > MAX_SUBMISSION_BYTES:
            raise ArchiveProblem(_("the submission is too large"))
        files[rel] = content
    return files


def read_libarchive(data: bytes, kind: str, _: Translate) -> dict[str, bytes]:
    """A RAR or 7z archive through libarchive; anything it cannot read is a problem, not a crash."""
    try:
        import libarchive
        from libarchive.exception import ArchiveError
    except (ImportError, OSError):  # the binding, or the C library it loads, is missing
        raise ArchiveProblem(
            _("cannot read {kind} archives here: libarchive is not installed").format(kind=kind)
        ) from None
    files: dict[str, bytes] = {}
    budget = _Budget(_)
    try:
        with libarchive.memory_reader(data) as archive:
            for entry in archive:
                name = entry.pathname or ""
                if isinstance(name, bytes):  # not UTF-8: a code page such as GBK
                    name = decode_name_bytes(name) or name.decode("utf-8", "replace")
                rel = safe_member_path(name, kind, _)
                if not rel or entry.isdir or skipped(rel):
                    continue
                if entry.issym or entry.islnk:
                    raise ArchiveProblem(
                        _("the {kind} archive holds a link: {name}").format(kind=kind, name=name)
                    )
                if not entry.isfile:
                    continue
                budget.add(0)
                chunks: list[bytes] = []
                size = 0
                for block in entry.get_blocks():
                    size += len(block)
                    budget.total += len(block)
                    if size > MAX_SUBMISSION_BYTES or budget.total > MAX_SUBMISSION_BYTES:
                        raise ArchiveProblem(_("the submission is too large"))
                    chunks.append(block)
                files[rel] = b"".join(chunks)
    except ArchiveError as exc:
        if "passphrase" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise ArchiveProblem(_("the {kind} archive is password-protected").format(kind=kind)) from None
        raise ArchiveProblem(_("not a readable {kind} archive").format(kind=kind)) from None
    if not files and not data.startswith((b"Rar!", b"7z\xbc\xaf\x27\x1c")):
        raise ArchiveProblem(_("not a readable {kind} archive").format(kind=kind))
    return files
