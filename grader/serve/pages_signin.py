"""Signing in and out: the home page, a student's password or link, the teacher's password, the language."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from grader.serve import grading
from grader.serve.pages import Pages
from grader.serve.site_base import Refused
from grader.serve.web import LANG_COOKIE, SESSION_COOKIE


def signin_routes(web: Pages) -> list[Route]:
    """The routes of this part of the site."""

    async def home(request: Request) -> Response:
        who = await web.who_of(request)
        if who is None:
            return web.page(request, "signin.html.j2", None)
        if who.kind == "teacher":
            return RedirectResponse("/teacher", status_code=303)
        lang = web.lang_of(request)

        def items() -> list[dict[str, Any]]:
            out = []
            with web.site.db() as s:
                dues = {o.id: web.site.due_for(s, who.sid, o) for o in web.site.open_assignments()}
            for o in web.site.open_assignments():
                rows = web.site.rows(who.sid, o.id)
                counting = next((r for r in rows if r.counts), None)
                out.append(
                    {
                        "id": o.id,
                        "title": grading.title(o.folder, lang),
                        "due": web.when(dues[o.id]),
                        "extended": dues[o.id] != o.due,
                        "counting": counting,
                    }
                )
            return out

        return web.page(request, "home.html.j2", who, items=await run_in_threadpool(items))

    async def signin(request: Request) -> Response:
        try:
            form = await web.form_of(request, None)
            token, _csrf = await web.hashing(
                web.site.sign_in_student,
                str(form.get("student", "")).strip(),
                str(form.get("password", "")),
                web.client_ip(request),
            )
        except Refused as refused:
            return web.refused_form(request, "signin.html.j2", None, refused)
        return web.signed_in(RedirectResponse("/", status_code=303), token)

    async def link(request: Request) -> Response:
        try:
            token, _csrf = await run_in_threadpool(
                web.site.sign_in_link, request.path_params["secret"], web.client_ip(request)
            )
        except Refused as refused:
            return web.refused_page(request, None, refused)
        return web.signed_in(RedirectResponse("/", status_code=303), token)

    async def signout(request: Request) -> Response:
        who = await web.who_of(request)
        try:
            await web.form_of(request, who)
        except Refused as refused:
            return web.refused_page(request, who, refused)
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await run_in_threadpool(web.site.sign_out, token)
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    async def choose_lang(request: Request) -> Response:
        who = await web.who_of(request)
        try:
            form = await web.form_of(request, who)
        except Refused as refused:
            return web.refused_page(request, who, refused)
        lang = str(form.get("lang", ""))
        target = str(form.get("next", "/"))
        if not target.startswith("/") or target.startswith("//"):
            target = "/"
        response = RedirectResponse(target, status_code=303)
        if lang in web.languages:
            web.set_cookie(response, LANG_COOKIE, lang, max_age=365 * 86400)
        return response

    async def teacher_signin_page(request: Request) -> Response:
        return web.page(request, "teacher_signin.html.j2", await web.who_of(request))

    async def teacher_signin(request: Request) -> Response:
        try:
            form = await web.form_of(request, None)
            token, _csrf = await web.hashing(
                web.site.sign_in_teacher, str(form.get("password", "")), web.client_ip(request)
            )
        except Refused as refused:
            return web.refused_form(request, "teacher_signin.html.j2", None, refused)
        return web.signed_in(RedirectResponse("/teacher", status_code=303), token)

    return [
        Route("/", home),
        Route("/signin", signin, methods=["POST"]),
        Route("/link/{secret}", link),
        Route("/signout", signout, methods=["POST"]),
        Route("/lang", choose_lang, methods=["POST"]),
        Route("/teacher/signin", teacher_signin_page),
        Route("/teacher/signin", teacher_signin, methods=["POST"]),
    ]
