"""SQLite under a class's load: reads take no lock, so a write never waits behind page views.

The load test's HTTP 500s were "database is locked": every session, reads included, began
``IMMEDIATE`` and so took SQLite's one write lock, and a sign-in held it while argon2 checked
the password. 200 students signing in at once queued for the lock one argon2 after another;
SQLite's busy handler is not first come, first served, and some waited past the 30 s busy
timeout. These tests check the cause directly, with a second connection that will not wait.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from grader.serve import accounts as site_module
from grader.serve.config import load_course
from grader.serve.db import ReadOnly, Setting, Student, make_engine, session_factory
from grader.serve.migrations import upgrade
from grader.serve.site import Site
from grader.serve.site_base import Refused

from .serve_helpers import write_course


def _writer_can_start(path: Path) -> bool:
    """Whether another connection could take the write lock now, without waiting at all."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return False
    finally:
        other.close()


def test_a_read_takes_no_lock_and_a_write_takes_it_at_once(tmp_path: Path) -> None:
    path = tmp_path / "site.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    db = session_factory(engine)
    with db() as s:
        s.get(Setting, "anything")  # a page's read, its transaction still open
        assert _writer_can_start(path)
    with db.begin() as s:
        s.get(Setting, "anything")  # a write's first read already holds the lock
        assert not _writer_can_start(path)
    assert _writer_can_start(path)


def test_a_read_session_refuses_to_write(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'site.db'}")
    upgrade(engine)
    db = session_factory(engine)
    with pytest.raises(ReadOnly), db() as s:
        s.add(Setting(key="k", value="v"))
        s.flush()
    with db() as s:
        assert s.get(Setting, "k") is None


def test_a_sign_in_checks_the_password_holding_no_lock(tmp_path: Path, monkeypatch) -> None:
    site = Site(load_course(write_course(tmp_path / "course")), workers_count=1)
    site.open()
    path = site.folder.state / "site.db"
    seen: list[bool] = []
    real_check = site_module.check_password

    def observed(stored: str | None, password: str) -> bool:
        seen.append(_writer_can_start(path))
        return real_check(stored, password)

    monkeypatch.setattr(site_module, "check_password", observed)
    try:
        token, _csrf = site.sign_in_student("alice", "alice-pw", "127.0.0.1")
        assert site.who(token) is not None
        with pytest.raises(Refused):
            site.sign_in_student("bob", "wrong", "127.0.0.1")
        with site.db() as s:
            assert s.get(Student, "alice") is not None
    finally:
        site.close()
    assert seen == [True, True]
