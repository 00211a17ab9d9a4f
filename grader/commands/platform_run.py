"""``grader platform-run``: grade the one submission a platform's container holds.

Used by the scripts ``grader export`` writes (Gradescope's ``run_autograder``, PrairieLearn's
entry point). It always writes the platform's ``results.json`` and exits 0 once that file is
written, even when grading failed: the platform then shows the file's explanation instead of
a bare "autograder failed". Exit 1 only if even the results file could not be written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.errors import UsageError
from grader.i18n import default_lang, gettext_for
from grader.sandbox.host import enter_private_user_namespace

DEFAULT_ROOTS = {"gradescope": "/autograder", "prairielearn": "/grade"}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "platform-run", help="grade the submission inside a Gradescope or PrairieLearn container"
    )
    p.add_argument(
        "--format",
        dest="platform",
        choices=["gradescope", "prairielearn"],
        required=True,
        help="which platform's layout and results.json to use",
    )
    p.add_argument(
        "--root", type=Path, default=None, help="the platform's folder (default: /autograder or /grade)"
    )
    p.add_argument(
        "--isolation",
        choices=["auto", "namespace", "host"],
        default="auto",
        help="auto: own network namespaces where allowed, else the container's loopback",
    )
    p.add_argument("--lang", choices=["en", "zh"], default=None, help="language of feedback")
    p.add_argument("--python", default=None, help="interpreter that runs student code")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    enter_private_user_namespace(args.isolation)  # before any thread: namespaces without root
    from grader.platforms.run import platform_run

    root = args.root or Path(DEFAULT_ROOTS[args.platform])
    if not root.is_dir():
        raise UsageError(
            gettext_for(args.lang or default_lang())(
                "{root}: no such folder; run this inside the {platform} container or give --root"
            ).format(root=root, platform=args.platform)
        )
    try:
        doc, path = platform_run(
            args.platform, root, args.lang or default_lang(), args.isolation, args.python, debug=args.debug
        )
    except OSError as exc:
        print(f"grader: error: cannot write the results file under {root}: {exc}", file=sys.stderr)
        return 1
    score = doc.get("score")
    failed = doc.get("gradable") is False or doc.get("extra_data", {}).get("status") == "grader_error"
    state = "the grader failed; the file says why" if failed else f"score {score}"
    print(f"grader: wrote {path} ({state})", file=sys.stderr)
    return 0
