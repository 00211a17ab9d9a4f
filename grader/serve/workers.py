"""Threads that take submissions from the durable queue and grade them through :mod:`.grading`.

A thread only waits: the grading itself runs in a worker process forked from the warm pool
(or on a Dask cluster), inside the grader's sandbox, exactly as ``grader batch`` runs it.
Threads sleep on an event that every upload sets; an idle one wakes now and then only to
put back work whose lease ran out (another server on the same database died). A heartbeat
thread renews the leases of the gradings this server holds, so a lease can be short (a dead
server's work is taken up within a minute) while a grading may take as long as it needs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from grader.serve import grading, jobs
from grader.serve.blobs import BlobStore
from grader.serve.db import Database, Submission, now

log = logging.getLogger("grader.serve")
IDLE_RECHECK_SECONDS = 30.0
DEFAULT_LEASE = timedelta(seconds=60)
UNAVAILABLE_RETRY_SECONDS = 5.0
"""How long a worker waits before it tries an unreachable Dask cluster again."""


@dataclass
class WorkerState:
    name: str
    submission: str = ""
    """The public id being graded, empty when idle."""
    student: str = ""
    since: datetime | None = None
    graded: int = 0
    claim: str = ""
    """The claim token held while grading (its lease is renewed by the heartbeat)."""


class Workers:
    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        folders: dict[str, Path],
        grader: grading.Grader,
        *,
        count: int,
        on_change: Callable[[], None] = lambda: None,
        lease: timedelta = DEFAULT_LEASE,
    ) -> None:
        self.db, self.blobs, self.folders, self.grader = db, blobs, folders, grader
        self.on_change, self.lease = on_change, lease
        self.states = [WorkerState(f"worker-{n + 1}") for n in range(max(1, count))]
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for state in self.states:
            thread = threading.Thread(target=self._loop, args=(state,), name=state.name, daemon=True)
            thread.start()
            self._threads.append(thread)
        heartbeat = threading.Thread(target=self._heartbeat, name="lease-heartbeat", daemon=True)
        heartbeat.start()
        self._threads.append(heartbeat)

    @property
    def _recheck(self) -> float:
        return min(IDLE_RECHECK_SECONDS, self.lease.total_seconds() / 2)

    def _heartbeat(self) -> None:
        """Renew the held leases three times a lease; a stalled server loses them, a dead one too."""
        while not self._stopping.wait(self.lease.total_seconds() / 3):
            claims = [s.claim for s in self.states if s.claim]
            try:
                jobs.renew(self.db, claims, self.lease)
            except Exception:
                log.exception("cannot renew the leases of running gradings")

    def wake(self) -> None:
        self._wake.set()

    def stop(self, wait: float = 10.0) -> None:
        """Take no more work; a grading still running after ``wait`` is left to start-up recovery."""
        self._stopping.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=wait)

    def _loop(self, state: WorkerState) -> None:
        while not self._stopping.is_set():
            try:
                claimed = jobs.claim(self.db, state.name, self.lease)
            except Exception:
                log.exception("cannot claim from the queue")
                claimed = None
            if claimed is None:
                self._wake.wait(self._recheck)
                self._wake.clear()
                if not self._wake.is_set():
                    try:
                        jobs.recover(self.db, every_running=False)
                    except Exception:  # a thread that died here would grade nothing more
                        log.exception("cannot put back gradings whose lease ran out")
                continue
            self._wake.set()  # more may wait: let an idle sibling look too
            self._grade(state, claimed)

    def _grade(self, state: WorkerState, claimed: jobs.Claimed) -> None:
        state.student, state.since, state.claim = claimed.student_id, now(), claimed.claim
        with self.db() as s:
            sub = s.get(Submission, claimed.id)
            state.submission = sub.public_id if sub else ""
        self.on_change()
        folder = self.folders.get(claimed.assignment_id)
        try:
            if folder is None:
                raise LookupError(f"the assignment {claimed.assignment_id} is no longer in course.yaml")
            packed = self.blobs.get(claimed.digest)
            result_json, duration = self.grader.grade(claimed.student_id, folder, packed, claimed.lang)
        except grading.Unavailable as exc:
            log.warning("%s; submission %s waits in the queue", exc, claimed.id)
            jobs.release(self.db, claimed)
            state.submission, state.student, state.since, state.claim = "", "", None, ""
            self.on_change()
            self._stopping.wait(UNAVAILABLE_RETRY_SECONDS)  # then connect again (or stop)
            return
        except Exception as exc:  # the site's fault, not the student's: say so in the result
            log.exception("grading submission %s failed", claimed.id)
            if folder is None:
                state.submission, state.claim = "", ""
                return
            error = f"{type(exc).__name__}: {exc}"
            result_json, duration = (
                grading.not_graded_json(folder, claimed.student_id, error, claimed.lang),
                0.0,
            )
        got = grading.summary(result_json)
        stored = jobs.finish(
            self.db,
            claimed,
            result_json=result_json,
            status=got.status,
            score=got.score,
            max_score=got.max_score,
            duration=duration,
        )
        if stored:
            state.graded += 1
        state.submission, state.student, state.since, state.claim = "", "", None, ""
        self.on_change()
