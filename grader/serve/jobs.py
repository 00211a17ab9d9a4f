"""The durable grading queue: the ``submissions`` table, claimed by workers with leases.

An accepted upload is committed as ``queued`` before the student is answered. A worker
claims one (``running``, a fresh claim token, a lease) in a transaction; its result is
stored only together with the change to ``done`` and only while its claim still holds, and
``gradings`` has one row at most per (submission, job). So a job is graded exactly once:
a worker killed mid-grading leaves a ``running`` row that start-up (or lease expiry, with
several servers on one PostgreSQL) puts back in the queue, and a late result from a claim
that was taken away is dropped.

Order is fair across students: a submission's ``turn`` is one more than the submissions its
student already has waiting or being graded, and the queue runs by (turn, arrival). One
student uploading ten times does not push the class back; a teacher's regrade of everything
(turn ``REGRADE_TURN``) waits behind the students' own new work.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Result, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from grader.serve.db import Database, Grading, Submission, now

QUEUED, RUNNING, DONE = "queued", "running", "done"
REGRADE_TURN = 1000


def changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed (its result is a cursor's; the type says less)."""
    return cast("CursorResult[Any]", result).rowcount


@dataclass(frozen=True)
class Claimed:
    id: int
    student_id: str
    assignment_id: str
    digest: str
    lang: str
    job: int
    claim: str


def enqueue(
    db: Database,
    *,
    student_id: str,
    assignment_id: str,
    digest: str,
    names: list[str],
    lang: str,
    days_late: int,
) -> tuple[Submission, bool]:
    """Store an accepted upload as queued; the same upload again is the submission already made
    (``False``), however many requests race to make it."""
    with db() as s:
        busy = s.scalar(
            select(func.count()).where(
                Submission.student_id == student_id, Submission.state.in_((QUEUED, RUNNING))
            )
        )
    sub = Submission(
        public_id=secrets.token_urlsafe(16),
        student_id=student_id,
        assignment_id=assignment_id,
        digest=digest,
        names="\n".join(names),
        lang=lang,
        created_at=now(),
        days_late=days_late,
        state=QUEUED,
        turn=1 + (busy or 0),
        job=1,
    )
    try:
        with db.begin() as s:
            s.add(sub)
        return sub, True
    except IntegrityError:
        with db() as s:
            existing = s.scalars(
                select(Submission).where(
                    Submission.student_id == student_id,
                    Submission.assignment_id == assignment_id,
                    Submission.digest == digest,
                )
            ).one()
        return existing, False


def queued_count(s: Session) -> int:
    return s.scalar(select(func.count()).where(Submission.state == QUEUED)) or 0


def submitted_since(s: Session, student_id: str, assignment_id: str, since: datetime) -> list[datetime]:
    return list(
        s.scalars(
            select(Submission.created_at)
            .where(
                Submission.student_id == student_id,
                Submission.assignment_id == assignment_id,
                Submission.created_at > since,
            )
            .order_by(Submission.created_at)
        )
    )


def position(s: Session, submission_id: int) -> int | None:
    """1 for the next to be graded; None when it is not waiting."""
    me = s.get(Submission, submission_id)
    if me is None or me.state != QUEUED:
        return None
    ahead = s.scalar(
        select(func.count()).where(
            Submission.state == QUEUED,
            (Submission.turn < me.turn) | ((Submission.turn == me.turn) & (Submission.id < me.id)),
        )
    )
    return 1 + (ahead or 0)


def claim(db: Database, worker: str, lease: timedelta) -> Claimed | None:
    """Take the next submission in fair order, or None when none waits."""
    token = secrets.token_hex(16)
    with db.begin() as s:
        for _attempt in range(5):
            next_id = s.scalar(
                select(Submission.id)
                .where(Submission.state == QUEUED)
                .order_by(Submission.turn, Submission.id)
                .limit(1)
                .with_for_update(skip_locked=True)  # PostgreSQL: servers pass each other's rows by
            )
            if next_id is None:
                return None
            taken = changed(
                s.execute(
                    update(Submission)
                    .where(Submission.id == next_id, Submission.state == QUEUED)
                    .values(
                        state=RUNNING,
                        claim=token,
                        lease_until=now() + lease,
                        worker=worker,
                        attempts=Submission.attempts + 1,
                    )
                )
            )
            if taken == 1:
                sub = s.get(Submission, next_id)
                assert sub is not None
                return Claimed(
                    sub.id, sub.student_id, sub.assignment_id, sub.digest, sub.lang, sub.job, token
                )
    return None


def finish(
    db: Database,
    claimed: Claimed,
    *,
    result_json: str,
    status: str,
    score: float,
    max_score: float,
    duration: float,
) -> bool:
    """Store the result if the claim still holds (True); a claim lost to a regrade or to
    recovery stores nothing (False)."""
    with db.begin() as s:
        done = changed(
            s.execute(
                update(Submission)
                .where(
                    Submission.id == claimed.id,
                    Submission.claim == claimed.claim,
                    Submission.job == claimed.job,
                    Submission.state == RUNNING,
                )
                .values(state=DONE, claim=None, lease_until=None)
            )
        )
        if done != 1:
            return False
        s.add(
            Grading(
                submission_id=claimed.id,
                job=claimed.job,
                result_json=result_json,
                status=status,
                score=score,
                max_score=max_score,
                graded_at=now(),
                duration=duration,
            )
        )
    return True


def release(db: Database, claimed: Claimed) -> bool:
    """Give a claimed submission back to the queue, ungraded (the grader, not it, was at fault)."""
    with db.begin() as s:
        return (
            changed(
                s.execute(
                    update(Submission)
                    .where(Submission.id == claimed.id, Submission.claim == claimed.claim)
                    .values(state=QUEUED, claim=None, lease_until=None, worker="")
                )
            )
            == 1
        )


def renew(db: Database, claims: list[str], lease: timedelta) -> int:
    """Extend the leases of the gradings these claims hold (a live server's heartbeat)."""
    if not claims:
        return 0
    with db.begin() as s:
        return changed(
            s.execute(
                update(Submission)
                .where(Submission.claim.in_(claims), Submission.state == RUNNING)
                .values(lease_until=now() + lease)
            )
        )


def recover(db: Database, *, every_running: bool) -> int:
    """Put back in the queue what a dead worker held: at start-up of the only server, every
    running submission; otherwise those whose lease ran out. Returns how many."""
    condition = Submission.state == RUNNING
    if not every_running:
        condition = condition & (Submission.lease_until < now())
    with db.begin() as s:
        return changed(s.execute(update(Submission).where(condition).values(state=QUEUED, claim=None)))


def regrade(s: Session, submission_ids: list[int]) -> int:
    """Grade these again (a new job each); a running grading's result will be dropped."""
    if not submission_ids:
        return 0
    return changed(
        s.execute(
            update(Submission)
            .where(Submission.id.in_(submission_ids), Submission.state != QUEUED)
            .values(state=QUEUED, job=Submission.job + 1, turn=REGRADE_TURN, claim=None, lease_until=None)
        )
    )


def latest_grading(s: Session, submission_id: int) -> Grading | None:
    return s.scalars(
        select(Grading).where(Grading.submission_id == submission_id).order_by(Grading.job.desc()).limit(1)
    ).first()


def running(s: Session) -> list[Submission]:
    return list(s.scalars(select(Submission).where(Submission.state == RUNNING).order_by(Submission.id)))
