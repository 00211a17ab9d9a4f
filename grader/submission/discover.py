"""Finding the students in a folder of submissions an instructor downloaded.

Each entry of the folder is read on its own, so one folder may mix layouts:

* one folder per student holding the entry file (``alice/client.py``);
* flat files named per student (``alice.py``) and one ``.zip`` per student (``alice.zip``);
* Moodle's bulk download (``Full Name_12345_assignsubmission_file_/``);
* Canvas's bulk download (``name_12345_67890_client.py``, ``name_LATE_12345_67890_client.py``);
* Gradescope's export (``submission_metadata.yml`` naming the ``submission_NNN/`` folders).

Discovery reads every file into memory (submissions are small and capped), so what is graded
is exactly what was checked here, and grading never touches the instructor's folder again.
Anything odd becomes a ``problem`` for that one student ("not graded: why"); nothing here
raises for a student's fault.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from grader.i18n import gettext_for
from grader.spec.models import Assignment
from grader.submission.archives import ArchiveProblem, archive_kind, read_archive
from grader.submission.entry_names import is_python_name
from grader.submission.file_names import fs_name
from grader.submission.files import IGNORED
from grader.submission.reading import check_entry, expand_zips, read_folder, safe_id, unwrap

MOODLE = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_?$")
CANVAS = re.compile(r"^(?P<name>[^_]+?)(?:_late)?_(?P<uid>\d+)_(?P<sub>\d+)_(?P<file>.+)$", re.IGNORECASE)
GRADESCOPE_METADATA = "submission_metadata.yml"
RESERVED = {"index.html", "grades.csv", "con", "nul", "prn", "aux"}
"""Ids that would clash with the batch's own outputs (or with Windows device names)."""


@dataclass
class Found:
    """One student's submission: its files (relative path -> bytes) or why it cannot be graded."""

    student: str
    layout: str
    """folder, file, zip, rar, 7z, moodle, canvas or gradescope."""
    sources: tuple[str, ...]
    """Names of the entries of the submissions folder it was read from."""
    files: dict[str, bytes] = field(default_factory=dict, repr=False)
    problem: str | None = None
    notes: list[str] = field(default_factory=list)
    lms_id: str = ""
    """The LMS's own identifier (Moodle participant, Canvas user, Gradescope SID), if any."""


@dataclass
class Discovery:
    submissions: list[Found]
    ignored: list[str]
    """Entries that are not submissions (stray files), for the instructor to see."""


_Problem = ArchiveProblem
"""A submission that cannot be graded; ``str()`` says why."""


# ------------------------------------------------------------------------------ student ids


# ------------------------------------------------------------------------------ reading files


# ------------------------------------------------------------------------------ layouts


@dataclass
class _Candidate:
    raw_name: str
    layout: str
    sources: list[str]
    read: Callable[[], dict[str, bytes]]
    lms_id: str = ""
    problem: str | None = None


def _gradescope(
    root: Path, only: set[str] | None, _: Callable[[str], str]
) -> tuple[list[_Candidate], set[str]]:
    meta = root / GRADESCOPE_METADATA
    if not meta.is_file():
        return [], set()
    try:
        data = yaml.load(meta.read_text(encoding="utf-8"), Loader=_MetadataLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        data = None
    if not isinstance(data, dict):
        return [], {GRADESCOPE_METADATA}
    found: list[_Candidate] = []
    used = {GRADESCOPE_METADATA}
    for folder, info in sorted(data.items(), key=lambda kv: str(kv[0])):
        folder = str(folder)
        if "/" in folder or folder.startswith(".") or not (root / folder).is_dir():
            continue
        used.add(folder)
        if only is not None and folder not in only:
            continue
        submitters = info.get(":submitters") if isinstance(info, dict) else None
        people = [p for p in submitters or [] if isinstance(p, dict)]
        ids = [
            str(p.get(":sid") or str(p.get(":email") or "").split("@")[0] or p.get(":name") or "")
            for p in people
        ]
        ids = [i for i in ids if i]
        name = "+".join(ids) or folder
        found.append(
            _Candidate(name, "gradescope", [folder], _folder_reader(root / folder, _), lms_id="+".join(ids))
        )
    return found, used


class _MetadataLoader(yaml.SafeLoader):
    """Gradescope's YAML carries Ruby tags (``!ruby/object:BigDecimal``); read them as nothing."""


_MetadataLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def _folder_reader(path: Path, _: Callable[[str], str]) -> Callable[[], dict[str, bytes]]:
    return lambda: unwrap(expand_zips(read_folder(path, _), _))


def _archive_reader(path: Path, kind: str, _: Callable[[str], str]) -> Callable[[], dict[str, bytes]]:
    def read() -> dict[str, bytes]:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise _Problem(_("cannot read {name}: {why}").format(name=path.name, why=exc.strerror)) from None
        return unwrap(read_archive(data, kind, _))

    return read


def _file_reader(path: Path, name: str, _: Callable[[str], str]) -> Callable[[], dict[str, bytes]]:
    def read() -> dict[str, bytes]:
        try:
            return {name: path.read_bytes()}
        except OSError as exc:
            raise _Problem(_("cannot read {name}: {why}").format(name=path.name, why=exc.strerror)) from None

    return read


def _files_reader(parts: list[tuple[Path, str]], _: Callable[[str], str]) -> Callable[[], dict[str, bytes]]:
    """Canvas: several flat files of one student, named after what the student uploaded."""

    def read() -> dict[str, bytes]:
        files: dict[str, bytes] = {}
        for path, name in parts:
            files.update(_file_reader(path, name, _)())
        return unwrap(expand_zips(files, _))

    return read


def _moodle_reader(folders: list[Path], _: Callable[[str], str]) -> Callable[[], dict[str, bytes]]:
    """Moodle: the ``file`` plugin's folder holds the upload; online text is not a program."""

    def read() -> dict[str, bytes]:
        files: dict[str, bytes] = {}
        for folder in folders:
            files.update(read_folder(folder, _))
        return unwrap(expand_zips(files, _))

    return read


def _candidates(
    root: Path, only: set[str] | None, _: Callable[[str], str], exclude: Iterable[Path]
) -> tuple[list[_Candidate], list[str]]:
    excluded = {p.resolve() for p in exclude}
    found, used = _gradescope(root, only, _)
    ignored: list[str] = []
    moodle: dict[str, tuple[str, list[Path], list[str]]] = {}
    canvas: dict[str, tuple[str, list[tuple[Path, str]], list[str]]] = {}
    base = root.resolve()
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        name = fs_name(entry.name)
        if entry.name in used or name.startswith(".") or name in IGNORED:
            continue
        if only is not None and entry.name not in only and name not in only:
            continue
        if entry.resolve() in excluded:
            continue
        if entry.is_symlink():
            target = entry.resolve()
            if not target.is_relative_to(base) or not target.exists():
                stem = Path(name).stem if is_python_name(name) or archive_kind(name) else name
                found.append(
                    _Candidate(
                        stem.removesuffix("."),
                        "symlink",
                        [name],
                        dict,
                        problem=_("{name} is a symbolic link pointing outside the submissions folder").format(
                            name=name
                        ),
                    )
                )
                continue
        if entry.is_dir():
            m = MOODLE.match(name)
            if m:
                key = m["id"]
                person, folders, sources = moodle.setdefault(key, (m["name"], [], []))
                if m["plugin"] == "file":
                    folders.append(entry)
                sources.append(name)
                continue
            found.append(_Candidate(name, "folder", [name], _folder_reader(entry, _)))
        elif entry.is_file():
            m = CANVAS.match(name)
            if m:
                _person, parts, sources = canvas.setdefault(m["uid"], (m["name"], [], []))
                parts.append((entry, m["file"]))
                sources.append(name)
            elif is_python_name(name):
                found.append(_Candidate(Path(name).stem, "file", [name], _file_reader(entry, name, _)))
            elif archive_kind(name):
                kind = archive_kind(name) or "zip"
                found.append(_Candidate(Path(name).stem, kind, [name], _archive_reader(entry, kind, _)))
            else:
                ignored.append(name)
        else:
            ignored.append(name)
    for uid, (person, folders, sources) in sorted(moodle.items()):
        found.append(_Candidate(person, "moodle", sources, _moodle_reader(folders, _), lms_id=uid))
    for uid, (person, parts, sources) in sorted(canvas.items()):
        found.append(_Candidate(person, "canvas", sources, _files_reader(parts, _), lms_id=uid))
    return found, ignored


# ------------------------------------------------------------------------------ the entry point


def discover(
    root: Path,
    assignment: Assignment,
    *,
    lang: str = "en",
    only: Iterable[str] | None = None,
    exclude: Iterable[Path] = (),
) -> Discovery:
    """Every submission in ``root``, in a stable order, each with a unique folder-safe id.

    ``only`` restricts discovery to some entries of ``root`` (one job of a job array);
    ``exclude`` skips paths such as the output folder when it lies inside ``root``.
    """
    _ = gettext_for(lang)
    only_set = set(only) if only is not None else None
    candidates, ignored = _candidates(Path(root), only_set, _, exclude)
    candidates.sort(key=lambda c: (c.sources[0], c.layout))
    submissions: list[Found] = []
    for c in candidates:
        student, tricky = safe_id(c.raw_name)
        found = Found(
            student=student, layout=c.layout, sources=tuple(c.sources), lms_id=c.lms_id, problem=c.problem
        )
        if tricky and found.problem is None:
            found.problem = _(
                "the name {name!r} has characters that are unsafe in a file name; rename it and grade again"
            ).format(name=c.raw_name)
        if found.problem is None:
            try:
                found.files = c.read()
                check_entry(found.files, assignment, _)
            except _Problem as exc:
                found.problem = str(exc)
                found.files = {}
        submissions.append(found)
    _disambiguate(submissions, _)
    return Discovery(submissions=sorted(submissions, key=lambda f: f.student.casefold()), ignored=ignored)


def _disambiguate(submissions: list[Found], _: Callable[[str], str]) -> None:
    """Two submissions with the same id (or a reserved one) get distinct ids, and a note saying so."""
    taken: set[str] = set()
    for found in submissions:
        wanted = found.student
        if wanted.casefold() not in taken and wanted.casefold() not in RESERVED:
            taken.add(wanted.casefold())
            continue
        suffixes = ([found.lms_id] if found.lms_id else []) + [str(n) for n in range(2, 10_000)]
        for suffix in suffixes:
            candidate = f"{wanted}-{suffix}"
            if candidate.casefold() not in taken:
                break
        found.student = candidate
        taken.add(candidate.casefold())
        found.notes.append(
            _("another submission is also named {name} ({sources}); this one is {student}").format(
                name=wanted, sources=", ".join(found.sources), student=candidate
            )
        )
