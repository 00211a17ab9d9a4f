"""The site's state: SQLAlchemy 2 models and the engine (SQLite in the course folder, or a URL).

The schema itself is made and changed only by the Alembic migrations in
:mod:`grader.serve.migrations`; these models must match them (a test compares the two).
SQLite runs in WAL mode with full sync: a server killed at any moment keeps every
committed submission, and readers (the pages) never wait for the graders' writes.

Reads and writes are separate kinds of session (:class:`Database`): on SQLite a write
begins ``IMMEDIATE`` (it takes the one write lock at once, so two writers never both read
and then fail to upgrade), while a read begins deferred and takes no lock at all. Were
reads ``IMMEDIATE`` too, every page view, status poll and sign-in (argon2 included) would
queue for the write lock; SQLite's busy handler is not first come, first served, so under a
class's load a worker's or an upload's write could wait past the busy timeout and fail
("database is locked", an HTTP 500: the load test's failures).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.types import DateTime, TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stored naive in UTC (SQLite has no time zones), always handed back aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Student(Base):
    """A roster line, kept in step with ``roster.csv`` at every start (secrets only as hashes)."""

    __tablename__ = "students"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    link_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    """SHA-256 of the personal link's secret; None when no link is active (revoked or never made)."""
    active: Mapped[bool] = mapped_column(default=True)
    """False once the student left the roster: they can no longer sign in; their work is kept."""


class Session(Base):
    __tablename__ = "sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    """student or teacher."""
    student_id: Mapped[str | None] = mapped_column(ForeignKey("students.id"), nullable=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Submission(Base):
    """One upload, and where its grading stands: the durable queue is this table.

    ``state`` goes queued -> running -> done; ``job`` counts the gradings asked for (a regrade
    adds one); ``claim`` is the fencing token of the worker that holds it until ``lease_until``.
    A worker's result is stored only if its claim still holds, so each job is graded once.
    """

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("student_id", "assignment_id", "digest", name="uq_same_upload"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"), index=True)
    assignment_id: Mapped[str] = mapped_column(String(64), index=True)
    digest: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the stored bundle (the blob's name)."""
    names: Mapped[str] = mapped_column(Text, default="")
    """The files graded, one per line, for the student's history."""
    lang: Mapped[str] = mapped_column(String(5), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    days_late: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(10), index=True)
    turn: Mapped[int] = mapped_column(Integer, default=1)
    """Its place in the fair order: 1 + the student's submissions waiting or running when it came."""
    job: Mapped[int] = mapped_column(Integer, default=1)
    claim: Mapped[str | None] = mapped_column(String(32), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    worker: Mapped[str] = mapped_column(String(64), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    """Claims taken, including ones lost to a crash (shown to the teacher)."""


class Grading(Base):
    """One finished grading of one job of a submission: the GradeResult JSON as the grader made it."""

    __tablename__ = "gradings"
    __table_args__ = (UniqueConstraint("submission_id", "job", name="uq_one_result_per_job"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    job: Mapped[int] = mapped_column(Integer)
    result_json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    graded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration: Mapped[float] = mapped_column(Float, default=0.0)


class Extension(Base):
    __tablename__ = "extensions"
    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"), primary_key=True)
    assignment_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    due: Mapped[datetime] = mapped_column(UTCDateTime())


class SigninFailure(Base):
    """One failed sign-in, counted by the rate limits (kept here, not in memory, so several
    servers on one database and a restarted server count the same attempts)."""

    __tablename__ = "signin_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    """What was guessed at: ``account:student:ID``, ``account:teacher`` or ``address:IP``."""
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Setting(Base):
    """Small site-wide values: the teacher's password hash."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


def database_url(state: Path, url: str | None) -> str:
    return url or f"sqlite:///{Path(state) / 'site.db'}"


WRITES = "grader_writes"
"""The execution option that marks a write session's connection (see :class:`Database`)."""
POOL_SIZE, POOL_OVERFLOW = 10, 50
"""Connections kept and allowed beyond: more than Starlette's 40 threads and the workers, so
no request waits for the pool (SQLite connections are cheap; PostgreSQL's default allows 100)."""


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
        )

        @event.listens_for(engine, "connect")
        def _pragmas(connection: object, record: object) -> None:
            cursor = connection.cursor()  # type: ignore[attr-defined]
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()
            # Transactions are begun by hand below: pysqlite's own deferred BEGIN lets two
            # writers both read, then fail to upgrade ("database is locked").
            connection.isolation_level = None  # type: ignore[attr-defined]

        @event.listens_for(engine, "begin")
        def _begin(connection: object) -> None:
            writes = connection.get_execution_options().get(WRITES, False)  # type: ignore[attr-defined]
            connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")  # type: ignore[attr-defined]

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)


class ReadOnly(RuntimeError):
    """A read session was asked to write: use ``db.begin()``."""


class Database:
    """The site's sessions: ``with db() as s`` to read, ``with db.begin() as s`` to write.

    A read session refuses to flush ORM changes, so a write made the usual way cannot slip
    into a transaction that on SQLite began without the write lock (and could then fail to
    take it under load).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._read = sessionmaker(engine, expire_on_commit=False)
        self._write = sessionmaker(engine.execution_options(**{WRITES: True}), expire_on_commit=False)

        @event.listens_for(self._read, "before_flush")
        def _refuse(session: OrmSession, context: object, instances: object) -> None:
            if session.new or session.dirty or session.deleted:
                raise ReadOnly("a read session cannot write; use db.begin()")

    def __call__(self) -> OrmSession:
        return self._read()

    def begin(self) -> AbstractContextManager[OrmSession]:
        """A write transaction, committed when the ``with`` block ends (rolled back on an error)."""
        return self._write.begin()


def session_factory(engine: Engine) -> Database:
    return Database(engine)
