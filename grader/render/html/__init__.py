"""HTML reports: one self-contained page per submission and a class index.

A page is a single file with inline CSS, no network requests and a strict Content Security
Policy, so it can be emailed or opened from disk. Everything from a submission is escaped.
"""

from __future__ import annotations

from grader.render.html.env import environment
from grader.render.html.index_view import index_view
from grader.render.html.report_view import report_view
from grader.results.models import GradeResult
from grader.submission.roster import Identity


def render_report(result: GradeResult, lang: str = "en", *, reveal_hidden: bool = False) -> str:
    """One submission's report. ``reveal_hidden=False`` is what the student may see:
    hidden scenarios appear only as "hidden" and are left out of the score shown;
    ``after_due_date``/``after_published`` ones show title, status and points only."""
    view = report_view(result, lang, reveal_hidden=reveal_hidden)
    return environment(lang).get_template("report.html.j2").render(r=view, html_lang=view.html_lang)


def render_index(
    results: list[GradeResult],
    links: dict[str, str],
    *,
    title: str,
    lang: str = "en",
    identities: dict[str, Identity] | None = None,
    absent: list[Identity] | None = None,
) -> str:
    """The class overview; ``links`` maps a student to the relative href of their report,
    ``identities`` to their 学号 and 姓名; ``absent`` are the roster's students who sent nothing."""
    view = index_view(results, links, title=title, lang=lang, identities=identities, absent=absent)
    return environment(lang).get_template("index.html.j2").render(v=view, html_lang=view.html_lang)


__all__ = ["render_index", "render_report"]
