"""The course folder a teacher already has: ``course.yaml`` and ``roster.csv``, read and checked.

Errors name the file, the field (or the roster line) and what to fix, in one line, as the
rest of the grader does; nothing here touches the database.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from grader.errors import UsageError

COURSE_FILE = "course.yaml"
ROSTER_FILE = "roster.csv"
STATE_FOLDER = ".grader-site"
"""Everything the site writes lives here: the SQLite file and the uploads."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LatePolicy(Strict):
    accept_until_days: float = Field(0, ge=0)
    """How long after the due date late work is still accepted (0: not at all)."""
    penalty_per_day: float = Field(0, ge=0, le=1)
    """Fraction of the score taken off per started day late (0.1: ten percent a day)."""


class AssignmentEntry(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    path: str
    """The assignment folder (holding assignment.yaml), relative to the course folder."""
    opens: datetime
    due: datetime
    late: LatePolicy | None = None


class Limits(Strict):
    upload_bytes: int = Field(1_000_000, ge=1_000, le=50_000_000)
    upload_files: int = Field(50, ge=1, le=500)
    queue: int = Field(2000, ge=1)
    """Submissions waiting at most; beyond, an upload is refused with "try again in a minute"."""


class Course(Strict):
    title: str | dict[str, str]
    languages: list[Literal["en", "zh"]] = ["en", "zh"]
    timezone: str = "UTC"
    """Dates written without an offset are read in this zone."""
    submissions_per_hour: int = Field(10, ge=1)
    counts: Literal["last", "best"] = "last"
    late: LatePolicy = LatePolicy()
    limits: Limits = Limits()
    assignments: list[AssignmentEntry]

    @field_validator("languages")
    @classmethod
    def _some_language(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("name at least one language (en, zh)")
        return v

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (for example Asia/Shanghai or UTC)") from None
        return v

    def title_in(self, lang: str) -> str:
        if isinstance(self.title, str):
            return self.title
        return self.title.get(lang) or next(iter(self.title.values()), "")


@dataclass(frozen=True)
class Offered:
    """One assignment as the site offers it: dates made aware, its folder resolved."""

    id: str
    folder: Path
    opens: datetime
    due: datetime
    late: LatePolicy

    def last_accepted(self, due: datetime) -> datetime:
        return due + timedelta(days=self.late.accept_until_days)

    def days_late(self, at: datetime, due: datetime) -> int:
        """Started days after ``due`` (0 when on time)."""
        if at <= due:
            return 0
        return math.ceil((at - due).total_seconds() / 86400)

    def late_factor(self, at: datetime, due: datetime) -> float:
        return max(0.0, 1.0 - self.late.penalty_per_day * self.days_late(at, due))


@dataclass(frozen=True)
class Student:
    id: str
    name: str
    email: str = ""
    password: str = ""
    """As the roster gives it: plain text, or an argon2 hash (``$argon2id$...``)."""


@dataclass(frozen=True)
class CourseFolder:
    root: Path
    course: Course
    offered: dict[str, Offered]
    students: dict[str, Student]

    @property
    def state(self) -> Path:
        return self.root / STATE_FOLDER

    def default_lang(self) -> str:
        return self.course.languages[0]


def _aware(value: datetime, zone: ZoneInfo) -> datetime:
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


def _pydantic_error(path: Path, exc: ValidationError) -> UsageError:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "(top level)"
    return UsageError(f"{path}: {where}: {first['msg']}")


def load_course(root: Path) -> CourseFolder:
    """Read and check a course folder; raises :class:`UsageError` naming what to fix."""
    root = Path(root).resolve()
    course_file = root / COURSE_FILE
    if not course_file.is_file():
        raise UsageError(f"{root}: no {COURSE_FILE} here (write an example with: grader serve --init {root})")
    try:
        data = yaml.safe_load(course_file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise UsageError(f"{course_file}: not valid YAML: {exc}") from None
    try:
        course = Course.model_validate(data)
    except ValidationError as exc:
        raise _pydantic_error(course_file, exc) from None
    zone = ZoneInfo(course.timezone)
    offered: dict[str, Offered] = {}
    for n, entry in enumerate(course.assignments):
        folder = (root / entry.path).resolve()
        if not (folder / "assignment.yaml").is_file():
            raise UsageError(f"{course_file}: assignments.{n}.path: no assignment.yaml in {folder}")
        if entry.id in offered:
            raise UsageError(f"{course_file}: assignments.{n}.id: {entry.id} is listed twice")
        opens, due = _aware(entry.opens, zone), _aware(entry.due, zone)
        if due <= opens:
            raise UsageError(f"{course_file}: assignments.{n}.due: the due date is not after the opening")
        offered[entry.id] = Offered(entry.id, folder, opens, due, entry.late or course.late)
    return CourseFolder(root, course, offered, load_roster(root / ROSTER_FILE))


def load_roster(path: Path) -> dict[str, Student]:
    """``id,name[,email][,password]`` with a header line; UTF-8 (a BOM from a spreadsheet is fine)."""
    if not path.is_file():
        raise UsageError(f"{path}: no roster (a CSV with the columns id,name,email,password)")
    text = path.read_bytes().decode("utf-8-sig", errors="strict")
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "id" not in fields or "name" not in fields:
        raise UsageError(f"{path}: line 1: the header must name at least the columns id and name")
    students: dict[str, Student] = {}
    for row in reader:
        line = reader.line_num
        cells = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k is not None}
        sid = cells.get("id", "")
        if not sid:
            raise UsageError(f"{path}: line {line}: a student without an id")
        if len(sid) > 64 or any(c.isspace() or not c.isprintable() for c in sid):
            raise UsageError(
                f"{path}: line {line}: the id {sid!r} has spaces or is longer than 64 characters"
            )
        if sid in students:
            raise UsageError(f"{path}: line {line}: the id {sid} is listed twice")
        students[sid] = Student(
            sid, cells.get("name") or sid, cells.get("email", ""), cells.get("password", "")
        )
    return students
