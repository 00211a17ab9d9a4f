"""The site's state, with no HTTP in it: the database, blobs and workers, and reading submissions.

Every read that concerns a student takes the student's id from their session, never from
the request, and every lookup of a submission is by (public id, owner), so one student's
page can never be made to show another's work.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import io
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from grader.serve import grading, jobs
from grader.serve.blobs import BlobStore
from grader.serve.config import CourseFolder, Offered
from grader.serve.db import (
    Extension,
    Grading,
    Submission,
    database_url,
    make_engine,
    now,
    session_factory,
)
from grader.serve.migrations import upgrade
from grader.serve.signin_limits import SigninLimits
from grader.serve.workers import DEFAULT_LEASE, Workers

log = logging.getLogger("grader.serve")
SESSION_DAYS = 14
TEACHER_HASH = "teacher_password_hash"
ROSTER_DIGEST = "roster_digest"


class Refused(Exception):
    """An action the site will not do, with a message id and its arguments (words come later)."""

    def __init__(self, status: int, message: str, **args: object) -> None:
        super().__init__(message)
        self.status, self.message, self.args_ = status, message, args


@dataclass(frozen=True)
class Who:
    kind: str
    student_id: str | None
    csrf: str
    name: str = ""

    @property
    def sid(self) -> str:
        """The student's id; only pages guarded for students ask, and a student always has one."""
        if self.student_id is None:
            raise LookupError("a teacher has no student id")
        return self.student_id


@dataclass
class Row:
    """One submission as a page shows it."""

    sub: Submission
    grading: Grading | None
    position: int | None = None
    counts: bool = False
    factor: float = 1.0

    @property
    def score(self) -> float | None:
        if self.grading is None or self.grading.status != "graded":
            return None
        return round(self.grading.score * self.factor, 4)


@dataclass
class SiteBase:
    """The site's state (database, blobs, workers), its life, and reading submissions."""

    folder: CourseFolder
    db_url: str | None = None
    workers_count: int = 2
    dask: str | None = None
    isolation: str = "auto"
    python: str | None = None
    public_url: str = "http://127.0.0.1:8000"
    lease: timedelta = DEFAULT_LEASE
    """How long a grading held by a server that stopped renewing it waits before another takes it."""
    on_change: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.folder.state.mkdir(parents=True, exist_ok=True)
        self.blobs = BlobStore(self.folder.state / "blobs")
        self.engine = make_engine(database_url(self.folder.state, self.db_url))
        self.db = session_factory(self.engine)
        # Failed sign-ins per account (10) and per address (50, passwords and links) in ten minutes.
        self.signin_limits = SigninLimits(self.db)
        self._lock_fd: int | None = None
        self.grader: grading.Grader | None = None
        self.workers: Workers | None = None

    # ------------------------------------------------------------------ life

    def open(self) -> None:
        """Migrate, take the course's lock (SQLite), load the roster, put back interrupted gradings."""
        if self.db_url is None:
            self._take_lock()
        upgrade(self.engine)
        self.sync_roster()
        recovered = jobs.recover(self.db, every_running=self.db_url is None)
        if recovered:
            log.warning("%d interrupted gradings put back in the queue", recovered)

    def sync_roster(self) -> None:
        """Load the course's roster into the database (the accounts part of the site does it)."""
        raise NotImplementedError

    def start_workers(self) -> None:
        self.grader = grading.Grader(self.dask, isolation=self.isolation, python=self.python)
        self.grader.start()
        folders = {k: o.folder for k, o in self.folder.offered.items()}
        self.workers = Workers(
            self.db,
            self.blobs,
            folders,
            self.grader,
            count=self.workers_count,
            on_change=self.changed,
            lease=self.lease,
        )
        self.workers.start()

    def close(self) -> None:
        if self.workers is not None:
            self.workers.stop()
        if self.grader is not None:
            self.grader.close()
        self.engine.dispose()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _take_lock(self) -> None:
        """One server per course folder on SQLite: start-up recovery may then requeue every
        running grading, since no other server can be holding it. (On PostgreSQL servers may
        share the folder, and its blobs; recovery there goes by leases.)"""
        fd = os.open(self.folder.state / "serve.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise Refused(409, "another grader serve is running for this course folder") from None
        self._lock_fd = fd

    def changed(self) -> None:
        for callback in list(self.on_change):
            with contextlib.suppress(Exception):
                callback()

    # ------------------------------------------------------------------ roster and teacher

    # ------------------------------------------------------------------ sessions

    # ------------------------------------------------------------------ assignments and dates

    def due_for(self, s: object, student_id: str, offered: Offered) -> datetime:
        ext = s.get(Extension, (student_id, offered.id))  # type: ignore[attr-defined]
        return ext.due if ext is not None else offered.due

    def open_assignments(self, at: datetime | None = None) -> list[Offered]:
        at = at or now()
        return [o for o in self.folder.offered.values() if o.opens <= at]

    def offered(self, assignment_id: str, *, for_teacher: bool = False) -> Offered:
        o = self.folder.offered.get(assignment_id)
        if o is None or (not for_teacher and o.opens > now()):
            raise Refused(404, "no such page")
        return o

    # ------------------------------------------------------------------ submitting

    def submit(
        self, student_id: str, assignment_id: str, parts: list[tuple[str, bytes]], lang: str
    ) -> tuple[Submission, bool]:
        offered = self.offered(assignment_id)
        at = now()
        limits = self.folder.course.limits
        with self.db() as s:
            due = self.due_for(s, student_id, offered)
            if at > offered.last_accepted(due):
                raise Refused(403, "the due date has passed; submissions are closed")
            recent = jobs.submitted_since(s, student_id, assignment_id, at - timedelta(hours=1))
            per_hour = self.folder.course.submissions_per_hour
            if len(recent) >= per_hour:
                next_at = recent[-per_hour] + timedelta(hours=1)
                raise Refused(
                    429,
                    "you have submitted {n} times in the last hour; you can submit again at {time}",
                    n=per_hour,
                    time=next_at,
                )
            if jobs.queued_count(s) >= limits.queue:
                raise Refused(503, "the grading queue is full; try again in a minute")
        if not parts:
            raise Refused(400, "choose a file to upload")
        if len(parts) > limits.upload_files:
            raise Refused(413, "too many files (at most {n})", n=limits.upload_files)
        upload = grading.read_upload(parts, offered.folder, lang)
        if upload.problem is not None:
            raise Refused(400, "this upload cannot be graded: {why}", why=upload.problem)
        packed = grading.pack(upload.files)
        digest = self.blobs.put(packed)
        sub, created = jobs.enqueue(
            self.db,
            student_id=student_id,
            assignment_id=assignment_id,
            digest=digest,
            names=sorted(upload.files),
            lang=lang,
            days_late=offered.days_late(at, due),
        )
        if created:
            self.changed()
            if self.workers is not None:
                self.workers.wake()
        return sub, created

    # ------------------------------------------------------------------ reading

    def rows(self, student_id: str, assignment_id: str) -> list[Row]:
        """The student's submissions to one assignment, newest first, the counting one marked."""
        offered = self.folder.offered[assignment_id]
        with self.db() as s:
            subs = list(
                s.scalars(
                    select(Submission)
                    .where(Submission.student_id == student_id, Submission.assignment_id == assignment_id)
                    .order_by(Submission.id.desc())
                )
            )
            rows = []
            for sub in subs:
                row = Row(
                    sub,
                    jobs.latest_grading(s, sub.id),
                    factor=max(0.0, 1 - offered.late.penalty_per_day * sub.days_late),
                )
                if sub.state == jobs.QUEUED:
                    row.position = jobs.position(s, sub.id)
                rows.append(row)
        counting = self.counting(rows)
        if counting is not None:
            counting.counts = True
        return rows

    def counting(self, rows: list[Row]) -> Row | None:
        done = [r for r in rows if r.grading is not None]
        if not done:
            return None
        if self.folder.course.counts == "best":
            graded = [r for r in done if r.score is not None]
            if graded:
                return max(graded, key=lambda r: (r.score, r.sub.id))
        return max(done, key=lambda r: r.sub.id)

    def submission(self, public_id: str, student_id: str | None) -> Row:
        """A submission by its public id; for a student, only their own (others are "no such page")."""
        with self.db() as s:
            sub = s.scalars(select(Submission).where(Submission.public_id == public_id)).first()
            if sub is None or (student_id is not None and sub.student_id != student_id):
                raise Refused(404, "no such page")
            offered = self.folder.offered.get(sub.assignment_id)
            factor = 1.0
            if offered is not None:
                factor = max(0.0, 1 - offered.late.penalty_per_day * sub.days_late)
            row = Row(sub, jobs.latest_grading(s, sub.id), factor=factor)
            if sub.state == jobs.QUEUED:
                row.position = jobs.position(s, sub.id)
            return row

    def reveal_for_student(self, row: Row) -> bool:
        """Hidden scenarios are shown to a student once their (possibly extended) due date passed."""
        offered = self.folder.offered.get(row.sub.assignment_id)
        if offered is None:
            return False
        with self.db() as s:
            return now() > self.due_for(s, row.sub.student_id, offered)

    def uploaded(self, row: Row) -> tuple[str, bytes, str]:
        """The files graded for this submission as (file name, bytes, media type), to download:
        one file as itself, several as the zip the site stored."""
        packed = self.blobs.get(row.sub.digest)
        files = grading.unpack(packed)
        if len(files) == 1:
            ((name, data),) = files.items()
            return name.rsplit("/", 1)[-1], data, "application/octet-stream"
        return f"{row.sub.assignment_id}-{row.sub.public_id[:8]}.zip", packed, "application/zip"

    def report_html(self, row: Row, lang: str, *, teacher: bool) -> str:
        if row.grading is None:
            raise Refused(404, "no such page")
        reveal = teacher or self.reveal_for_student(row)
        return grading.render_report(row.grading.result_json, lang, reveal_hidden=reveal)

    # ------------------------------------------------------------------ the teacher


def links_csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()
