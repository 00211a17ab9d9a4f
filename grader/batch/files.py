"""The batch's files: one folder per student, each result written atomically, its key last."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from grader.errors import UsageError
from grader.i18n import gettext_for
from grader.results.models import write_atomic
from grader.task.job import (
    TaskResult,
)

KEY_FILE = ".grader-key"


RESULTS_FILE = "results.json"


REPORT_FILE = "report.html"


def student_dir(out: Path, student: str) -> Path:
    return out / student


def stored_key(out: Path, student: str) -> str | None:
    """The key of a complete stored result (key written last), or None."""
    folder = student_dir(out, student)
    try:
        key = (folder / KEY_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not (folder / RESULTS_FILE).is_file() or not (folder / REPORT_FILE).is_file():
        return None
    return key or None


def write_result(out: Path, result: TaskResult) -> None:
    """A student's results, report, then key (last: a result without its key is graded again)."""
    folder = student_dir(out, result.student)
    (folder / KEY_FILE).unlink(missing_ok=True)
    write_atomic(folder / RESULTS_FILE, result.results_json)
    if result.report_html:
        write_atomic(folder / REPORT_FILE, result.report_html)
    if result.key and result.report_html:
        write_atomic(folder / KEY_FILE, result.key + "\n")


GRADER_OUTPUTS = {KEY_FILE, RESULTS_FILE, REPORT_FILE}


def retire_absent_students(out: Path, present: set[str]) -> tuple[list[str], list[str]]:
    """Remove the outputs of students no longer in the submissions folder (renamed, withdrawn).

    Only folders holding nothing but what the grader writes there are removed; a folder with
    any other file (a teacher's notes) is kept and returned second, to be named in the summary.
    """
    removed: list[str] = []
    kept: list[str] = []
    for folder in sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if folder.name in present or not (folder / RESULTS_FILE).is_file():
            continue
        names = {p.name for p in folder.iterdir()}
        if {n for n in names if not n.startswith(".") or n == KEY_FILE} <= GRADER_OUTPUTS:
            for child in folder.iterdir():
                with contextlib.suppress(OSError):
                    child.unlink()
            with contextlib.suppress(OSError):
                folder.rmdir()
            removed.append(folder.name)
        else:
            kept.append(folder.name)
    return removed, kept


def clean_stale_temporaries(out: Path) -> None:
    """Half-written files left by a killed run (``write_atomic``'s ``.NAME.*.tmp``)."""
    for pattern in ("*/.*.tmp", ".*.tmp"):
        for tmp in out.glob(pattern):
            with contextlib.suppress(OSError):
                tmp.unlink()


@contextlib.contextmanager
def locked(out: Path, lang: str) -> Iterator[None]:
    """One batch at a time per output folder (a second one would interleave writes)."""
    _ = gettext_for(lang)
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out / ".grader-batch.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(
                _("another grader batch is writing to {out}; wait for it to finish").format(out=out)
            ) from None
        yield
    finally:
        os.close(fd)
