"""``grader new ID --role client|server``: scaffold an assignment, its reference and manifest."""

from __future__ import annotations

import argparse
from pathlib import Path

from grader.errors import UsageError
from grader.i18n import default_lang, gettext_for
from grader.spec.scaffold import ScaffoldError, create


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("new", help="create a new assignment: spec, README, reference stub, manifest")
    p.add_argument("id", help="the assignment id (lower-case letters, digits, '-' and '_')")
    p.add_argument(
        "--role",
        choices=["client", "server"],
        required=True,
        help="what students write: a client (the grader serves) or a server",
    )
    p.add_argument(
        "--root",
        type=Path,
        default=Path("."),
        help="folder holding assignments/, reference/ and tests/submissions/ (default: .)",
    )
    p.add_argument(
        "--lang",
        choices=["en", "zh"],
        default=None,
        help="language of messages and of the comments in the files it writes",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    lang = args.lang or default_lang()
    _ = gettext_for(lang)
    try:
        made = create(args.id, args.role, args.root, lang)
    except ScaffoldError as exc:
        raise UsageError(str(exc)) from None
    for path in made.files:
        print(_("created {path}").format(path=path))
    print()
    print(
        _(
            "Next: edit {spec}, write the reference solution {ref}, add buggy submissions under "
            "{subs} and list them in {manifest}; then run: grader validate {folder}"
        ).format(
            spec=made.assignment / "assignment.yaml",
            ref=made.files[-1],
            subs=made.submissions,
            manifest=made.assignment / "manifest.yaml",
            folder=made.assignment,
        )
    )
    return 0
