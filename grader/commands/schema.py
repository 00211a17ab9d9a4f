"""``grader schema``: the JSON Schema of ``assignment.yaml`` for editors, or the spec reference.

``--write FOLDER`` puts the schema beside the spec as ``assignment.schema.json``, the file the
spec's first line (``# yaml-language-server: $schema=assignment.schema.json``) names. A file
beside the spec, not a URL: it works offline and in any course folder, matches the grader
that will read the spec, and travels with the folder when it is copied or zipped. Run it
again after upgrading the grader.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from grader.spec.load import SCHEMA_FILE, schema_text


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "schema",
        help="print the JSON Schema of assignment specs (or write it beside a spec, or print the reference)",
    )
    how = p.add_mutually_exclusive_group()
    how.add_argument(
        "--write",
        type=Path,
        metavar="FOLDER",
        default=None,
        help=f"write {SCHEMA_FILE} into FOLDER (an assignment folder), for editors",
    )
    how.add_argument(
        "--markdown", action="store_true", help="print the spec reference (docs/spec.md) instead"
    )
    p.add_argument("--lang", choices=["en", "zh"], default=None, help="language of messages")
    p.set_defaults(func=run)


def write_schema(folder: Path) -> Path:
    """``folder/assignment.schema.json``, written (or refreshed) from this grader's models."""
    target = folder / SCHEMA_FILE
    target.write_text(schema_text(), encoding="utf-8")
    return target


def run(args: argparse.Namespace) -> int:
    if args.markdown:
        from grader.spec.reference import markdown

        print(markdown(), end="")
        return 0
    if args.write is None:
        print(schema_text(), end="")
        return 0
    from grader.errors import UsageError
    from grader.i18n import default_lang, gettext_for

    _ = gettext_for(args.lang or default_lang())
    if not args.write.is_dir():
        raise UsageError(_("{path}: not a folder (give the assignment's folder)").format(path=args.write))
    print(_("wrote {path}").format(path=write_schema(args.write)))
    return 0
