"""``grader validate assignments/<id>`` (or ``assignments/``): prove specs with their manifests.

Exit codes: 0 every assignment proven; 1 an expectation failed (the reference lost points,
a buggy submission lost other scenarios than listed, a grader error, or with ``--strict`` an
untested scenario); 2 a spec or manifest cannot be used.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from grader.commands.check import add_isolation_options
from grader.commands.validate_checks import (
    AssignmentReport,
    RunCheck,
    ValidateOptions,
    exit_code,
    find_assignments,
    validate,
)
from grader.errors import UsageError
from grader.i18n import default_lang, gettext_for
from grader.render.words import say
from grader.sandbox.platform_caps import prepare_isolation


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="prove assignments: reference gets full marks, buggy submissions lose "
        "exactly what their manifest says",
    )
    p.add_argument(
        "path", type=Path, help="an assignment folder, or a folder of assignment folders (e.g. assignments/)"
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="fail when a scenario is lost by no buggy submission (an untested check)",
    )
    p.add_argument(
        "--runs",
        type=int,
        default=None,
        metavar="N",
        help="grade the reference N times (default: reference_runs in the manifest)",
    )
    p.add_argument(
        "--jobs", type=int, default=0, metavar="N", help="submissions graded at once (default: four per core)"
    )
    add_isolation_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    prepare_isolation(args.isolation)  # before any thread: namespaces without root
    folders = find_assignments(args.path)
    lang = args.lang or default_lang()
    words = gettext_for(lang)
    if not folders:
        raise UsageError(
            words("{path}: no assignment.yaml there or in its sub-folders").format(path=args.path)
        )
    if args.runs is not None and args.runs < 1:
        raise UsageError(words("--runs must be at least 1"))
    options = ValidateOptions(
        isolation=args.isolation,
        lang=lang,
        python=args.python,
        runs=args.runs,
        jobs=args.jobs,
        strict=args.strict,
    )
    console = Console(highlight=False)
    started = time.monotonic()
    reports = validate(folders, options, on_done=lambda r: print_report(r, console, lang, args.strict))
    print_summary(reports, console, lang, args.strict, time.monotonic() - started)
    return exit_code(reports, args.strict)


def _ids(ids: list[str]) -> str:
    return ", ".join(ids) if ids else "—"


def label(check: RunCheck, lang: str) -> str:
    _ = gettext_for(lang)
    if check.reference_run:
        return _("{name} (reference, run {n})").format(name=check.label, n=check.reference_run)
    return check.label


def _verdict(check: RunCheck, lang: str) -> str:
    _ = gettext_for(lang)
    if check.ok:
        return f"[green]✓ {escape(_('as expected'))}[/]"
    if check.errors:
        return f"[bold magenta]✗ {escape(_('grader error'))}[/]"
    return f"[bold red]✗ {escape(_('lost: {ids}').format(ids=_ids(check.lost)))}[/]"


def print_report(report: AssignmentReport, console: Console, lang: str, strict: bool) -> None:
    """One assignment: a table of runs, then what went wrong, then untested scenarios."""
    _ = gettext_for(lang)
    if report.problems:
        console.print(
            f"\n[bold red]✗ {escape(str(report.folder))}[/]: "
            f"{escape(_('the spec or manifest cannot be used:'))}"
        )
        for line in report.problems:
            console.print(f"  {escape(line)}")
        return
    table = Table(title=f"{escape(report.id)} ({report.duration:.1f} s)", title_justify="left")
    table.add_column(_("Submission"), overflow="fold")
    table.add_column(_("Score"), justify="right", no_wrap=True)
    table.add_column(_("Must lose"), overflow="fold")
    table.add_column(_("Result"), overflow="fold")
    for check in [*report.reference, *report.buggy]:
        score = f"{check.result.score:g}/{check.result.max_score:g}" if check.result else "—"
        must = _("none (full marks)") if check.reference_run else _ids(check.expected)
        name = escape(label(check, lang)) + (f"\n[dim]{escape(check.why)}[/]" if check.why else "")
        table.add_row(name, score, escape(must), _verdict(check, lang))
    console.print()
    console.print(table)
    failed_reference = next((check for check in report.reference if not check.ok), None)
    for check in [*report.reference, *report.buggy]:
        if check.reference_run and check is not failed_reference:
            continue  # passed, or failed like the first failure (the table shows it): said once
        for line in explain(check, lang):
            console.print(line)
        if check is failed_reference:
            for line in reference_failure(report, lang):
                console.print(line)
    untested = report.untested
    if untested:
        style = "bold red" if strict else "yellow"
        text = _("untested check: no buggy submission loses {ids}").format(ids=", ".join(untested))
        console.print(f"[{style}]{escape(text)}[/]")


STDERR_LINES = 40
"""The last lines of the reference's error output shown (a traceback ends with its cause)."""


def reference_failure(report: AssignmentReport, lang: str) -> list[str]:
    """After the reference's failed run: the runs not made, and its error output, in full, once."""
    _ = gettext_for(lang)
    lines = []
    if report.reference_stopped:
        text = _("stopped after the reference's first failed run: {n} more runs not made")
        lines.append(f"  [yellow]{escape(text.format(n=report.reference_stopped))}[/]")
    shown = report.reference_stderr()
    if shown is not None:
        scenario_id, stderr = shown
        heading = _("the reference's error output (scenario {id}):").format(id=scenario_id)
        lines.append(f"  [bold]{escape(heading)}[/]")
        rows = stderr.rstrip().splitlines()
        if len(rows) > STDERR_LINES:
            skipped = _("… {n} earlier lines").format(n=len(rows) - STDERR_LINES)
            rows = [skipped, *rows[-STDERR_LINES:]]
        lines += [f"    {escape(row)}" for row in rows]
    return lines


def explain(check: RunCheck, lang: str) -> list[str]:
    """Rich-markup lines saying what a run should have lost and what it lost instead."""
    _ = gettext_for(lang)
    if check.ok:
        return []
    lines = [
        f"[bold red]✗ {escape(label(check, lang))}[/]"
        + (f" [dim]({escape(check.why)})[/]" if check.why else "")
    ]
    lines += [f"  [magenta]{escape(_('grader error: {error}').format(error=e))}[/]" for e in check.errors]
    if check.reference_run and check.lost:
        lines.append(
            "  "
            + escape(_("the reference must get full marks; it lost: {lost}").format(lost=_ids(check.lost)))
        )
    elif check.result is not None and check.result.status != "not_graded":
        lines.append(
            "  "
            + escape(
                _("expected to lose: {expected}; lost: {lost}").format(
                    expected=_ids(check.expected), lost=_ids(check.lost)
                )
            )
        )
    if check.wrong_cause:
        lines.append(
            "  "
            + escape(
                _("the manifest says the cause is {cause}; the grader named {named}").format(
                    cause=check.cause, named=check.named_cause
                )
            )
        )
    for sid in check.unexpectedly_passed:
        lines.append("  " + escape(_("{id}: passed, but the manifest says it must be lost").format(id=sid)))
    for sid in check.unexpectedly_lost:
        scenario = check.scenario(sid)
        why = say(scenario.message, lang) if scenario else ""
        text = (
            _("{id}: lost") if check.reference_run else _("{id}: lost, but the manifest says it must pass")
        ).format(id=sid)
        lines.append("  " + escape(text) + (f" [dim]— {escape(why)}[/]" if why else ""))
    return lines


def print_summary(
    reports: list[AssignmentReport], console: Console, lang: str, strict: bool, seconds: float
) -> None:
    _ = gettext_for(lang)
    proven = sum(r.exit_code(strict) == 0 for r in reports)
    style = "bold green" if proven == len(reports) else "bold red"
    text = _("{proven} of {total} assignments proven in {secs:.1f} s").format(
        proven=proven, total=len(reports), secs=seconds
    )
    console.print(f"\n[{style}]{escape(text)}[/]")
