"""The durable queue: fair order, positions, claims that fence, and a crash mid-grading.

Each runs on SQLite and on a throwaway PostgreSQL cluster (the ``database`` fixture).
"""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from grader.serve import jobs
from grader.serve.db import Base, Grading, make_engine, session_factory
from grader.serve.db import Student as StudentRow
from grader.serve.migrations import upgrade

from .serve_helpers import CORRECT, HANGS, Server, Student, http_client, write_course


def _queue(tmp_path: Path, database: str | None):
    engine = make_engine(database or f"sqlite:///{tmp_path / 'q.db'}")
    upgrade(engine)
    db = session_factory(engine)
    with db.begin() as s:
        for sid in ("a", "b", "c"):
            s.add(StudentRow(id=sid, name=sid))
    return db


def _add(db, student: str, n: int):
    return jobs.enqueue(
        db,
        student_id=student,
        assignment_id="x",
        digest=f"{student}{n}".ljust(64, "0"),
        names=[],
        lang="en",
        days_late=0,
    )[0]


def test_one_student_cannot_push_the_class_back(tmp_path: Path, database: str | None) -> None:
    db = _queue(tmp_path, database)
    a = [_add(db, "a", n) for n in range(3)]
    b1, c1 = _add(db, "b", 1), _add(db, "c", 1)
    with db() as s:
        assert [jobs.position(s, x.id) for x in (a[0], b1, c1, a[1], a[2])] == [1, 2, 3, 4, 5]
    order = []
    while (got := jobs.claim(db, "w", timedelta(minutes=1))) is not None:
        order.append(got.id)
    assert order == [a[0].id, b1.id, c1.id, a[1].id, a[2].id]


def test_the_same_upload_is_one_submission(tmp_path: Path, database: str | None) -> None:
    db = _queue(tmp_path, database)
    first, created = jobs.enqueue(
        db, student_id="a", assignment_id="x", digest="d" * 64, names=[], lang="en", days_late=0
    )
    again, created_again = jobs.enqueue(
        db, student_id="a", assignment_id="x", digest="d" * 64, names=[], lang="en", days_late=0
    )
    assert created and not created_again and again.id == first.id


def test_a_result_is_stored_only_while_its_claim_holds(tmp_path: Path, database: str | None) -> None:
    db = _queue(tmp_path, database)
    sub = _add(db, "a", 1)
    claimed = jobs.claim(db, "w1", timedelta(minutes=1))
    assert claimed is not None
    with db.begin() as s:
        assert jobs.regrade(s, [sub.id]) == 1  # the teacher asks again while it runs
    late = dict(result_json="{}", status="graded", score=1, max_score=1, duration=0)
    assert not jobs.finish(db, claimed, **late)  # the old grading's result is dropped
    again = jobs.claim(db, "w2", timedelta(minutes=1))
    assert again is not None and again.job == 2
    assert jobs.finish(db, again, **late)
    assert not jobs.finish(db, again, **late)  # never twice


def test_recovery_puts_back_what_a_dead_worker_held(tmp_path: Path, database: str | None) -> None:
    db = _queue(tmp_path, database)
    _add(db, "a", 1)
    assert jobs.claim(db, "w", timedelta(minutes=1)) is not None
    assert jobs.recover(db, every_running=False) == 0  # its lease still runs
    assert jobs.recover(db, every_running=True) == 1  # start-up of the only server
    assert jobs.claim(db, "w", timedelta(minutes=1)) is not None


def test_a_live_server_keeps_its_leases_a_dead_one_loses_them(tmp_path: Path, database: str | None) -> None:
    db = _queue(tmp_path, database)
    _add(db, "a", 1)
    _add(db, "b", 1)
    held = jobs.claim(db, "w1", timedelta(0))  # leases that have run out already
    lost = jobs.claim(db, "w2", timedelta(0))
    assert held is not None and lost is not None
    assert jobs.renew(db, [held.claim], timedelta(minutes=1)) == 1  # the heartbeat of w1's server
    assert jobs.recover(db, every_running=False) == 1  # only the one nobody renewed
    again = jobs.claim(db, "w3", timedelta(minutes=1))
    assert again is not None and again.id == lost.id
    assert not jobs.finish(db, lost, result_json="{}", status="graded", score=1, max_score=1, duration=0)


def test_workers_racing_for_the_queue_take_each_submission_once(tmp_path: Path, database: str | None) -> None:
    db = _queue(tmp_path, database)
    subs = {_add(db, student, n).id for n in range(15) for student in ("a", "b", "c")}
    taken: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker(name: str) -> None:
        try:
            barrier.wait()
            while (got := jobs.claim(db, name, timedelta(minutes=1))) is not None:
                assert jobs.finish(
                    db, got, result_json="{}", status="graded", score=1, max_score=1, duration=0
                )
                taken.append(got.id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(taken) == sorted(subs)  # every one, none twice
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Grading)) == len(subs)


def test_the_same_upload_racing_itself_is_one_submission(tmp_path: Path, database: str | None) -> None:
    db = _queue(tmp_path, database)
    made: list[tuple[int, bool]] = []
    barrier = threading.Barrier(8)

    def submit() -> None:
        barrier.wait()
        sub, created = jobs.enqueue(
            db, student_id="a", assignment_id="x", digest="e" * 64, names=[], lang="en", days_late=0
        )
        made.append((sub.id, created))

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 8 and len({i for i, _c in made}) == 1
    assert [c for _i, c in made].count(True) == 1


def test_a_second_server_on_a_sqlite_course_is_refused(tmp_path: Path) -> None:
    from grader.serve.config import load_course
    from grader.serve.site import Site
    from grader.serve.site_base import Refused

    course = write_course(tmp_path / "course")
    first = Site(load_course(course))
    first.open()
    try:
        with pytest.raises(Refused) as refused:
            Site(load_course(course)).open()
        assert refused.value.status == 409
    finally:
        first.close()
    again = Site(load_course(course))
    again.open()  # the lock went with the first server
    again.close()


def test_the_migrations_make_the_models_schema(tmp_path: Path, database: str | None) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = create_engine(database or f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_a_server_killed_mid_grading_grades_it_once_after_restart(
    tmp_path: Path, database: str | None
) -> None:
    """SIGKILL while a hanging submission is being graded, with more waiting behind it:
    after a restart every accepted submission is graded, each exactly once. On SQLite the
    restarted server (the only one: it holds the course's lock) puts the grading back at
    once; on PostgreSQL, where other servers may share the database, when its lease runs out."""
    course = write_course(tmp_path / "course")
    lease = ("--lease", "3")
    server = Server(course, workers=1, database=database, extra=lease).start()
    try:
        alice = Student(http_client(server.url))
        alice.sign_in("alice")
        assert alice.submit(HANGS).status_code == 200
        assert alice.submit(CORRECT).status_code == 200
        hanging, waiting = alice.ids
        known = ""
        while (got := alice.status(hanging))["state"] != "running":
            got = alice.http.get(f"/s/{hanging}/status", params={"known": known}).json()
            known = got["etag"]
        assert alice.status(waiting)["position"] == 1
        server.kill()
    finally:
        server.stop()
    restarted = Server(course, workers=1, database=database, extra=lease).start()
    try:
        alice.http = http_client(restarted.url)
        alice.sign_in("alice")
        for pid in (hanging, waiting):
            alice.wait_done(pid, seconds=180)
    finally:
        restarted.stop()
    engine = create_engine(database or f"sqlite:///{course / '.grader-site' / 'site.db'}")
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT s.public_id, s.state, s.attempts, COUNT(g.id) FROM submissions s "
                "LEFT JOIN gradings g ON g.submission_id = s.id GROUP BY s.id ORDER BY s.id"
            )
        ).all()
    engine.dispose()
    assert [(r[0], r[1], r[3]) for r in rows] == [(hanging, "done", 1), (waiting, "done", 1)]
    assert rows[0][2] == 2  # the hanging one was claimed again after the crash
