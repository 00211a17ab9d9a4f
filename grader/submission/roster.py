"""Who the students are: 学号 and 姓名 from file names, or from the teacher's roster.

A 教务系统 imports a gradebook by 学号, and teachers read it by 姓名, but submissions arrive
named ``张三_2023001_client.py``, ``2023001_张三_作业1.zip``, ``2023001张三.rar`` or as an
LMS's folder of the student's full name. :func:`identity_from_name` finds both where a name
carries them; a roster (``--roster roster.csv``, the class list the 教务系统 exports, UTF-8
or GBK) is the authority when given: it supplies the 姓名 of a 学号 (or the 学号 of a unique
姓名) and lists everyone who submitted nothing, so nobody is missing from the import.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UsageError

NUMBER = re.compile(r"^[A-Za-z]{0,2}\d{5,14}$")
"""A 学号: five to fourteen digits, sometimes after a letter or two (``S2023001``)."""
CJK_NAME = re.compile(r"^[\u3400-\u9fff][\u3400-\u9fff·•]{1,7}$")
GLUED = re.compile(
    r"^(?:(?P<n1>\d{5,14})(?P<c1>[\u3400-\u9fff·]{2,8})|(?P<c2>[\u3400-\u9fff·]{2,8})(?P<n2>\d{5,14}))$"
)
"""``2023001张三`` or ``张三2023001``: a 学号 and a 姓名 with nothing between them."""
SEPARATORS = re.compile(r"[\s_\-+,.()（）【】\[\]、，]+")
NOT_NAMES = {
    "作业",
    "实验",
    "报告",
    "客户端",
    "服务端",
    "服务器",
    "程序",
    "代码",
    "提交",
    "源码",
    "源代码",
    "网络编程",
    "套接字",
    "课程",
    "大作业",
    "实验报告",
    "期末",
    "期中",
    "练习",
    "答案",
    "修改",
    "最终版",
}
"""Chinese words that appear in file names and are not a 姓名."""
NUMBER_HEADERS = {
    "学号",
    "學號",
    "学生学号",
    "学籍号",
    "student_id",
    "student id",
    "studentid",
    "id",
    "number",
    "student number",
    "sid",
    "no",
    "no.",
}
NAME_HEADERS = {"姓名", "名字", "学生姓名", "name", "student name", "full name", "fullname"}


@dataclass(frozen=True)
class Identity:
    number: str = ""
    """学号, as the roster or the file name spells it ("" when unknown)."""
    name: str = ""
    """姓名 ("" when unknown)."""


def identity_from_name(raw: str, person: str = "") -> Identity:
    """学号 and 姓名 read from a submission's name (its file stem or folder name).

    ``person`` is a name an LMS gave (Moodle's full name): the 姓名 when the file name has none.
    """
    number = name = ""
    for token in (t for t in SEPARATORS.split(raw) if t):
        glued = GLUED.match(token)
        if glued and not number and not name:
            number = glued["n1"] or glued["n2"]
            name = glued["c1"] or glued["c2"]
        elif not number and NUMBER.match(token):
            number = token
        elif not name and CJK_NAME.match(token) and not _is_word(token):
            name = token
    if not name and person:
        name = person.strip()
    return Identity(number=number, name=name)


def _is_word(token: str) -> bool:
    return token in NOT_NAMES or bool(re.match(r"^第.+次", token)) or token.endswith(("作业", "实验"))


@dataclass
class Roster:
    students: list[Identity]
    path: Path

    def by_number(self, number: str) -> Identity | None:
        return next((s for s in self.students if number and s.number.casefold() == number.casefold()), None)

    def by_name(self, name: str) -> Identity | None:
        """The one roster entry of that 姓名; None when none, or two students share it."""
        same = [s for s in self.students if name and s.name == name]
        return same[0] if len(same) == 1 else None


def decode_table(data: bytes) -> str:
    """A CSV's text: UTF-8 (with or without Excel's byte-order mark), else GBK as Excel on a
    Chinese Windows saves it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def read_roster(path: Path, _: Callable[[str], str]) -> Roster:
    """The class list: a CSV with a 学号 column and a 姓名 column (headers in Chinese or English)."""
    try:
        text = decode_table(Path(path).read_bytes())
    except OSError as exc:
        raise UsageError(
            _("{path}: cannot read the roster: {why}").format(path=path, why=exc.strerror)
        ) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), dialect) if any(row)]
    if not rows:
        raise UsageError(_("{path}: the roster is empty").format(path=path))
    header = [c.casefold() for c in rows[0]]
    number_col = _column(header, NUMBER_HEADERS)
    name_col = _column(header, NAME_HEADERS)
    if number_col is None and name_col is None:
        raise UsageError(
            _(
                "{path}: the roster needs a column named 学号 (or student_id) and one named 姓名 (or name)"
            ).format(path=path)
        )
    students = [
        Identity(
            number=_at(row, number_col),
            name=_at(row, name_col),
        )
        for row in rows[1:]
    ]
    return Roster([s for s in students if s.number or s.name], Path(path))


def _column(header: list[str], names: set[str]) -> int | None:
    return next((i for i, cell in enumerate(header) if cell in names), None)


def _at(row: list[str], col: int | None) -> str:
    return row[col] if col is not None and col < len(row) else ""


@dataclass
class Matched:
    identities: dict[str, Identity]
    """Student id (the output folder's name) -> 学号 and 姓名."""
    notes: dict[str, str]
    """Student id -> why its identity is uncertain (not on the roster)."""
    absent: list[Identity]
    """Roster entries with no submission, in roster order."""


def identify(
    students: Iterable[tuple[str, str, str]], roster: Roster | None, _: Callable[[str], str]
) -> Matched:
    """Join submissions to the roster. ``students``: (student id, name the submission came
    under, the LMS's person name or "")."""
    identities: dict[str, Identity] = {}
    notes: dict[str, str] = {}
    claimed: set[Identity] = set()
    for student, raw, person in students:
        parsed = identity_from_name(raw, person)
        if roster is None:
            identities[student] = parsed
            continue
        entry = roster.by_number(parsed.number) or roster.by_name(parsed.name)
        if entry is None:
            identities[student] = parsed
            notes[student] = _("not on the roster {roster}").format(roster=roster.path.name)
            continue
        if entry in claimed:
            notes[student] = _("another submission is also for {number} {name}").format(
                number=entry.number, name=entry.name
            )
        claimed.add(entry)
        identities[student] = entry
    absent = [s for s in roster.students if s not in claimed] if roster is not None else []
    return Matched(identities, notes, absent)
