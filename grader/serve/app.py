"""The ASGI application: routes, pages, cookies. What the site does lives in :mod:`.site`.

Starlette rather than FastAPI: every page is HTML rendered on the server from Jinja2 (which
the grader already uses) with plain forms; FastAPI's gifts (request models, OpenAPI) serve
JSON APIs this site does not have, and it would bring its own layer over the same Starlette.
Starlette is small, typed, maintained by the uvicorn team, and its test client drives the
app in-process where a real server adds nothing.

Every route answers only to whom it belongs: student pages take the student from the
session and look submissions up by (public id, owner), so another student's id gives 404;
teacher pages need a teacher session (403 for a signed-in student). Every POST checks its
CSRF token.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from functools import cache, partial
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import anyio
import anyio.to_thread
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from grader.i18n import gettext_for
from grader.serve import grading
from grader.serve.db import now
from grader.serve.security import BodyLimit, SecurityHeaders, new_secret, same
from grader.serve.site import Site
from grader.serve.site_base import Refused, Row, Who, links_csv

SESSION_COOKIE = "grader_session"
CSRF_COOKIE = "grader_csrf"
LANG_COOKIE = "grader_lang"
LONG_POLL_SECONDS = 25.0
FORM_OVERHEAD = 64 * 1024
"""Room for the multipart framing and the small fields around the uploaded bytes."""


class Changes:
    """Wakes long-polling pages when anything in the queue moved (called from any thread)."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def bind(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._event = asyncio.Event()

    def notify(self) -> None:
        if self.loop is not None and not self.loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(self._fire)

    def _fire(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        event = self._event
        if event is None:
            await asyncio.sleep(0)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)


@cache
def environment(lang: str) -> Environment:
    env = Environment(
        loader=PackageLoader("grader.serve", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["_"] = gettext_for(lang)
    env.filters["num"] = lambda x: f"{round(float(x), 2):g}"
    return env


def create_app(site: Site, *, secure_cookies: bool = False, start_workers: bool = True) -> Any:
    """The whole site as one ASGI callable (body limit and security headers around Starlette)."""
    changes = Changes()
    site.on_change.append(changes.notify)
    zone = ZoneInfo(site.folder.course.timezone)
    languages = site.folder.course.languages
    limits = site.folder.course.limits

    # ------------------------------------------------------------------ helpers

    def lang_of(request: Request) -> str:
        chosen = request.cookies.get(LANG_COOKIE)
        if chosen in languages:
            return chosen
        accept = request.headers.get("accept-language", "").lower()
        for code in languages:
            if accept.startswith(code) or f",{code}" in accept.replace(" ", ""):
                return code
        return site.folder.default_lang()

    def when(value: datetime) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    def state_label(lang: str) -> Callable[[Row], str]:
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

    # Two per core: enough to keep the cores busy while a check waits for the database, few
    # enough that a class signing in at once holds a bounded 64 MiB of argon2 memory each.
    argon2_slots = anyio.CapacityLimiter(2 * (os.cpu_count() or 1))

    async def hashing(fn: Callable[..., Any], *args: Any) -> Any:
        """A password check in threads of its own, waiting in turn (first come, first served):
        a class signing in at once neither fills the pages' threads nor the memory."""
        return await anyio.to_thread.run_sync(partial(fn, *args), limiter=argon2_slots)

    async def who_of(request: Request) -> Who | None:
        return await run_in_threadpool(site.who, request.cookies.get(SESSION_COOKIE))

    def page(
        request: Request,
        name: str,
        who: Who | None,
        status: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        lang = lang_of(request)
        env = environment(lang)
        env.filters["when"] = when
        env.filters["state"] = state_label(lang)
        anon_csrf = request.cookies.get(CSRF_COOKIE) or ""
        fresh = not anon_csrf
        if fresh:
            anon_csrf = new_secret()
        html = env.get_template(name).render(
            lang=lang,
            languages=languages,
            course_title=site.folder.course.title_in(lang),
            who=who,
            csrf=who.csrf if who else anon_csrf,
            path=request.url.path,
            **context,
        )
        response = HTMLResponse(html, status_code=status)
        if fresh:
            set_cookie(response, CSRF_COOKIE, anon_csrf)
        return response

    def set_cookie(response: Response, name: str, value: str, max_age: int | None = None) -> None:
        response.set_cookie(
            name, value, max_age=max_age, httponly=True, samesite="lax", secure=secure_cookies, path="/"
        )

    def words(request: Request, refused: Refused) -> str:
        _ = gettext_for(lang_of(request))
        args = {k: (when(v) if isinstance(v, datetime) else v) for k, v in refused.args_.items()}
        return _(refused.message).format(**args)

    def refused_page(request: Request, who: Who | None, refused: Refused) -> HTMLResponse:
        _ = gettext_for(lang_of(request))
        heading = _("Not found") if refused.status == 404 else _("Cannot do that")
        return page(
            request,
            "error.html.j2",
            who,
            status=refused.status,
            heading=heading,
            message=words(request, refused),
        )

    async def form_of(request: Request, who: Who | None, **kwargs: Any) -> FormData:
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

    def signed_in(response: Response, token: str) -> Response:
        set_cookie(response, SESSION_COOKIE, token, max_age=14 * 86400)
        return response

    def client_ip(request: Request) -> str:
        return request.client.host if request.client else "?"

    def guarded(kind: str) -> Callable[[Callable[..., Any]], Callable[[Request], Any]]:
        """A route for one kind of user: others get sign-in (not signed in) or 403 / 404."""

        def wrap(handler: Callable[..., Any]) -> Callable[[Request], Any]:
            async def endpoint(request: Request) -> Response:
                who = await who_of(request)
                if who is None or who.kind != kind:
                    if who is None and request.method == "GET" and not request.url.path.endswith("/status"):
                        target = "/teacher/signin" if kind == "teacher" else "/"
                        return RedirectResponse(target, status_code=303)
                    return refused_page(
                        request, who, Refused(403 if who else 401, "sign in to see this page")
                    )
                try:
                    return await handler(request, who)
                except Refused as refused:
                    if request.url.path.endswith("/status"):
                        return JSONResponse({"error": refused.message}, status_code=refused.status)
                    return refused_page(request, who, refused)

            return endpoint

        return wrap

    async def long_poll(request: Request, etag_of: Callable[[], dict[str, Any]]) -> JSONResponse:
        known = request.query_params.get("known", "")
        state = await run_in_threadpool(etag_of)
        if state["etag"] == known:
            await changes.wait(LONG_POLL_SECONDS)
            state = await run_in_threadpool(etag_of)
        return JSONResponse(state)

    def row_status(row: Row) -> dict[str, Any]:
        etag = f"{row.sub.state}:{row.position}:{row.sub.job}:{row.grading.job if row.grading else 0}"
        return {"etag": etag, "state": row.sub.state, "position": row.position, "score": row.score}

    # ------------------------------------------------------------------ signing in and out

    async def home(request: Request) -> Response:
        who = await who_of(request)
        if who is None:
            return page(request, "signin.html.j2", None)
        if who.kind == "teacher":
            return RedirectResponse("/teacher", status_code=303)
        lang = lang_of(request)

        def items() -> list[dict[str, Any]]:
            out = []
            with site.db() as s:
                dues = {o.id: site.due_for(s, who.sid, o) for o in site.open_assignments()}
            for o in site.open_assignments():
                rows = site.rows(who.sid, o.id)
                counting = next((r for r in rows if r.counts), None)
                out.append(
                    {
                        "id": o.id,
                        "title": grading.title(o.folder, lang),
                        "due": when(dues[o.id]),
                        "extended": dues[o.id] != o.due,
                        "counting": counting,
                    }
                )
            return out

        return page(request, "home.html.j2", who, items=await run_in_threadpool(items))

    async def signin(request: Request) -> Response:
        try:
            form = await form_of(request, None)
            token, _csrf = await hashing(
                site.sign_in_student,
                str(form.get("student", "")).strip(),
                str(form.get("password", "")),
                client_ip(request),
            )
        except Refused as refused:
            return page(
                request,
                "signin.html.j2",
                None,
                status=refused.status,
                notice=words(request, refused),
                notice_kind="error",
            )
        return signed_in(RedirectResponse("/", status_code=303), token)

    async def link(request: Request) -> Response:
        try:
            token, _csrf = await run_in_threadpool(
                site.sign_in_link, request.path_params["secret"], client_ip(request)
            )
        except Refused as refused:
            return refused_page(request, None, refused)
        return signed_in(RedirectResponse("/", status_code=303), token)

    async def signout(request: Request) -> Response:
        who = await who_of(request)
        try:
            await form_of(request, who)
        except Refused as refused:
            return refused_page(request, who, refused)
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await run_in_threadpool(site.sign_out, token)
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    async def choose_lang(request: Request) -> Response:
        who = await who_of(request)
        try:
            form = await form_of(request, who)
        except Refused as refused:
            return refused_page(request, who, refused)
        lang = str(form.get("lang", ""))
        target = str(form.get("next", "/"))
        if not target.startswith("/") or target.startswith("//"):
            target = "/"
        response = RedirectResponse(target, status_code=303)
        if lang in languages:
            set_cookie(response, LANG_COOKIE, lang, max_age=365 * 86400)
        return response

    async def teacher_signin_page(request: Request) -> Response:
        return page(request, "teacher_signin.html.j2", await who_of(request))

    async def teacher_signin(request: Request) -> Response:
        try:
            form = await form_of(request, None)
            token, _csrf = await hashing(
                site.sign_in_teacher, str(form.get("password", "")), client_ip(request)
            )
        except Refused as refused:
            return page(
                request,
                "teacher_signin.html.j2",
                None,
                status=refused.status,
                notice=words(request, refused),
                notice_kind="error",
            )
        return signed_in(RedirectResponse("/teacher", status_code=303), token)

    # ------------------------------------------------------------------ students

    def assignment_context(who: Who, assignment_id: str, lang: str) -> dict[str, Any]:
        _ = gettext_for(lang)
        o = site.offered(assignment_id)
        with site.db() as s:
            due = site.due_for(s, who.sid, o)
        return {
            "id": o.id,
            "title": grading.title(o.folder, lang),
            "entry": grading.entry_name(o.folder),
            "due": when(due),
            "extended": due != o.due,
            "closed": now() > o.last_accepted(due),
            "rule": _("the best score") if site.folder.course.counts == "best" else _("the last one graded"),
            "per_hour": site.folder.course.submissions_per_hour,
            "rows": site.rows(who.sid, o.id),
            "prefix": "",
        }

    @guarded("student")
    async def assignment(request: Request, who: Who) -> Response:
        context = await run_in_threadpool(
            assignment_context, who, request.path_params["assignment"], lang_of(request)
        )
        return page(request, "assignment.html.j2", who, **context)

    @guarded("student")
    async def submit(request: Request, who: Who) -> Response:
        aid = request.path_params["assignment"]
        lang = lang_of(request)
        try:
            site.offered(aid)
            form = await form_of(
                request, who, max_files=limits.upload_files, max_fields=10, max_part_size=limits.upload_bytes
            )
            parts = []
            for item in form.getlist("file"):
                if isinstance(item, UploadFile) and item.filename:
                    parts.append((item.filename, await item.read()))
            sub, _created = await run_in_threadpool(site.submit, who.sid, aid, parts, lang)
        except Refused as refused:
            context = await run_in_threadpool(assignment_context, who, aid, lang)
            return page(
                request,
                "assignment.html.j2",
                who,
                status=refused.status,
                notice=words(request, refused),
                notice_kind="error",
                **context,
            )
        return RedirectResponse(f"/s/{sub.public_id}", status_code=303)

    def submission_page(request: Request, who: Who, row: Row, *, teacher: bool) -> HTMLResponse:
        lang = lang_of(request)
        offered = site.folder.offered.get(row.sub.assignment_id)
        title = grading.title(offered.folder, lang) if offered else row.sub.assignment_id
        prefix = "/teacher" if teacher else ""
        back = f"/teacher/a/{row.sub.assignment_id}" if teacher else f"/a/{row.sub.assignment_id}"
        return page(
            request,
            "submission.html.j2",
            who,
            row=row,
            title=title,
            prefix=prefix,
            back=back,
            teacher=teacher,
            etag=row_status(row)["etag"],
        )

    @guarded("student")
    async def submission(request: Request, who: Who) -> Response:
        row = await run_in_threadpool(site.submission, request.path_params["public_id"], who.student_id)
        return submission_page(request, who, row, teacher=False)

    @guarded("student")
    async def submission_status(request: Request, who: Who) -> Response:
        pid = request.path_params["public_id"]
        return await long_poll(request, lambda: row_status(site.submission(pid, who.student_id)))

    def report_response(html: str) -> HTMLResponse:
        response = HTMLResponse(html)
        response.headers["content-security-policy"] = grading.report_csp() + "; frame-ancestors 'self'"
        return response

    @guarded("student")
    async def report(request: Request, who: Who) -> Response:
        lang = lang_of(request)

        def render() -> str:
            row = site.submission(request.path_params["public_id"], who.student_id)
            return site.report_html(row, lang, teacher=False)

        return report_response(await run_in_threadpool(render))

    # ------------------------------------------------------------------ the teacher

    def queue_etag() -> dict[str, Any]:
        q = site.queue_view()
        busy = ",".join(f"{w.name}={w.submission}" for w in q["workers"])  # type: ignore[attr-defined]
        return {
            "etag": f"{q['queued']}:{q['running']}:{q['graded']}:{busy}",
            **{k: q[k] for k in ("queued", "running", "graded")},
        }

    @guarded("teacher")
    async def teacher_home(request: Request, who: Who) -> Response:
        lang = lang_of(request)

        def context() -> dict[str, Any]:
            items = []
            for o in site.folder.offered.values():
                items.append(
                    {
                        "id": o.id,
                        "title": grading.title(o.folder, lang),
                        "opens": when(o.opens),
                        "due": when(o.due),
                        "students": len(site.class_rows(o.id)),
                    }
                )
            return {
                "items": items,
                "queue": site.queue_view(),
                "students": site.students(),
                "etag": queue_etag()["etag"],
            }

        return page(request, "teacher_home.html.j2", who, **await run_in_threadpool(context))

    @guarded("teacher")
    async def teacher_queue(request: Request, who: Who) -> Response:
        return await long_poll(request, queue_etag)

    def class_etag(aid: str) -> dict[str, Any]:
        rows = site.class_rows(aid)
        q = queue_etag()["etag"]
        marks = ";".join(f"{r.sub.public_id}:{r.sub.state}:{r.sub.job}" for r in rows.values())
        return {"etag": f"{len(rows)}|{marks}|{q}"}

    @guarded("teacher")
    async def teacher_assignment(request: Request, who: Who) -> Response:
        aid = request.path_params["assignment"]
        lang = lang_of(request)

        def context() -> dict[str, Any]:
            o = site.offered(aid, for_teacher=True)
            rows = site.class_rows(aid)
            class_rows = []
            for st in site.students():
                mine = site.rows(st.id, aid)
                class_rows.append({"id": st.id, "name": st.name, "row": rows.get(st.id), "count": len(mine)})
            return {
                "id": aid,
                "title": grading.title(o.folder, lang),
                "class_rows": class_rows,
                "etag": class_etag(aid)["etag"],
            }

        return page(request, "teacher_assignment.html.j2", who, **await run_in_threadpool(context))

    @guarded("teacher")
    async def teacher_assignment_status(request: Request, who: Who) -> Response:
        aid = request.path_params["assignment"]
        site.offered(aid, for_teacher=True)
        return await long_poll(request, lambda: class_etag(aid))

    @guarded("teacher")
    async def teacher_index(request: Request, who: Who) -> Response:
        html = await run_in_threadpool(site.index_html, request.path_params["assignment"], lang_of(request))
        response = HTMLResponse(html)
        response.headers["content-security-policy"] = grading.index_csp() + "; frame-ancestors 'self'"
        return response

    def download(data: str | bytes, name: str, media: str) -> Response:
        """An attachment; the name (a student's file name, perhaps) only ever as a header value,
        ASCII-safe, with the original in RFC 6266's ``filename*``."""
        plain = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "download"
        disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"
        body = data.encode("utf-8") if isinstance(data, str) else data
        return Response(body, media_type=media, headers={"content-disposition": disposition})

    async def uploaded(public_id: str, owner: str | None) -> Response:
        def read() -> tuple[str, bytes, str]:
            return site.uploaded(site.submission(public_id, owner))

        name, data, media = await run_in_threadpool(read)
        return download(data, name, media)

    @guarded("student")
    async def upload(request: Request, who: Who) -> Response:
        return await uploaded(request.path_params["public_id"], who.student_id)

    @guarded("teacher")
    async def teacher_upload(request: Request, who: Who) -> Response:
        return await uploaded(request.path_params["public_id"], None)

    @guarded("teacher")
    async def grades_csv(request: Request, who: Who) -> Response:
        aid = request.path_params["assignment"]
        data = await run_in_threadpool(site.grades_csv, aid, lang_of(request))
        return download(data, f"{aid}-grades.csv", "text/csv; charset=utf-8")

    @guarded("teacher")
    async def gradescope(request: Request, who: Who) -> Response:
        aid = request.path_params["assignment"]
        data = await run_in_threadpool(site.gradescope_json, aid, lang_of(request))
        return download(data, f"{aid}-gradescope.json", "application/json")

    @guarded("teacher")
    async def regrade_all(request: Request, who: Who) -> Response:
        aid = request.path_params["assignment"]
        site.offered(aid, for_teacher=True)
        await form_of(request, who)
        await run_in_threadpool(lambda: site.regrade(assignment_id=aid))
        return RedirectResponse(f"/teacher/a/{aid}", status_code=303)

    @guarded("teacher")
    async def teacher_submission(request: Request, who: Who) -> Response:
        row = await run_in_threadpool(site.submission, request.path_params["public_id"], None)
        return submission_page(request, who, row, teacher=True)

    @guarded("teacher")
    async def teacher_submission_status(request: Request, who: Who) -> Response:
        pid = request.path_params["public_id"]
        return await long_poll(request, lambda: row_status(site.submission(pid, None)))

    @guarded("teacher")
    async def teacher_report(request: Request, who: Who) -> Response:
        lang = lang_of(request)

        def render() -> str:
            row = site.submission(request.path_params["public_id"], None)
            return site.report_html(row, lang, teacher=True)

        return report_response(await run_in_threadpool(render))

    @guarded("teacher")
    async def regrade_one(request: Request, who: Who) -> Response:
        pid = request.path_params["public_id"]
        await run_in_threadpool(site.submission, pid, None)
        await form_of(request, who)
        await run_in_threadpool(lambda: site.regrade(public_id=pid))
        return RedirectResponse(f"/teacher/s/{pid}", status_code=303)

    @guarded("teacher")
    async def teacher_student(request: Request, who: Who) -> Response:
        sid = request.path_params["student"]
        lang = lang_of(request)

        def context() -> dict[str, Any]:
            st = site.student(sid)
            assignments = []
            with site.db() as s:
                dues = {o.id: site.due_for(s, sid, o) for o in site.folder.offered.values()}
            for o in site.folder.offered.values():
                assignments.append(
                    {
                        "id": o.id,
                        "title": grading.title(o.folder, lang),
                        "due_input": dues[o.id].astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
                        "rows": site.rows(sid, o.id),
                    }
                )
            return {"student": st, "assignments": assignments, "prefix": "/teacher"}

        return page(request, "teacher_student.html.j2", who, **await run_in_threadpool(context))

    @guarded("teacher")
    async def extend(request: Request, who: Who) -> Response:
        sid = request.path_params["student"]
        form = await form_of(request, who)
        try:
            due = datetime.fromisoformat(str(form.get("due", ""))).replace(tzinfo=zone)
        except ValueError:
            raise Refused(400, "not a date and time") from None
        await run_in_threadpool(site.extend, sid, str(form.get("assignment", "")), due)
        return RedirectResponse(f"/teacher/student/{quote(sid, safe='')}", status_code=303)

    @guarded("teacher")
    async def revoke(request: Request, who: Who) -> Response:
        sid = request.path_params["student"]
        await form_of(request, who)
        await run_in_threadpool(site.revoke_link, sid)
        return RedirectResponse(f"/teacher/student/{quote(sid, safe='')}", status_code=303)

    @guarded("teacher")
    async def make_links(request: Request, who: Who) -> Response:
        await form_of(request, who)
        rows = await run_in_threadpool(lambda: site.make_links(replace_all=False))
        return download(links_csv(rows), "links.csv", "text/csv; charset=utf-8")

    # ------------------------------------------------------------------ the app

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        changes.bind()
        if start_workers:
            site.start_workers()  # in the loop's (main) thread: the warm pool dies with its thread
        try:
            yield
        finally:
            await run_in_threadpool(site.close)

    static = StaticFiles(packages=[("grader.serve", "static")])
    routes = [
        Route("/", home),
        Route("/signin", signin, methods=["POST"]),
        Route("/link/{secret}", link),
        Route("/signout", signout, methods=["POST"]),
        Route("/lang", choose_lang, methods=["POST"]),
        Route("/a/{assignment}", assignment),
        Route("/a/{assignment}/submit", submit, methods=["POST"]),
        Route("/s/{public_id}", submission),
        Route("/s/{public_id}/status", submission_status),
        Route("/s/{public_id}/report", report),
        Route("/s/{public_id}/upload", upload),
        Route("/teacher/signin", teacher_signin_page),
        Route("/teacher/signin", teacher_signin, methods=["POST"]),
        Route("/teacher", teacher_home),
        Route("/teacher/queue", teacher_queue),
        Route("/teacher/links", make_links, methods=["POST"]),
        Route("/teacher/a/{assignment}", teacher_assignment),
        Route("/teacher/a/{assignment}/status", teacher_assignment_status),
        Route("/teacher/a/{assignment}/index", teacher_index),
        Route("/teacher/a/{assignment}/grades.csv", grades_csv),
        Route("/teacher/a/{assignment}/gradescope.json", gradescope),
        Route("/teacher/a/{assignment}/regrade", regrade_all, methods=["POST"]),
        Route("/teacher/s/{public_id}", teacher_submission),
        Route("/teacher/s/{public_id}/status", teacher_submission_status),
        Route("/teacher/s/{public_id}/report", teacher_report),
        Route("/teacher/s/{public_id}/upload", teacher_upload),
        Route("/teacher/s/{public_id}/regrade", regrade_one, methods=["POST"]),
        Route("/teacher/student/{student}", teacher_student),
        Route("/teacher/student/{student}/extend", extend, methods=["POST"]),
        Route("/teacher/student/{student}/revoke-link", revoke, methods=["POST"]),
        Mount("/static", static, name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    too_big = gettext_for(site.folder.default_lang())(
        "the upload is larger than this course allows ({n} bytes)"
    ).format(n=limits.upload_bytes)
    limited = BodyLimit(app, limit=limits.upload_bytes + FORM_OVERHEAD, message=too_big.encode("utf-8"))
    wrapped = SecurityHeaders(limited, hsts=secure_cookies)
    wrapped.site = site  # type: ignore[attr-defined]
    return wrapped
