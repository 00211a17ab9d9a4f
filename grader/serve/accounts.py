"""Who may sign in: the roster, the teacher's password, sign-in links, sessions and their limits."""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import delete, select

from grader.serve.db import (
    Session,
    Setting,
    Student,
    now,
)
from grader.serve.security import (
    check_password,
    hash_password,
    new_secret,
    password_hash_of,
    same_password,
    token_hash,
)
from grader.serve.site_base import ROSTER_DIGEST, SESSION_DAYS, TEACHER_HASH, Refused, SiteBase, Who


class Accounts(SiteBase):
    """The site's accounts and sessions (a part of :class:`~grader.serve.site.Site`)."""

    def sync_roster(self) -> None:
        """The roster file into the students table; passwords hashed (again only when the file changed)."""
        roster_bytes = (self.folder.root / "roster.csv").read_bytes()
        digest = hashlib.sha256(roster_bytes).hexdigest()
        with self.db.begin() as s:
            known = s.get(Setting, ROSTER_DIGEST)
            if known is not None and known.value == digest:
                return
            existing = {st.id: st for st in s.scalars(select(Student))}
        todo = []
        for sid, entry in self.folder.students.items():
            old = existing.get(sid)
            if entry.password and not (
                old and old.password_hash and same_password(old.password_hash, entry.password)
            ):
                todo.append(sid)
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            hashes = dict(
                zip(
                    todo,
                    pool.map(lambda i: password_hash_of(self.folder.students[i].password), todo),
                    strict=True,
                )
            )
        with self.db.begin() as s:
            for sid, entry in self.folder.students.items():
                row = s.get(Student, sid) or Student(id=sid, name=entry.name)
                row.name, row.email, row.active = entry.name, entry.email, True
                if sid in hashes:
                    row.password_hash = hashes[sid]
                elif not entry.password:
                    row.password_hash = None
                s.add(row)
            for sid in existing:
                if sid not in self.folder.students:
                    row_now = s.get(Student, sid)
                    if row_now is not None:
                        row_now.active = False
                        s.execute(delete(Session).where(Session.student_id == sid))
            s.merge(Setting(key=ROSTER_DIGEST, value=digest))

    def set_teacher_password(self, password: str) -> None:
        with self.db.begin() as s:
            s.merge(Setting(key=TEACHER_HASH, value=hash_password(password)))

    def teacher_password_set(self) -> bool:
        with self.db() as s:
            return s.get(Setting, TEACHER_HASH) is not None

    def make_links(self, *, replace_all: bool) -> list[list[str]]:
        """New personal links (for students without one, or everyone): the only time they are shown."""
        rows = [["id", "name", "email", "link"]]
        with self.db.begin() as s:
            for st in s.scalars(select(Student).where(Student.active.is_(True)).order_by(Student.id)):
                if st.link_hash and not replace_all:
                    continue
                secret = new_secret()
                st.link_hash = token_hash(secret)
                rows.append([st.id, st.name, st.email, f"{self.public_url.rstrip('/')}/link/{secret}"])
        return rows

    def revoke_link(self, student_id: str) -> None:
        with self.db.begin() as s:
            st = s.get(Student, student_id)
            if st is None:
                raise Refused(404, "no such page")
            st.link_hash = None
            s.execute(delete(Session).where(Session.student_id == student_id))

    def _new_session(self, kind: str, student_id: str | None) -> tuple[str, str]:
        token, csrf = new_secret(), new_secret()
        with self.db.begin() as s:
            s.add(
                Session(
                    token_hash=token_hash(token),
                    kind=kind,
                    student_id=student_id,
                    csrf=csrf,
                    created_at=now(),
                    expires_at=now() + timedelta(days=SESSION_DAYS),
                )
            )
        return token, csrf

    def _check_limits(self, ip: str, account: str | None) -> None:
        if self.signin_limits.blocked(ip, account):
            raise Refused(429, "too many failed sign-ins; wait ten minutes and try again")

    def _failed(self, ip: str, account: str | None) -> None:
        self.signin_limits.failed(ip, account)

    def sign_in_student(self, student_id: str, password: str, ip: str) -> tuple[str, str]:
        account = f"student:{student_id}"
        self._check_limits(ip, account)
        with self.db() as s:
            st = s.get(Student, student_id)
            stored = st.password_hash if st and st.active else None
        if not check_password(stored, password):  # argon2's time spent holding no connection
            self._failed(ip, account)
            raise Refused(401, "wrong student id or password")
        return self._new_session("student", student_id)

    def sign_in_link(self, secret: str, ip: str) -> tuple[str, str]:
        self._check_limits(ip, None)
        with self.db() as s:
            st = s.scalars(select(Student).where(Student.link_hash == token_hash(secret))).first()
            sid = st.id if st is not None and st.active else None
        if sid is None:
            self._failed(ip, None)
            raise Refused(
                404, "this link is not valid (it may have been replaced); ask your teacher for a new one"
            )
        return self._new_session("student", sid)

    def sign_in_teacher(self, password: str, ip: str) -> tuple[str, str]:
        self._check_limits(ip, "teacher")
        with self.db() as s:
            stored = s.get(Setting, TEACHER_HASH)
        if not check_password(stored.value if stored else None, password):
            self._failed(ip, "teacher")
            raise Refused(401, "wrong password")
        return self._new_session("teacher", None)

    def who(self, token: str | None) -> Who | None:
        if not token:
            return None
        with self.db() as s:
            row = s.get(Session, token_hash(token))
            if row is None or row.expires_at < now():
                return None
            name = ""
            if row.student_id is not None:
                st = s.get(Student, row.student_id)
                if st is None or not st.active:
                    return None
                name = st.name
            return Who(row.kind, row.student_id, row.csrf, name)

    def sign_out(self, token: str) -> None:
        with self.db.begin() as s:
            s.execute(delete(Session).where(Session.token_hash == token_hash(token)))
