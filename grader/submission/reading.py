"""Reading one submission's files: a folder, zips inside it, a single wrapping folder, the entry file."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

from grader.spec.models import Assignment
from grader.submission.archives import MAX_FILES, ArchiveProblem, archive_kind, read_archive, skipped
from grader.submission.entry_names import python_files
from grader.submission.file_names import fs_name
from grader.submission.files import MAX_SUBMISSION_BYTES, choose_entry

_UNSAFE_CHARS = set('/\\:*?"<>|')


def safe_id(raw: str) -> tuple[str, bool]:
    """A folder-safe student id from a name in a layout, and whether the name was suspicious.

    Letters of every script are kept (``张三`` stays ``张三``); spaces become ``_``; path
    separators, control characters and leading dots or dashes are replaced or dropped.
    """
    name = unicodedata.normalize("NFC", raw)
    tricky = (
        any(unicodedata.category(c).startswith("C") or c in "/\\" for c in name)
        or name.strip().startswith((".", "-"))
        or ".." in name
    )
    out = []
    for c in name:
        if unicodedata.category(c).startswith("C") or c in _UNSAFE_CHARS or c.isspace():
            out.append("_")
        else:
            out.append(c)
    cleaned = re.sub(r"_+", "_", "".join(out)).replace("..", "_")
    cleaned = cleaned.lstrip("._-").rstrip(". _")[:80] or "student"
    return cleaned, tricky


def read_folder(folder: Path, _: Callable[[str], str]) -> dict[str, bytes]:
    """Regular files under ``folder``; a symlink leading out of it is a problem, others are skipped."""
    base = folder.resolve()
    files: dict[str, bytes] = {}
    total = 0
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        here = Path(dirpath)
        dirnames.sort()
        for name in sorted(filenames) + [d for d in dirnames if (here / d).is_symlink()]:
            path = here / name
            rel = "/".join(fs_name(part) for part in path.relative_to(folder).parts)
            if skipped(rel):
                continue
            if path.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(base):
                    raise ArchiveProblem(
                        _("{name} is a symbolic link pointing outside the submission").format(name=rel)
                    )
                continue
            if not path.is_file():
                continue
            if "\\" in rel or any(unicodedata.category(c).startswith("C") for c in rel):
                raise ArchiveProblem(
                    _(
                        "the name {name!r} has characters that are unsafe in a file name; "
                        "rename it and grade again"
                    ).format(name=rel)
                )
            try:
                content = path.read_bytes()
            except OSError as exc:
                raise ArchiveProblem(
                    _("cannot read {name}: {why}").format(name=rel, why=exc.strerror or exc)
                ) from None
            total += len(content)
            if total > MAX_SUBMISSION_BYTES or len(files) >= MAX_FILES:
                raise ArchiveProblem(_("the submission is too large"))
            files[rel] = content
        dirnames[:] = [d for d in dirnames if not (here / d).is_symlink()]
    return files


def expand_zips(files: dict[str, bytes], _: Callable[[str], str]) -> dict[str, bytes]:
    """A student who uploaded only an archive (Canvas, Moodle, Gradescope): grade what is inside it."""
    top = [n for n in files if "/" not in n]
    kind = archive_kind(top[0]) if len(top) == 1 and len(files) == 1 else None
    if kind is not None:
        return read_archive(files[top[0]], kind, _)
    return files


def unwrap(files: dict[str, bytes]) -> dict[str, bytes]:
    """Strip folders that wrap everything (``alice.zip`` holding ``alice/hw1/client.py``)."""
    for _level in range(4):
        if not files or any("/" not in n for n in files):
            return files
        heads = {n.split("/", 1)[0] for n in files}
        if len(heads) != 1:
            return files
        files = {n.split("/", 1)[1]: data for n, data in files.items()}
    return files


def check_entry(files: dict[str, bytes], assignment: Assignment, _: Callable[[str], str]) -> None:
    """The grader's rules for the entry file (see ``submission.find_entry``), checked early."""
    entry = assignment.student.entry
    top = [n for n in files if "/" not in n]
    if choose_entry(top, assignment) is not None:
        return
    py = python_files(top)
    if not files:
        raise ArchiveProblem(_("the submission is empty"))
    if not py:
        raise ArchiveProblem(
            _("no {entry} in the submission (found: {names})").format(
                entry=entry, names=", ".join(sorted(files)[:5])
            )
        )
    raise ArchiveProblem(
        _("{count} Python files and none named {entry} ({names}): which one is it?").format(
            count=len(py), entry=entry, names=", ".join(py)
        )
    )
