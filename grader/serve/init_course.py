"""``grader serve --init DIR``: a course folder that works at once, every setting explained."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from grader.errors import UsageError
from grader.serve import grading
from grader.serve.config import COURSE_FILE, ROSTER_FILE

COURSE_TEMPLATE = """\
# course.yaml: the course a `grader serve` site offers. Read at every start of the site.
title:                      # shown on every page; one text, or one per language
  en: {title}
  zh: {title}
languages: [zh, en]         # the first is the default; students switch on every page
timezone: Asia/Shanghai     # dates below without an offset are read in this zone
submissions_per_hour: 10    # graded submissions a student may make per hour and assignment
counts: last                # which submission counts: last (graded) or best (highest score)
late:                       # the default late policy (an assignment may have its own)
  accept_until_days: 2      # late work accepted this long after the due date (0: none)
  penalty_per_day: 0.1      # fraction of the score taken off per started day late
limits:
  upload_bytes: 1000000     # largest upload accepted, checked before anything is read
  upload_files: 50          # most files in one upload (a folder or a zip)
  queue: 2000               # submissions waiting at most; beyond, "try again in a minute"
assignments:                # offered from `opens`; hidden scenarios shown after `due`
  - id: {assignment}
    path: assignments/{assignment}   # the folder holding assignment.yaml (grader new writes one)
    opens: {opens}
    due: {due}
    # late: {{accept_until_days: 0, penalty_per_day: 0}}   # this assignment's own policy
"""

ROSTER_TEMPLATE = """\
id,name,email,password
2024001,Alice Chen,alice@example.edu,
2024002,Bob Li,,change-me-bob
2024003,张三,,
"""
"""An empty password: that student signs in by personal link only (``--make-links``)."""


def write_example(folder: Path, assignment: str = "first-client") -> list[Path]:
    folder = Path(folder)
    if (folder / COURSE_FILE).exists():
        raise UsageError(f"{folder / COURSE_FILE} already exists; not overwritten")
    folder.mkdir(parents=True, exist_ok=True)
    today = datetime.now().replace(hour=0, minute=0, second=0, microsecond=0)
    written = []
    if not (folder / "assignments" / assignment / "assignment.yaml").exists():
        written.append(grading.new_assignment(assignment, "client", folder))
    text = COURSE_TEMPLATE.format(
        title=folder.resolve().name,
        assignment=assignment,
        opens=today.strftime("%Y-%m-%d %H:%M"),
        due=(today + timedelta(days=14)).strftime("%Y-%m-%d 23:59"),
    )
    (folder / COURSE_FILE).write_text(text, encoding="utf-8")
    written.append(folder / COURSE_FILE)
    if not (folder / ROSTER_FILE).exists():
        (folder / ROSTER_FILE).write_text(ROSTER_TEMPLATE, encoding="utf-8")
        written.append(folder / ROSTER_FILE)
    return written
