"""A student's pages: an assignment, submitting, a submission, its report and its files."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from grader.serve.pages import Pages
from grader.serve.site_base import Refused, Who


def student_routes(web: Pages) -> list[Route]:
    """The routes of this part of the site."""

    @web.guarded("student")
    async def assignment(request: Request, who: Who) -> Response:
        context = await run_in_threadpool(
            web.assignment_context, who, request.path_params["assignment"], web.lang_of(request)
        )
        return web.page(request, "assignment.html.j2", who, **context)

    @web.guarded("student")
    async def submit(request: Request, who: Who) -> Response:
        aid = request.path_params["assignment"]
        lang = web.lang_of(request)
        try:
            web.site.offered(aid)
            form = await web.form_of(
                request,
                who,
                max_files=web.limits.upload_files,
                max_fields=10,
                max_part_size=web.limits.upload_bytes,
            )
            parts = []
            for item in form.getlist("file"):
                if isinstance(item, UploadFile) and item.filename:
                    parts.append((item.filename, await item.read()))
            sub, _created = await run_in_threadpool(web.site.submit, who.sid, aid, parts, lang)
        except Refused as refused:
            context = await run_in_threadpool(web.assignment_context, who, aid, lang)
            return web.refused_form(request, "assignment.html.j2", who, refused, **context)
        return RedirectResponse(f"/s/{sub.public_id}", status_code=303)

    @web.guarded("student")
    async def submission(request: Request, who: Who) -> Response:
        row = await run_in_threadpool(web.site.submission, request.path_params["public_id"], who.student_id)
        return web.submission_page(request, who, row, teacher=False)

    @web.guarded("student")
    async def submission_status(request: Request, who: Who) -> Response:
        pid = request.path_params["public_id"]
        return await web.long_poll(request, lambda: web.row_status(web.site.submission(pid, who.student_id)))

    @web.guarded("student")
    async def report(request: Request, who: Who) -> Response:
        lang = web.lang_of(request)

        def render() -> str:
            row = web.site.submission(request.path_params["public_id"], who.student_id)
            return web.site.report_html(row, lang, teacher=False)

        return web.report_response(await run_in_threadpool(render))

    @web.guarded("student")
    async def upload(request: Request, who: Who) -> Response:
        return await web.uploaded(request.path_params["public_id"], who.student_id)

    return [
        Route("/a/{assignment}", assignment),
        Route("/a/{assignment}/submit", submit, methods=["POST"]),
        Route("/s/{public_id}", submission),
        Route("/s/{public_id}/status", submission_status),
        Route("/s/{public_id}/report", report),
        Route("/s/{public_id}/upload", upload),
    ]
