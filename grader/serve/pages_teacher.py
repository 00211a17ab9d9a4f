"""The teacher's pages: the queue, the class, grades and exports, regrades, extensions, links."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from grader.serve import grading
from grader.serve.pages import Pages
from grader.serve.site_base import Refused, Who, links_csv


def teacher_routes(web: Pages) -> list[Route]:
    """The routes of this part of the site."""

    @web.guarded("teacher")
    async def teacher_home(request: Request, who: Who) -> Response:
        lang = web.lang_of(request)

        def context() -> dict[str, Any]:
            items = []
            for o in web.site.folder.offered.values():
                items.append(
                    {
                        "id": o.id,
                        "title": grading.title(o.folder, lang),
                        "opens": web.when(o.opens),
                        "due": web.when(o.due),
                        "students": len(web.site.class_rows(o.id)),
                    }
                )
            return {
                "items": items,
                "queue": web.site.queue_view(),
                "students": web.site.students(),
                "etag": web.queue_etag()["etag"],
            }

        return web.page(request, "teacher_home.html.j2", who, **await run_in_threadpool(context))

    @web.guarded("teacher")
    async def teacher_queue(request: Request, who: Who) -> Response:
        return await web.long_poll(request, web.queue_etag)

    @web.guarded("teacher")
    async def teacher_assignment(request: Request, who: Who) -> Response:
        aid = request.path_params["assignment"]
        lang = web.lang_of(request)

        def context() -> dict[str, Any]:
            o = web.site.offered(aid, for_teacher=True)
            rows = web.site.class_rows(aid)
            class_rows = []
            for st in web.site.students():
                mine = web.site.rows(st.id, aid)
                class_rows.append({"id": st.id, "name": st.name, "row": rows.get(st.id), "count": len(mine)})
            return {
                "id": aid,
                "title": grading.title(o.folder, lang),
                "class_rows": class_rows,
                "etag": web.class_etag(aid)["etag"],
            }

        return web.page(request, "teacher_assignment.html.j2", who, **await run_in_threadpool(context))

    @web.guarded("teacher")
    async def teacher_assignment_status(request: Request, who: Who) -> Response:
        aid = request.path_params["assignment"]
        web.site.offered(aid, for_teacher=True)
        return await web.long_poll(request, lambda: web.class_etag(aid))

    @web.guarded("teacher")
    async def teacher_index(request: Request, who: Who) -> Response:
        html = await run_in_threadpool(
            web.site.index_html, request.path_params["assignment"], web.lang_of(request)
        )
        response = HTMLResponse(html)
        response.headers["content-security-policy"] = grading.index_csp() + "; frame-ancestors 'self'"
        return response

    @web.guarded("teacher")
    async def teacher_upload(request: Request, who: Who) -> Response:
        return await web.uploaded(request.path_params["public_id"], None)

    @web.guarded("teacher")
    async def grades_csv(request: Request, who: Who) -> Response:
        aid = request.path_params["assignment"]
        data = await run_in_threadpool(web.site.grades_csv, aid, web.lang_of(request))
        return web.download(data, f"{aid}-grades.csv", "text/csv; charset=utf-8")

    @web.guarded("teacher")
    async def gradescope(request: Request, who: Who) -> Response:
        aid = request.path_params["assignment"]
        data = await run_in_threadpool(web.site.gradescope_json, aid, web.lang_of(request))
        return web.download(data, f"{aid}-gradescope.json", "application/json")

    @web.guarded("teacher")
    async def regrade_all(request: Request, who: Who) -> Response:
        aid = request.path_params["assignment"]
        web.site.offered(aid, for_teacher=True)
        await web.form_of(request, who)
        await run_in_threadpool(lambda: web.site.regrade(assignment_id=aid))
        return RedirectResponse(f"/teacher/a/{aid}", status_code=303)

    @web.guarded("teacher")
    async def teacher_submission(request: Request, who: Who) -> Response:
        row = await run_in_threadpool(web.site.submission, request.path_params["public_id"], None)
        return web.submission_page(request, who, row, teacher=True)

    @web.guarded("teacher")
    async def teacher_submission_status(request: Request, who: Who) -> Response:
        pid = request.path_params["public_id"]
        return await web.long_poll(request, lambda: web.row_status(web.site.submission(pid, None)))

    @web.guarded("teacher")
    async def teacher_report(request: Request, who: Who) -> Response:
        lang = web.lang_of(request)

        def render() -> str:
            row = web.site.submission(request.path_params["public_id"], None)
            return web.site.report_html(row, lang, teacher=True)

        return web.report_response(await run_in_threadpool(render))

    @web.guarded("teacher")
    async def regrade_one(request: Request, who: Who) -> Response:
        pid = request.path_params["public_id"]
        await run_in_threadpool(web.site.submission, pid, None)
        await web.form_of(request, who)
        await run_in_threadpool(lambda: web.site.regrade(public_id=pid))
        return RedirectResponse(f"/teacher/s/{pid}", status_code=303)

    @web.guarded("teacher")
    async def teacher_student(request: Request, who: Who) -> Response:
        sid = request.path_params["student"]
        lang = web.lang_of(request)

        def context() -> dict[str, Any]:
            st = web.site.student(sid)
            assignments = []
            with web.site.db() as s:
                dues = {o.id: web.site.due_for(s, sid, o) for o in web.site.folder.offered.values()}
            for o in web.site.folder.offered.values():
                assignments.append(
                    {
                        "id": o.id,
                        "title": grading.title(o.folder, lang),
                        "due_input": dues[o.id].astimezone(web.zone).strftime("%Y-%m-%dT%H:%M"),
                        "rows": web.site.rows(sid, o.id),
                    }
                )
            return {"student": st, "assignments": assignments, "prefix": "/teacher"}

        return web.page(request, "teacher_student.html.j2", who, **await run_in_threadpool(context))

    @web.guarded("teacher")
    async def extend(request: Request, who: Who) -> Response:
        sid = request.path_params["student"]
        form = await web.form_of(request, who)
        try:
            due = datetime.fromisoformat(str(form.get("due", ""))).replace(tzinfo=web.zone)
        except ValueError:
            raise Refused(400, "not a date and time") from None
        await run_in_threadpool(web.site.extend, sid, str(form.get("assignment", "")), due)
        return RedirectResponse(f"/teacher/student/{quote(sid, safe='')}", status_code=303)

    @web.guarded("teacher")
    async def revoke(request: Request, who: Who) -> Response:
        sid = request.path_params["student"]
        await web.form_of(request, who)
        await run_in_threadpool(web.site.revoke_link, sid)
        return RedirectResponse(f"/teacher/student/{quote(sid, safe='')}", status_code=303)

    @web.guarded("teacher")
    async def make_links(request: Request, who: Who) -> Response:
        await web.form_of(request, who)
        rows = await run_in_threadpool(lambda: web.site.make_links(replace_all=False))
        return web.download(links_csv(rows), "links.csv", "text/csv; charset=utf-8")

    return [
        Route("/teacher", teacher_home),
        Route("/teacher/queue", teacher_queue),
        Route("/teacher/a/{assignment}", teacher_assignment),
        Route("/teacher/a/{assignment}/status", teacher_assignment_status),
        Route("/teacher/a/{assignment}/index", teacher_index),
        Route("/teacher/s/{public_id}/upload", teacher_upload),
        Route("/teacher/a/{assignment}/grades.csv", grades_csv),
        Route("/teacher/a/{assignment}/gradescope.json", gradescope),
        Route("/teacher/a/{assignment}/regrade", regrade_all, methods=["POST"]),
        Route("/teacher/s/{public_id}", teacher_submission),
        Route("/teacher/s/{public_id}/status", teacher_submission_status),
        Route("/teacher/s/{public_id}/report", teacher_report),
        Route("/teacher/s/{public_id}/regrade", regrade_one, methods=["POST"]),
        Route("/teacher/student/{student}", teacher_student),
        Route("/teacher/student/{student}/extend", extend, methods=["POST"]),
        Route("/teacher/student/{student}/revoke-link", revoke, methods=["POST"]),
        Route("/teacher/links", make_links, methods=["POST"]),
    ]
