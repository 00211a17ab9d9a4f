"""``grader serve COURSE_DIR``: the course's submission site (``--init DIR`` writes an example course)."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import timedelta
from pathlib import Path

from grader.commands.check import add_isolation_options
from grader.errors import UsageError

TEACHER_PASSWORD_ENV = "GRADER_TEACHER_PASSWORD"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="a submission site for a course: students upload, read their reports")
    p.add_argument("course", type=Path, nargs="?", help="course folder (holding course.yaml and roster.csv)")
    p.add_argument("--init", type=Path, metavar="DIR", default=None, help="write a commented example course")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1 only)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument(
        "--workers", type=int, default=0, help="submissions graded at once (default: one per core)"
    )
    p.add_argument(
        "--dask", metavar="ADDRESS", default=None, help="grade on a Dask cluster (as grader batch)"
    )
    p.add_argument(
        "--database",
        metavar="URL",
        default=None,
        help="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db (default: SQLite in the course folder)",
    )
    p.add_argument(
        "--lease",
        type=float,
        metavar="SECONDS",
        default=60.0,
        help="with --database and several servers: how long a grading held by a server that died "
        "waits before another server takes it (default: 60; renewed while grading runs)",
    )
    p.add_argument(
        "--public-url",
        default=None,
        help="the address students open, used in personal links (default: http://HOST:PORT)",
    )
    p.add_argument(
        "--make-links",
        action="store_true",
        help="print a CSV of personal sign-in links for students without one, then exit",
    )
    p.add_argument(
        "--all", action="store_true", help="with --make-links: new links for everyone (old ones stop)"
    )
    p.add_argument(
        "--reset-teacher-password",
        action="store_true",
        help=f"make and print a new teacher password (or take it from ${TEACHER_PASSWORD_ENV})",
    )
    p.add_argument(
        "--behind-tls",
        action="store_true",
        help="behind an HTTPS proxy: Secure cookies and HSTS (see docs/serve.md)",
    )
    add_isolation_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.init is not None:
        from grader.serve.init_course import write_example

        for path in write_example(args.init):
            print(f"wrote {path}")
        print(f"start it with: grader serve {args.init}")
        return 0
    if args.course is None:
        raise UsageError("name a course folder (or write one with: grader serve --init DIR)")
    if args.lease < 3:
        raise UsageError("--lease must be 3 seconds or more")
    if args.workers < 0:
        raise UsageError("--workers must be 1 or more (0: one per core)")
    from grader.serve.config import load_course
    from grader.serve.security import new_secret
    from grader.serve.site import Site
    from grader.serve.site_base import Refused, links_csv

    folder = load_course(args.course)
    public = args.public_url or f"http://{args.host}:{args.port}"
    site = Site(
        folder,
        db_url=args.database,
        workers_count=args.workers or os.cpu_count() or 1,
        dask=args.dask,
        isolation=args.isolation,
        python=args.python,
        public_url=public,
        lease=timedelta(seconds=args.lease),
    )
    try:
        site.open()
    except Refused as exc:
        raise UsageError(f"{folder.root}: {exc}") from None
    if args.make_links:
        sys.stdout.write(links_csv(site.make_links(replace_all=args.all)))
        site.close()
        return 0
    given = os.environ.get(TEACHER_PASSWORD_ENV, "")
    shown = ""
    if given and (args.reset_teacher_password or not site.teacher_password_set()):
        site.set_teacher_password(given)
    elif args.reset_teacher_password or not site.teacher_password_set():
        shown = new_secret()[:20]
        site.set_teacher_password(shown)
    return _serve(site, args, public, shown)


def _serve(site: object, args: argparse.Namespace, public: str, shown: str) -> int:
    import uvicorn

    from grader.serve.app import create_app
    from grader.serve.site import Site

    assert isinstance(site, Site)
    app = create_app(site, secure_cookies=args.behind_tls)
    print(f"grader serve: {public}/  (course: {site.folder.root})", flush=True)
    print(f"teacher sign-in: {public}/teacher/signin", flush=True)
    if shown:
        print(f"teacher password (shown once; --reset-teacher-password makes a new one): {shown}", flush=True)
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        proxy_headers=args.behind_tls,
        lifespan="on",
        timeout_graceful_shutdown=5,
    )
    uvicorn.Server(config).run()
    return 0
