"""One grading job as bytes in, results out: the unit every executor (threads, Dask, a job array) runs.

A :class:`Task` carries everything as bytes (the assignment folder and the submission, both
zipped), so it can travel to another machine, and :func:`run_task` grades it in a fresh
worker process (forked from this process's warm pool, :mod:`grader.resident.pool`, or a new
``python -m grader.task.job``): namespaces, memory limits and any crash stay out of the caller,
and a worker that dies or hangs costs one not-graded result, never the batch.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from grader import __version__
from grader.messages import Message
from grader.results.models import GradeResult
from grader.spec.fixtures import FIXTURE_FOLDER
from grader.spec.models import Assignment
from grader.submission.files import IGNORED

TASK_FORMAT = "grader-task/2"
"""Part of every key: version 2 results hold codes, not words (results of version 1 are regraded)."""
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Task:
    """Everything a grading job needs, as bytes: picklable, no paths into the driver's disk."""

    student: str
    key: str
    """Hash of (spec, submission, grader version, options, student): unchanged work is skipped."""
    assignment_bundle: bytes
    submission_bundle: bytes
    options: dict[str, Any]
    """isolation, lang, python (str | None), reveal_hidden."""


@dataclass(frozen=True)
class TaskResult:
    student: str
    key: str
    """The task's key; empty when the result must not be reused (the grader failed, not the student)."""
    results_json: str
    """The :class:`GradeResult` as JSON (the grader's own format)."""
    report_html: str
    duration: float

    def result(self) -> GradeResult:
        """The results, parsed once (the driver asks three times: report, check, summary)."""
        parsed = self.__dict__.get("_parsed")
        if parsed is None:
            parsed = GradeResult.from_json(self.results_json)
            object.__setattr__(self, "_parsed", parsed)
        return parsed

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (to and from Dask workers) without the parsed copy."""
        return {k: v for k, v in self.__dict__.items() if k != "_parsed"}


# ------------------------------------------------------------------------------ bundles and keys


def bundle(files: dict[str, bytes]) -> bytes:
    """A deterministic zip (sorted names, fixed times): the same files give the same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buf.getvalue()


def unbundle(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}


def extract(data: bytes, folder: Path) -> None:
    """Write a bundle's files under ``folder``, refusing any path that would leave it."""
    for name, content in unbundle(data).items():
        parts = PurePosixPath(name).parts
        if not parts or name.startswith("/") or ".." in parts or "\\" in name:
            raise ValueError(f"unsafe path in bundle: {name!r}")
        target = folder.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def assignment_files(path: Path) -> dict[str, bytes]:
    """The assignment folder's files that grading may read: not ``manifest.yaml`` (for ``validate``)
    nor documentation, so editing a README does not make a whole class be graded again; the
    fixture files under ``files/`` all, ``.md`` ones too (a server may be asked to serve one)."""
    path = Path(path)
    if path.is_file():
        return {"assignment.yaml": path.read_bytes()}
    files: dict[str, bytes] = {}
    for p in sorted(path.rglob("*")):
        rel = p.relative_to(path)
        if any(part in IGNORED or part.startswith(".") for part in rel.parts) or p.is_symlink():
            continue
        documentation = p.suffix.lower() == ".md" and rel.parts[0] != FIXTURE_FOLDER
        if p.is_file() and rel.as_posix() != "manifest.yaml" and not documentation:
            files[rel.as_posix()] = p.read_bytes()  # a fixture is served, whatever its name
    return files


def files_digest(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return h.hexdigest()


def task_key(
    student: str, assignment: dict[str, bytes], submission: dict[str, bytes], options: dict[str, Any]
) -> str:
    """What decides a result: the spec, the files, the grader's version, the options and the id."""
    h = hashlib.sha256()
    for part in (
        TASK_FORMAT,
        __version__,
        student,
        files_digest(assignment),
        files_digest(submission),
        json.dumps(options, sort_keys=True),
    ):
        h.update(part.encode() + b"\0")
    return h.hexdigest()[:32]


def make_task(
    student: str, assignment: dict[str, bytes], submission: dict[str, bytes], options: dict[str, Any]
) -> Task:
    return Task(
        student=student,
        key=task_key(student, assignment, submission, options),
        assignment_bundle=bundle(assignment),
        submission_bundle=bundle(submission),
        options=dict(options),
    )


@lru_cache(maxsize=8)
def load_bundled_assignment(assignment_bundle: bytes) -> Assignment:
    from grader.spec.load import load_assignment

    with tempfile.TemporaryDirectory(prefix="grader-spec-") as tmp:
        extract(assignment_bundle, Path(tmp))
        return load_assignment(Path(tmp))


def wall_limit(assignment: Assignment) -> float:
    """Generous: every scenario to its own time limit one after the other, plus start-up."""
    return 60.0 + sum(s.timeout or assignment.timeouts.scenario for s in assignment.scenarios)


# ------------------------------------------------------------------------------ the driver's side


def not_graded_result(
    task: Task, why: Message, duration: float = 0.0, *, reusable: bool = False
) -> TaskResult:
    """A result saying the grader (not the student) failed; not reused by later runs."""
    from grader.grade import not_graded

    try:
        assignment = load_bundled_assignment(task.assignment_bundle)
    except Exception:  # an unreadable spec bundle is reported, not raised
        result = GradeResult(
            assignment="?",
            assignment_title="?",
            student=task.student,
            score=0,
            max_score=0,
            status="not_graded",
            not_graded_reason=why,
        )
        return TaskResult(task.student, task.key if reusable else "", result.to_json(), "", duration)
    result = not_graded(assignment, task.student, why, task.options.get("lang", "en"))
    return TaskResult(
        task.student,
        task.key if reusable else "",
        result.to_json(),
        render_html(result, task.options),
        duration,
    )


def with_report(done: TaskResult, options: dict[str, Any]) -> TaskResult:
    """The worker's result with its HTML report; without a key if the report cannot be made."""
    from dataclasses import replace

    try:
        result = done.result()
        html = render_html(result, options)
    except Exception as exc:  # unreadable results: the caller reports it
        raise ValueError(f"unreadable results: {exc}") from exc
    finished = replace(done, report_html=html, key=done.key if html else "")
    object.__setattr__(finished, "_parsed", result)
    return finished


def render_html(result: GradeResult, options: dict[str, Any]) -> str:
    """The per-student report; empty (and no key is stored, so a later run retries) if it fails."""
    try:
        from grader.render.html import render_report

        return render_report(
            result, options.get("lang", "en"), reveal_hidden=bool(options.get("reveal_hidden", False))
        )
    except Exception as exc:  # a report bug must not cost the student's result or the batch
        print(
            f"grader: cannot render the report of {result.student}: {type(exc).__name__}: {exc}",
            file=sys.stderr,
        )
        return ""


# ------------------------------------------------------------------------------ the worker's side
