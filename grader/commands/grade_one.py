"""``grader grade-one --manifest LIST --index N --out DIR``: one submission of a job array.

A Slurm job array, a Kubernetes Indexed Job or HTCondor's ``queue`` runs this once per
index; ``--index`` defaults to ``$SLURM_ARRAY_TASK_ID`` or ``$JOB_COMPLETION_INDEX``. It writes
exactly what ``grader batch`` writes for that student, so a later ``grader batch ... --out
DIR`` only collects (unchanged results are kept) and writes the index and gradebook.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from grader.batch.manifest import grade_one, read_manifest
from grader.errors import UsageError
from grader.i18n import default_lang, gettext_for
from grader.render.progress import describe

INDEX_VARIABLES = ("SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("grade-one", help="grade the N-th submission of a manifest (job arrays)")
    p.add_argument(
        "--manifest",
        type=Path,
        required=True,
        help="the list written by `grader batch ... --write-manifest FILE`",
    )
    p.add_argument(
        "--index",
        type=int,
        default=None,
        help="which submission, from 0 (default: $SLURM_ARRAY_TASK_ID or $JOB_COMPLETION_INDEX)",
    )
    p.add_argument("--out", type=Path, required=True, help="output folder shared by all the jobs")
    p.add_argument("--force", action="store_true", help="grade again even if unchanged")
    p.set_defaults(func=run)


def _index(args: argparse.Namespace, lang: str) -> int:
    if args.index is not None:
        return int(args.index)
    for name in INDEX_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value.isdigit():
            return int(value)
    raise UsageError(
        gettext_for(lang)("give --index N (or run inside a job array that sets {names})").format(
            names=" or ".join(INDEX_VARIABLES)
        )
    )


def run(args: argparse.Namespace) -> int:
    manifest = read_manifest(args.manifest, default_lang())
    lang = manifest.get("options", {}).get("lang") or default_lang()
    _ = gettext_for(lang)
    index = _index(args, lang)
    done = grade_one(manifest, index, args.out, force=args.force)
    student = manifest["items"][index]["student"]
    if done is None:
        print(_("{student}: unchanged, kept").format(student=student))
        return 0
    print(f"{student}: {describe(done.result(), lang)} ({done.duration:.1f} s)")
    return 0
