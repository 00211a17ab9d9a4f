"""``grader check ASSIGNMENT SUBMISSION``: grade one submission, as a student would."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from grader.errors import UsageError
from grader.i18n import default_lang, gettext_for


def add_isolation_options(p: argparse.ArgumentParser) -> None:
    """Options every grading command shares."""
    p.add_argument(
        "--isolation",
        choices=["auto", "namespace", "host", "portable"],
        default="auto",
        help="namespace: own network per scenario; host: host loopback; portable: any OS, no"
        " isolation (default: auto, portable where the Linux parts are missing)",
    )
    p.add_argument(
        "--lang", choices=["en", "zh"], default=None, help="language of feedback (default: from the locale)"
    )
    p.add_argument(
        "--python",
        default=None,
        help="interpreter that runs student code (default: /usr/bin/python3; portable: this Python)",
    )


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="grade one submission and explain the result")
    p.add_argument("assignment", type=Path, help="assignment folder (holding assignment.yaml)")
    p.add_argument("submission", type=Path, help="the entry file, or a folder holding it")
    p.add_argument(
        "--json", type=Path, metavar="FILE", help="write the result here (re-render it with grader report)"
    )
    p.add_argument("--gradescope", type=Path, metavar="FILE", help="write Gradescope's results.json here")
    p.add_argument("--html", type=Path, metavar="FILE", help="write the HTML report here")
    p.add_argument("--student", default=None, help="name shown in reports (default: from the path)")
    add_isolation_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: other commands share this module's options.
    from grader.grade import GradeOptions, grade
    from grader.render.terminal import print_result
    from grader.results.models import write_atomic, write_json
    from grader.sandbox.platform_caps import prepare_isolation
    from grader.spec.load import load_assignment

    prepare_isolation(args.isolation)  # before any thread: namespaces without root
    assignment = load_assignment(args.assignment)
    lang = args.lang or default_lang()
    if not args.submission.exists():
        raise UsageError(gettext_for(lang)("{path}: no such file or folder").format(path=args.submission))
    student = args.student or (
        args.submission.stem if args.submission.is_file() else args.submission.resolve().name
    )
    result = grade(
        assignment,
        args.submission,
        student,
        GradeOptions(isolation=args.isolation, lang=lang, python=args.python),
    )
    print_result(result, lang=lang)
    if args.json:
        write_json(result, args.json)
    if args.gradescope:
        from grader.commands.report import platform_document

        doc = platform_document("gradescope", result, lang)
        write_atomic(args.gradescope, json.dumps(doc, ensure_ascii=False, indent=1))
    if args.html:
        from grader.render.html import render_report

        write_atomic(args.html, render_report(result, lang=lang))
    # Exit 0 whenever grading happened, whatever the score; 2 when it could not happen.
    return 2 if result.status == "not_graded" else 0
