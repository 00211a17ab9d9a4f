"""The site's one door into the grader: discovery, tasks, executors and renderers.

Every other module of :mod:`grader.serve` goes through these functions and never imports the
grader's batch, task, discovery, result or report modules itself, so when those move the
site changes here only. Results cross this door as the grader's native result JSON
(:class:`~grader.results.models.GradeResult`: facts as codes, no words), stored as it is and rendered
again from it whenever a page or a download is asked for, in the language of whoever asks: a
report graded for a student who chose Chinese reads in English for a teacher who chose English,
without grading again.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
import threading
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from grader.batch.driver import task_options
from grader.messages import msg
from grader.messages.codes import Code
from grader.render.gradebook import gradebook_csv, gradebook_rows
from grader.results.models import GradeResult
from grader.spec.base import localize
from grader.spec.load import load_assignment
from grader.spec.models import Assignment
from grader.submission.discover import discover
from grader.submission.roster import Identity
from grader.task.job import assignment_files, bundle, make_task, unbundle
from grader.task.worker import run_task

UPLOAD_NAME = "upload"
"""The one name an upload is given on disk while discovery reads it (never the student's)."""


@dataclass(frozen=True)
class Upload:
    """What discovery made of an upload: the files to grade, or why they cannot be."""

    files: dict[str, bytes]
    problem: str | None = None


@dataclass(frozen=True)
class Summary:
    status: str
    score: float
    max_score: float


@lru_cache(maxsize=64)
def _spec(folder: Path, mtime: float) -> Assignment:
    return load_assignment(folder)


def spec(folder: Path) -> Assignment:
    """The assignment in ``folder``, read again only when its file changed."""
    path = Path(folder) / "assignment.yaml"
    return _spec(Path(folder), path.stat().st_mtime)


def title(folder: Path, lang: str) -> str:
    return localize(spec(folder).title, lang)


def scenario_ids(folder: Path) -> list[str]:
    return [s.id for s in spec(folder).scenarios]


def entry_name(folder: Path) -> str:
    return spec(folder).student.entry


def read_upload(parts: Iterable[tuple[str, bytes]], folder: Path, lang: str) -> Upload:
    """An upload read with exactly the rules of ``grader batch`` for one student.

    The parts (one ``.py`` or ``.zip``, or the files of a folder with their relative names)
    become one in-memory zip, which discovery then reads as a student's ``.zip``: every
    name is checked there (no absolute paths, no ``..``, no links), sizes and counts are
    capped before anything is decompressed, and the entry file is chosen as batch chooses it.
    Only the fixed name ``upload.zip`` is written, in a private temporary folder.
    """
    parts = list(parts)
    if len(parts) == 1 and parts[0][0].lower().endswith(".zip"):
        data = parts[0][1]
    else:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in parts:
                archive.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), content)
        data = buf.getvalue()
    with tempfile.TemporaryDirectory(prefix="grader-upload-") as tmp:
        root = Path(tmp)
        (root / f"{UPLOAD_NAME}.zip").write_bytes(data)
        found = discover(root, spec(folder), lang=lang).submissions
    if len(found) != 1:
        return Upload({}, "the upload could not be read")
    return Upload(found[0].files, found[0].problem)


def pack(files: dict[str, bytes]) -> bytes:
    """The files as one deterministic zip: the same files give the same bytes (and digest)."""
    return bundle(files)


def unpack(data: bytes) -> dict[str, bytes]:
    return unbundle(data)


class Unavailable(Exception):
    """The Dask cluster cannot be reached: the submission is not the cause and must wait."""


class Grader:
    """Grades one submission at a time per calling thread: warm workers here, or a Dask cluster.

    A cluster that goes away (its scheduler restarted, the network down) must not turn every
    upload into a "not graded" result: a grading that ends with the client cut off from the
    scheduler raises :class:`Unavailable`, and the next grading connects again first.
    """

    def __init__(self, dask: str | None = None, isolation: str = "auto", python: str | None = None) -> None:
        self.isolation, self.python = isolation, python
        self.dask: Any = None
        self.address = dask
        self._connecting = threading.Lock()
        if dask:
            self.dask = self._connect()

    def _connect(self) -> Any:
        from grader.batch.dask_executor import DaskExecutor

        assert self.address is not None
        return DaskExecutor(self.address)

    def _cluster(self) -> Any:
        """The cluster's executor, connected again if the client lost its scheduler."""
        with self._connecting:
            if self.dask.client.status != "running":
                old, self.dask = self.dask, None
                with contextlib.suppress(Exception):
                    old.close()
                try:
                    self.dask = self._connect()
                except Exception as exc:
                    self.dask = old  # closed: the next grading tries again
                    raise Unavailable(f"the Dask cluster {self.address} cannot be reached: {exc}") from None
            return self.dask

    def start(self) -> None:
        """Start the warm pool from the calling (main) thread: a pool dies with its thread."""
        from grader.resident.pool import shared_pool

        if self.dask is None:
            shared_pool()

    def grade(self, student: str, folder: Path, packed: bytes, lang: str) -> tuple[str, float]:
        """The grader's JSON for one submission and how long grading took; never raises for the
        student's fault (a broken or hostile program is a low score, a grader failure a
        "not graded" result)."""
        options = task_options(isolation=self.isolation, lang=lang, python=self.python)
        task = make_task(student, assignment_files(folder), unbundle(packed), options)
        if self.dask is None:
            done = run_task(task)
            return done.results_json, done.duration
        cluster = self._cluster()
        try:
            done = next(iter(cluster.map_unordered([task])))
        except Exception as exc:  # the client could not even send it
            raise Unavailable(f"the Dask cluster {self.address} failed: {type(exc).__name__}: {exc}") from exc
        if cluster.client.status != "running":  # its "not graded" is the lost cluster's, not the student's
            raise Unavailable(f"the Dask cluster {self.address} went away during the grading")
        return done.results_json, done.duration

    def close(self) -> None:
        if self.dask is not None:
            self.dask.close()

    @property
    def kind(self) -> str:
        return f"dask {self.address}" if self.address else "local"


def _result(result_json: str) -> GradeResult:
    return GradeResult.from_json(result_json)


def summary(result_json: str) -> Summary:
    r = _result(result_json)
    return Summary(r.status, r.score, r.max_score)


def not_graded_reason(result_json: str, lang: str) -> str:
    """Why a stored result is not a grade, in the reader's language ("" when it is one)."""
    from grader.render.words import say

    return say(_result(result_json).not_graded_reason, lang)


def render_report(result_json: str, lang: str, *, reveal_hidden: bool) -> str:
    from grader.render.html import render_report as render

    return render(_result(result_json), lang, reveal_hidden=reveal_hidden)


def render_index(results: dict[str, str], links: dict[str, str], *, title: str, lang: str) -> str:
    """The class index of ``grader batch`` over the counting results (student -> JSON)."""
    from grader.render.html import render_index as render

    return render([_result(j) for j in results.values()], links, title=title, lang=lang)


def gradescope_json(result_json: str, lang: str) -> dict[str, Any]:
    """Gradescope's ``results.json`` of one stored result, its words in ``lang``."""
    from grader.platforms.gradescope import results

    return results(_result(result_json), lang)


def gradebook_table(
    results: dict[str, str], ids: list[str], lang: str, names: dict[str, str]
) -> list[list[str]]:
    """The rows of ``grader batch``'s ``grades.csv`` for these results (student -> JSON), its
    headers, statuses and notes in ``lang``, each student's name (the site's roster) in its column."""
    identities = {sid: Identity(name=names.get(sid, "")) for sid in results}
    return gradebook_rows([_result(j) for j in results.values()], ids, lang=lang, identities=identities)


def csv_text(rows: list[list[str]]) -> str:
    """Rows as ``grader batch`` writes ``grades.csv`` (UTF-8 with BOM, CRLF, for Excel)."""
    return gradebook_csv(rows)


def report_csp() -> str:
    from grader.render.html.env import CSP_REPORT

    return CSP_REPORT


def index_csp() -> str:
    from grader.render.html.env import CSP_INDEX

    return CSP_INDEX


def not_graded_json(folder: Path, student: str, error: str, lang: str) -> str:
    """A "not graded: the grader failed: error" result, as the grader writes one for a
    submission it could not grade (the site's fault, so never a zero)."""
    from grader.grade import not_graded

    return not_graded(spec(folder), student, msg(Code.GRADER_FAILED, error=error), lang).to_json()


def new_assignment(assignment_id: str, role: str, root: Path) -> Path:
    """A fresh assignment folder (``grader new``'s scaffold) under ``root/assignments``."""
    from grader.spec.scaffold import create

    create(assignment_id, role, root)  # type: ignore[arg-type]
    return root / "assignments" / assignment_id
