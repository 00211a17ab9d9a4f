"""Failed sign-ins are counted in the database: a restart, or a second server on the same
PostgreSQL database, does not give a password guesser a fresh count."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.serve.config import load_course
from grader.serve.site import Site
from grader.serve.site_base import Refused

from .serve_helpers import write_course


def _site(course: Path, database: str | None) -> Site:
    site = Site(load_course(course), db_url=database, workers_count=1)
    site.open()
    return site


def _guess(site: Site, times: int, address: str = "10.0.0.1") -> list[int]:
    codes = []
    for _ in range(times):
        try:
            site.sign_in_student("alice", "guess", address)
            codes.append(200)
        except Refused as refused:
            codes.append(refused.status)
    return codes


def test_failed_sign_ins_still_count_after_a_restart(tmp_path: Path, database: str | None) -> None:
    course = write_course(tmp_path / "course")
    first = _site(course, database)
    try:
        assert _guess(first, 6) == [401] * 6
    finally:
        first.close()
    restarted = _site(course, database)
    try:
        assert _guess(restarted, 6) == [401] * 4 + [429] * 2
        with pytest.raises(Refused) as held:
            restarted.sign_in_student("alice", "alice-pw", "10.0.0.2")  # the account is held, from anywhere
        assert held.value.status == 429
        token, _csrf = restarted.sign_in_student("bob", "bob-pw", "10.0.0.1")  # others are not
        assert restarted.who(token) is not None
    finally:
        restarted.close()


def test_two_servers_on_one_database_count_the_same_failures(tmp_path: Path, pg_cluster) -> None:
    url = pg_cluster.create_database("shared_limits")
    course = write_course(tmp_path / "course")  # shared, blobs and all: no lock on PostgreSQL
    one = _site(course, url)
    two = _site(course, url)
    try:
        assert _guess(one, 5) == [401] * 5
        assert _guess(two, 6) == [401] * 5 + [429]
        assert _guess(one, 1) == [429]
    finally:
        one.close()
        two.close()


def test_an_address_is_held_after_guessing_many_accounts(tmp_path: Path) -> None:
    site = _site(write_course(tmp_path / "course", students=60), None)
    try:
        codes = []
        for n in range(52):
            try:
                site.sign_in_student(f"s{n:03d}", "guess", "10.9.9.9")
            except Refused as refused:
                codes.append(refused.status)
        assert codes == [401] * 50 + [429] * 2
        token, _csrf = site.sign_in_student("alice", "alice-pw", "10.1.1.1")  # another address is not
        assert site.who(token) is not None
    finally:
        site.close()
