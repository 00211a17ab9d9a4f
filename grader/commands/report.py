"""``grader report RESULTS.json``: show a result again, in any language, without grading again.

A result holds codes and the spec's own texts in every language, so the terminal view, the
HTML report and the platforms' files are all made from it on demand:
``grader report results.json --lang zh --html report.html``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from grader.errors import UsageError
from grader.i18n import default_lang, gettext_for
from grader.results.models import GradeResult


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="render a results.json again, in a language of your choice")
    p.add_argument("results", type=Path, help="a results.json written by grader check --json or grader batch")
    p.add_argument(
        "--lang", choices=["en", "zh"], default=None, help="language of the words (default: from the locale)"
    )
    p.add_argument("--html", type=Path, metavar="FILE", help="write the HTML report here")
    p.add_argument("--gradescope", type=Path, metavar="FILE", help="write Gradescope's results.json here")
    p.add_argument("--prairielearn", type=Path, metavar="FILE", help="write PrairieLearn's results.json here")
    p.add_argument("--instructor", action="store_true", help="show hidden scenarios in the HTML report")
    p.add_argument("--quiet", action="store_true", help="do not print the result on the terminal")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from grader.results.models import ResultFormatError, read_json, write_atomic

    try:
        result = read_json(args.results)
    except FileNotFoundError:
        words = gettext_for(args.lang or default_lang())
        raise UsageError(words("{path}: no such file").format(path=args.results)) from None
    except ResultFormatError as exc:
        raise UsageError(str(exc)) from None
    lang = args.lang or default_lang()
    if not args.quiet:
        from grader.render.terminal import print_result

        print_result(result, lang=lang)
    if args.html:
        from grader.render.html import render_report

        write_atomic(args.html, render_report(result, lang=lang, reveal_hidden=args.instructor))
    for path, name in ((args.gradescope, "gradescope"), (args.prairielearn, "prairielearn")):
        if path:
            write_atomic(
                path, json.dumps(platform_document(name, result, lang), ensure_ascii=False, indent=1)
            )
    return 0


def platform_document(platform: str, result: GradeResult, lang: str) -> dict[str, Any]:
    from grader.platforms import gradescope, prairielearn

    module = gradescope if platform == "gradescope" else prairielearn
    return module.results(result, lang)
