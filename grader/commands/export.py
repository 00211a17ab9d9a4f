"""``grader export gradescope|prairielearn ASSIGNMENT -o OUT``: what a teacher uploads."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from grader.errors import UsageError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="build a Gradescope autograder zip, a PrairieLearn question, or the students' zip "
        "(student: the spec without hidden scenarios, README, the grader, how to check)",
    )
    p.add_argument("platform", choices=["gradescope", "prairielearn", "student"])
    p.add_argument("assignment", type=Path, help="assignment folder (holding assignment.yaml)")
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help="the zip to write (gradescope, student) or a new question folder (prairielearn)",
    )
    p.add_argument(
        "--wheel",
        type=Path,
        default=None,
        help="ship this grader wheel instead of building one from the source",
    )
    p.add_argument(
        "--lang",
        choices=["en", "zh"],
        default=None,
        help="language of the students' feedback (default: the container's locale)",
    )
    p.add_argument(
        "--isolation",
        choices=["auto", "namespace", "host"],
        default="auto",
        help="isolation inside the platform's container (default: auto)",
    )
    p.add_argument(
        "--image", default="prairielearn/grader-python", help="PrairieLearn grading image (prairielearn only)"
    )
    p.add_argument(
        "--no-vendor",
        action="store_true",
        help="prairielearn: do not put the dependencies' wheels in the question (the image must have them)",
    )
    p.add_argument(
        "--pl-python",
        metavar="X.Y",
        default=None,
        help="prairielearn: the grading image's Python version, for the vendored wheels (default: this one)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from grader.i18n import default_lang, gettext_for
    from grader.platforms.export import ExportError, export_gradescope, export_prairielearn

    started = time.monotonic()
    lang = args.lang or default_lang()
    _ = gettext_for(lang)
    try:
        if args.platform == "student":
            return _student(args, started)
        if args.platform == "gradescope":
            if args.output.suffix != ".zip":
                raise UsageError(
                    _("{path}: the Gradescope autograder must be a .zip file").format(path=args.output)
                )
            out = export_gradescope(
                args.assignment, args.output, wheel=args.wheel, lang=args.lang, isolation=args.isolation
            )
        else:
            out = export_prairielearn(
                args.assignment,
                args.output,
                wheel=args.wheel,
                lang=args.lang,
                isolation=args.isolation,
                image=args.image,
                vendor=not args.no_vendor,
                python_version=args.pl_python,
            )
    except ExportError as exc:
        raise UsageError(exc.render(lang)) from None
    print(_("wrote {out} ({seconds:.1f} s)").format(out=out, seconds=time.monotonic() - started))
    return 0


def _student(args: argparse.Namespace, started: float) -> int:
    from grader.i18n import default_lang, gettext_for
    from grader.platforms.student_export import export_student

    _ = gettext_for(args.lang or default_lang())
    if args.output.suffix != ".zip":
        raise UsageError(_("{path}: the students' export must be a .zip file").format(path=args.output))
    out, hidden = export_student(args.assignment, args.output, wheel=args.wheel)
    print(_("wrote {out} ({seconds:.1f} s)").format(out=out, seconds=time.monotonic() - started))
    if hidden:
        print(_("left out (not visible to students): {ids}").format(ids=", ".join(hidden)))
    return 0
