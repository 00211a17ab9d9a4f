"""What every page of the site shares: the reader's language, templates, cookies, forms, guards."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import anyio
import anyio.to_thread
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from grader.i18n import gettext_for
from grader.serve import grading
from grader.serve.db import now
from grader.serve.security import new_secret, same
from grader.serve.site import Site
from grader.serve.site_base import Refused, Row, Who
from grader.serve.web import CSRF_COOKIE, LANG_COOKIE, LONG_POLL_SECONDS, SESSION_COOKIE, Changes, environment


class Pages:
    """The helpers of every route, around one :class:`~grader.serve.site.Site`."""

    def __init__(self, site: Site, changes: Changes, *, secure_cookies: bool) -> None:
        self.site = site
        self.changes = changes
        self.secure_cookies = secure_cookies
        self.zone = ZoneInfo(site.folder.course.timezone)
        self.languages = site.folder.course.languages
        self.limits = site.folder.course.limits
        # Two per core: enough to keep the cores busy while a check waits for the database, few
        # enough that a class signing in at once holds a bounded 64 MiB of argon2 memory each.
        self.argon2_slots = anyio.CapacityLimiter(2 * (os.cpu_count() or 1))

    def lang_of(self, request: Request) -> str:
        chosen = request.cookies.get(LANG_COOKIE)
        if chosen in self.languages:
            return chosen
        accept = request.headers.get("accept-language", "").lower()
        for code in self.languages:
            if accept.startswith(code) or f",{code}" in accept.replace(" ", ""):
                return code
        return self.site.folder.default_lang()

    def when(self, value: datetime) -> str:
        return value.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")

    def state_label(self, lang: str) -> Callable[[Row], str]:
        _ = gettext_for(lang)

        def label(row: Row) -> str:
            if row.sub.state == "queued":
                if row.position is None:
                    return _("waiting")
                return _("waiting: number {n} in the queue").format(n=row.position)
            if row.sub.state == "running":
                return _("being graded")
            if row.grading is None:
                return _("waiting")
            if row.grading.status != "graded":
                why = grading.not_graded_reason(row.grading.result_json, lang)
                return _("not graded: {why}").format(why=why)
            return _("graded")

        return label

    async def hashing(self, fn: Callable[..., Any], *args: Any) -> Any:
        """A password check in threads of its own, waiting in turn (first come, first served):
        a class signing in at once neither fills the pages' threads nor the memory."""
        return await anyio.to_thread.run_sync(partial(fn, *args), limiter=self.argon2_slots)

    async def who_of(self, request: Request) -> Who | None:
        return await run_in_threadpool(self.site.who, request.cookies.get(SESSION_COOKIE))

    def page(
        self,
        request: Request,
        name: str,
        who: Who | None,
        status: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        lang = self.lang_of(request)
        env = environment(lang)
        env.filters["when"] = self.when
        env.filters["state"] = self.state_label(lang)
        anon_csrf = request.cookies.get(CSRF_COOKIE) or ""
        fresh = not anon_csrf
        if fresh:
            anon_csrf = new_secret()
        html = env.get_template(name).render(
            lang=lang,
            languages=self.languages,
            course_title=self.site.folder.course.title_in(lang),
            who=who,
            csrf=who.csrf if who else anon_csrf,
            path=request.url.path,
            **context,
        )
        response = HTMLResponse(html, status_code=status)
        if fresh:
            self.set_cookie(response, CSRF_COOKIE, anon_csrf)
        return response

    def set_cookie(self, response: Response, name: str, value: str, max_age: int | None = None) -> None:
        response.set_cookie(
            name, value, max_age=max_age, httponly=True, samesite="lax", secure=self.secure_cookies, path="/"
        )

    def words(self, request: Request, refused: Refused) -> str:
        _ = gettext_for(self.lang_of(request))
        args = {k: (self.when(v) if isinstance(v, datetime) else v) for k, v in refused.args_.items()}
        return _(refused.message).format(**args)

    def refused_page(self, request: Request, who: Who | None, refused: Refused) -> HTMLResponse:
        _ = gettext_for(self.lang_of(request))
        heading = _("Not found") if refused.status == 404 else _("Cannot do that")
        return self.page(
            request,
            "error.html.j2",
            who,
            status=refused.status,
            heading=heading,
            message=self.words(request, refused),
        )

    def refused_form(
        self, request: Request, template: str, who: Who | None, refused: Refused, **context: Any
    ) -> HTMLResponse:
        """The form's page again, with why it was refused above the form."""
        return self.page(
            request,
            template,
            who,
            status=refused.status,
            notice=self.words(request, refused),
            notice_kind="error",
            **context,
        )

    async def form_of(self, request: Request, who: Who | None, **kwargs: Any) -> FormData:
        """The posted form, once its CSRF token (and Origin, when sent) proved it came from our page."""
        try:
            form = await request.form(**kwargs)
        except HTTPException as exc:
            raise Refused(400, "the form could not be read: {why}", why=exc.detail) from None
        origin = request.headers.get("origin")
        host = request.headers.get("host", "")
        if origin and origin != "null" and origin.split("://", 1)[-1] != host:
            raise Refused(403, "this form was sent from another site; reload the page and try again")
        expected = who.csrf if who else request.cookies.get(CSRF_COOKIE, "")
        token = form.get("csrf")
        if not isinstance(token, str) or not same(token, expected):
            raise Refused(
                403, "the form has expired (or came from another site); reload the page and try again"
            )
        return form

    def signed_in(self, response: Response, token: str) -> Response:
        self.set_cookie(response, SESSION_COOKIE, token, max_age=14 * 86400)
        return response

    def client_ip(self, request: Request) -> str:
        return request.client.host if request.client else "?"

    def guarded(self, kind: str) -> Callable[[Callable[..., Any]], Callable[[Request], Any]]:
        """A route for one kind of user: others get sign-in (not signed in) or 403 / 404."""

        def wrap(handler: Callable[..., Any]) -> Callable[[Request], Any]:
            async def endpoint(request: Request) -> Response:
                who = await self.who_of(request)
                if who is None or who.kind != kind:
                    if who is None and request.method == "GET" and not request.url.path.endswith("/status"):
                        target = "/teacher/signin" if kind == "teacher" else "/"
                        return RedirectResponse(target, status_code=303)
                    return self.refused_page(
                        request, who, Refused(403 if who else 401, "sign in to see this page")
                    )
                try:
                    return await handler(request, who)
                except Refused as refused:
                    if request.url.path.endswith("/status"):
                        return JSONResponse({"error": refused.message}, status_code=refused.status)
                    return self.refused_page(request, who, refused)

            return endpoint

        return wrap

    async def long_poll(self, request: Request, etag_of: Callable[[], dict[str, Any]]) -> JSONResponse:
        known = request.query_params.get("known", "")
        state = await run_in_threadpool(etag_of)
        if state["etag"] == known:
            await self.changes.wait(LONG_POLL_SECONDS)
            state = await run_in_threadpool(etag_of)
        return JSONResponse(state)

    def row_status(self, row: Row) -> dict[str, Any]:
        etag = f"{row.sub.state}:{row.position}:{row.sub.job}:{row.grading.job if row.grading else 0}"
        return {"etag": etag, "state": row.sub.state, "position": row.position, "score": row.score}

    def assignment_context(self, who: Who, assignment_id: str, lang: str) -> dict[str, Any]:
        _ = gettext_for(lang)
        o = self.site.offered(assignment_id)
        with self.site.db() as s:
            due = self.site.due_for(s, who.sid, o)
        return {
            "id": o.id,
            "title": grading.title(o.folder, lang),
            "entry": grading.entry_name(o.folder),
            "due": self.when(due),
            "extended": due != o.due,
            "closed": now() > o.last_accepted(due),
            "rule": _("the best score")
            if self.site.folder.course.counts == "best"
            else _("the last one graded"),
            "per_hour": self.site.folder.course.submissions_per_hour,
            "rows": self.site.rows(who.sid, o.id),
            "prefix": "",
        }

    def submission_page(self, request: Request, who: Who, row: Row, *, teacher: bool) -> HTMLResponse:
        lang = self.lang_of(request)
        offered = self.site.folder.offered.get(row.sub.assignment_id)
        title = grading.title(offered.folder, lang) if offered else row.sub.assignment_id
        prefix = "/teacher" if teacher else ""
        back = f"/teacher/a/{row.sub.assignment_id}" if teacher else f"/a/{row.sub.assignment_id}"
        return self.page(
            request,
            "submission.html.j2",
            who,
            row=row,
            title=title,
            prefix=prefix,
            back=back,
            teacher=teacher,
            etag=self.row_status(row)["etag"],
        )

    def report_response(self, html: str) -> HTMLResponse:
        response = HTMLResponse(html)
        response.headers["content-security-policy"] = grading.report_csp() + "; frame-ancestors 'self'"
        return response

    def queue_etag(self) -> dict[str, Any]:
        q = self.site.queue_view()
        busy = ",".join(f"{w.name}={w.submission}" for w in q["workers"])  # type: ignore[attr-defined]
        return {
            "etag": f"{q['queued']}:{q['running']}:{q['graded']}:{busy}",
            **{k: q[k] for k in ("queued", "running", "graded")},
        }

    def class_etag(self, aid: str) -> dict[str, Any]:
        rows = self.site.class_rows(aid)
        q = self.queue_etag()["etag"]
        marks = ";".join(f"{r.sub.public_id}:{r.sub.state}:{r.sub.job}" for r in rows.values())
        return {"etag": f"{len(rows)}|{marks}|{q}"}

    def download(self, data: str | bytes, name: str, media: str) -> Response:
        """An attachment; the name (a student's file name, perhaps) only ever as a header value,
        ASCII-safe, with the original in RFC 6266's ``filename*``."""
        plain = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "download"
        disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"
        body = data.encode("utf-8") if isinstance(data, str) else data
        return Response(body, media_type=media, headers={"content-disposition": disposition})

    async def uploaded(self, public_id: str, owner: str | None) -> Response:
        def read() -> tuple[str, bytes, str]:
            return self.site.uploaded(self.site.submission(public_id, owner))

        name, data, media = await run_in_threadpool(read)
        return self.download(data, name, media)
