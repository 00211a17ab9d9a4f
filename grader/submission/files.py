"""A submission on disk -> a clean private copy holding the entry file under its expected name.

Students hand in ``client.py``, ``Client.py``, ``alice_client.py`` or a folder with a stray
``__pycache__``; the grader copies what it needs into a staging folder it owns, so the
original is never touched, symlinks out of the submission are never followed, and every
scenario starts from the same bytes.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from grader.messages import Message, msg
from grader.messages.codes import Code
from grader.spec.models import Assignment
from grader.submission import entry_names
from grader.submission.entry_names import python_files

IGNORED = {"__pycache__", ".git", ".venv", "venv", ".idea", ".vscode", "__MACOSX", ".DS_Store"}
MAX_SUBMISSION_BYTES = 20 << 20


class NotGradable(Exception):
    """The submission cannot be graded at all; ``reason`` says why (``str()``: in English)."""

    def __init__(self, code: Code, /, **args: object) -> None:
        self.reason: Message = msg(code, **args)
        super().__init__(str(self.reason))


@dataclass
class Prepared:
    folder: Path
    entry: str
    digest: str
    """Hash of the files graded, for skipping unchanged submissions."""

    def cleanup(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def choose_entry(names: Iterable[str], assignment: Assignment) -> str | None:
    """Which of these file names is the entry (the one rule: :mod:`grader.submission.entry_names`)."""
    return entry_names.choose_entry(names, [assignment.student.entry, *assignment.student.aliases])


def find_entry(folder: Path, assignment: Assignment) -> Path:
    """The entry file in a folder (see :func:`choose_entry`)."""
    files = {p.name: p for p in folder.iterdir() if p.is_file() and not p.is_symlink()}
    chosen = choose_entry(files, assignment)
    if chosen is not None:
        return files[chosen]
    py = python_files(files)
    if not py:
        raise NotGradable(Code.NO_ENTRY_FILE, entry=assignment.student.entry, folder=folder.name)
    raise NotGradable(Code.WRONG_ENTRY_NAME, count=len(py), entry=assignment.student.entry, files=py)


def prepare(path: Path, assignment: Assignment, staging_root: Path | None = None) -> Prepared:
    """Copy the submission (a file, or a folder holding the entry file) to a private folder."""
    path = Path(path)
    if not path.exists():
        raise NotGradable(Code.NO_SUCH_SUBMISSION, path=str(path))
    if path.is_symlink():
        raise NotGradable(Code.SUBMISSION_IS_SYMLINK, name=path.name)
    staging = Path(tempfile.mkdtemp(prefix="grader-sub-", dir=staging_root))
    try:
        if path.is_file():
            if not entry_names.is_python_name(path.name):
                raise NotGradable(Code.NOT_A_PYTHON_FILE, name=path.name)
            entry_src, files = path, [path]
            base = path.parent
        else:
            entry_src = find_entry(path, assignment)
            base = path
            files = _files(path)
        total = sum(f.stat().st_size for f in files)
        if total > MAX_SUBMISSION_BYTES:
            raise NotGradable(Code.SUBMISSION_TOO_LARGE, mib=total >> 20)
        digest = hashlib.sha256()
        for f in sorted(files):
            rel = f.relative_to(base) if f != entry_src else Path(assignment.student.entry)
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            data = f.read_bytes()
            target.write_bytes(data)
            digest.update(str(rel).encode() + b"\0" + hashlib.sha256(data).digest())
        return Prepared(staging, assignment.student.entry, digest.hexdigest()[:16])
    except NotGradable:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise NotGradable(Code.CANNOT_READ_SUBMISSION, error=exc.strerror or str(exc)) from exc


def _files(folder: Path) -> list[Path]:
    """Regular files under ``folder``, skipping editor and VCS clutter and every symlink."""
    found: list[Path] = []
    for p in folder.rglob("*"):
        if any(part in IGNORED for part in p.relative_to(folder).parts):
            continue
        if p.is_symlink() or not p.is_file():
            continue
        found.append(p)
    return found
