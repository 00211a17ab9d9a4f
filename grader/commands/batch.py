"""``grader batch ASSIGNMENT SUBMISSIONS --out DIR``: grade a whole class, resumably."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from grader.batch.driver import run_batch, task_options
from grader.batch.local import default_jobs
from grader.batch.manifest import write_manifest
from grader.batch.summary import summary_lines
from grader.commands.check import add_isolation_options
from grader.errors import UsageError
from grader.i18n import default_lang, gettext_for
from grader.render.progress import progress_for
from grader.spec.load import load_assignment


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("batch", help="grade a folder of submissions: reports, index, gradebook")
    p.add_argument("assignment", type=Path, help="assignment folder (holding assignment.yaml)")
    p.add_argument(
        "submissions",
        type=Path,
        help="folder of submissions (per-student folders, files or zips; Moodle, Canvas, "
        "Gradescope downloads)",
    )
    p.add_argument("--out", type=Path, default=None, help="output folder (default: reports/<assignment id>)")
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=0,
        help="submissions graded at once (default: four per core, as memory allows)",
    )
    p.add_argument("--force", action="store_true", help="grade again even what has not changed")
    p.add_argument(
        "--reveal-hidden",
        action="store_true",
        help="show hidden scenarios in full in the per-student reports (instructor view)",
    )
    p.add_argument("--no-progress", action="store_true", help="plain lines even on a terminal")
    p.add_argument(
        "--roster",
        type=Path,
        metavar="CSV",
        default=None,
        help="the class list (columns 学号 and 姓名, or student_id and name; UTF-8 or GBK): "
        "the gradebook takes names from it and lists who submitted nothing",
    )
    p.add_argument(
        "--write-manifest",
        type=Path,
        metavar="FILE",
        default=None,
        help="only list the submissions found into FILE, for `grader grade-one --manifest "
        "FILE --index N` (job arrays); grade nothing",
    )
    p.add_argument(
        "--dask",
        metavar="ADDRESS",
        default=None,
        help="grade on a Dask cluster: local[:N] (N worker processes here), tcp://HOST:PORT "
        "of a scheduler, or a scheduler file; needs pip install '.[dask]'",
    )
    add_isolation_options(p)
    p.set_defaults(func=run)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _interrupt_on_sigterm() -> object:
    """``kill`` ends a batch as Ctrl-C does: workers stopped, finished results kept."""
    return signal.signal(signal.SIGTERM, _raise_interrupt)


def run(args: argparse.Namespace) -> int:
    lang = args.lang or default_lang()
    _ = gettext_for(lang)
    if args.jobs < 0:
        raise UsageError(_("--jobs must be 1 or more (0: one per core)"))
    options = task_options(
        isolation=args.isolation, lang=lang, python=args.python, reveal_hidden=args.reveal_hidden
    )
    if args.write_manifest is not None:
        n = write_manifest(args.write_manifest, args.assignment, args.submissions, options)
        print(
            _(
                "{n} submissions listed in {path}; grade item N with: grader grade-one --manifest {path} "
                "--index N --out DIR (N from 0 to {last}), then run this batch again with --out DIR to "
                "collect"
            ).format(n=n, path=args.write_manifest, last=n - 1)
        )
        return 0
    out = args.out or Path("reports") / load_assignment(args.assignment).id
    previous = _interrupt_on_sigterm()
    progress = progress_for(sys.stdout, lang, enabled=not args.no_progress)
    executor = None
    if args.dask:
        from grader.batch.dask_executor import DaskExecutor

        executor = DaskExecutor(args.dask)
    try:
        summary = run_batch(
            args.assignment,
            args.submissions,
            out,
            options=options,
            jobs=args.jobs or default_jobs(),
            force=args.force,
            progress=progress,
            executor=executor,
            roster=args.roster,
        )
    except KeyboardInterrupt:
        print(
            _(
                "interrupted: finished results are kept in {out}; run the same command again to grade "
                "the rest"
            ).format(out=out),
            file=sys.stderr,
        )
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)  # type: ignore[arg-type]
        if executor is not None:
            executor.close()
    for line in summary_lines(summary, lang):
        print(line)
    return 0
