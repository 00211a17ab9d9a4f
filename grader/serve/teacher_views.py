"""What the teacher reads and does: the class, its index and grades, regrades, extensions, the queue."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select

from grader.serve import grading, jobs
from grader.serve.db import (
    Extension,
    Grading,
    Student,
    Submission,
)
from grader.serve.site_base import Refused, Row, SiteBase


class TeacherViews(SiteBase):
    """The teacher's side of the site (a part of :class:`~grader.serve.site.Site`)."""

    def students(self) -> list[Student]:
        with self.db() as s:
            return list(s.scalars(select(Student).order_by(Student.id)))

    def student(self, student_id: str) -> Student:
        with self.db() as s:
            st = s.get(Student, student_id)
        if st is None:
            raise Refused(404, "no such page")
        return st

    def class_rows(self, assignment_id: str) -> dict[str, Row]:
        """Each student's counting submission (students who submitted nothing are left out)."""
        with self.db() as s:
            ids = list(
                s.scalars(
                    select(Submission.student_id).where(Submission.assignment_id == assignment_id).distinct()
                )
            )
        out = {}
        for sid in sorted(ids):
            counting = self.counting(self.rows(sid, assignment_id))
            if counting is not None:
                out[sid] = counting
        return out

    def index_html(self, assignment_id: str, lang: str) -> str:
        offered = self.offered(assignment_id, for_teacher=True)
        rows = self.class_rows(assignment_id)
        results = {sid: r.grading.result_json for sid, r in rows.items() if r.grading is not None}
        links = {sid: f"/teacher/s/{r.sub.public_id}" for sid, r in rows.items()}
        return grading.render_index(results, links, title=grading.title(offered.folder, lang), lang=lang)

    def grades_csv(self, assignment_id: str, lang: str = "en") -> str:
        """``grader batch``'s grades.csv in ``lang`` (names from the roster) with the site's
        columns after it: late days, the score after the late penalty, which submission counted."""
        offered = self.offered(assignment_id, for_teacher=True)
        rows = self.class_rows(assignment_id)
        results = {sid: r.grading.result_json for sid, r in rows.items() if r.grading is not None}
        names = {st.id: st.name for st in self.students()}
        table = grading.gradebook_table(results, grading.scenario_ids(offered.folder), lang, names)
        by_student = {r.sub.student_id: r for r in rows.values()}
        out = [table[0] + ["days_late", "final_score", "submitted_at", "submission"]]
        for line in table[1:]:
            sid = line[0].removeprefix("'")
            row = by_student.get(sid)
            if row is None:
                continue
            final = "" if row.score is None else f"{row.score:g}"
            out.append(
                [
                    *line,
                    str(row.sub.days_late),
                    final,
                    row.sub.created_at.isoformat(timespec="seconds"),
                    row.sub.public_id,
                ]
            )
        return grading.csv_text(out)

    def gradescope_json(self, assignment_id: str, lang: str = "en") -> str:
        """One Gradescope ``results.json`` per student (their counting submission), keyed by id."""
        self.offered(assignment_id, for_teacher=True)
        rows = self.class_rows(assignment_id)
        data = {
            sid: grading.gradescope_json(r.grading.result_json, lang) for sid, r in rows.items() if r.grading
        }
        return json.dumps(data, ensure_ascii=False, indent=1)

    def regrade(self, *, assignment_id: str | None = None, public_id: str | None = None) -> int:
        with self.db.begin() as s:
            query = select(Submission.id)
            if public_id is not None:
                query = query.where(Submission.public_id == public_id)
            if assignment_id is not None:
                query = query.where(Submission.assignment_id == assignment_id)
            n = jobs.regrade(s, list(s.scalars(query)))
        self.changed()
        if self.workers is not None:
            self.workers.wake()
        return n

    def extend(self, student_id: str, assignment_id: str, due: datetime) -> None:
        self.student(student_id)
        self.offered(assignment_id, for_teacher=True)
        with self.db.begin() as s:
            s.merge(Extension(student_id=student_id, assignment_id=assignment_id, due=due))

    def queue_view(self) -> dict[str, object]:
        with self.db() as s:
            return {
                "queued": jobs.queued_count(s),
                "running": len(jobs.running(s)),
                "graded": s.query(Grading).count(),
                "workers": list(self.workers.states) if self.workers else [],
                "kind": self.grader.kind if self.grader else "",
            }

    def all_submissions(self, student_id: str) -> list[Row]:
        out: list[Row] = []
        for aid in self.folder.offered:
            out += self.rows(student_id, aid)
        return out
