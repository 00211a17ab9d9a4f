"""The site's state and what it does, with no HTTP in it: the pages in :mod:`.app` call these.

Every read that concerns a student takes the student's id from their session, never from
the request, and every lookup of a submission is by (public id, owner), so one student's
page can never be made to show another's work.
"""

from __future__ import annotations

from grader.serve.accounts import Accounts
from grader.serve.teacher_views import TeacherViews


class Site(Accounts, TeacherViews):
    """The whole site: its state (:class:`~grader.serve.site_base.SiteBase`), accounts, the teacher's side."""
