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

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from grader.i18n import gettext_for
from grader.serve.pages import Pages
from grader.serve.pages_signin import signin_routes
from grader.serve.pages_student import student_routes
from grader.serve.pages_teacher import teacher_routes
from grader.serve.security import BodyLimit, SecurityHeaders
from grader.serve.site import Site
from grader.serve.web import Changes

FORM_OVERHEAD = 64 * 1024
"""Room for the multipart framing and the small fields around the uploaded bytes."""


def create_app(site: Site, *, secure_cookies: bool = False, start_workers: bool = True) -> Any:
    """The whole site as one ASGI callable (body limit and security headers around Starlette)."""
    changes = Changes()
    site.on_change.append(changes.notify)
    web = Pages(site, changes, secure_cookies=secure_cookies)
    limits = web.limits

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
        *signin_routes(web),
        *student_routes(web),
        *teacher_routes(web),
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
