"""The result on a terminal: a table of scenarios, the total, and why each failure failed."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from grader.i18n import gettext_for
from grader.messages import msg
from grader.messages.codes import Code
from grader.render.words import feedback_text, say, status_label, total_not_graded
from grader.results.models import GradeResult
from grader.spec.base import localize
from grader.text.show import encoding_label

STATUS_STYLE = {"passed": "green", "failed": "red", "skipped": "yellow", "not_gradable": "magenta"}


def print_result(result: GradeResult, console: Console | None = None, lang: str = "en") -> None:
    console = console or Console(highlight=False)
    _ = gettext_for(lang)
    if result.status == "not_graded":
        console.print(
            f"[bold magenta]{escape(_('Not graded'))}:[/] {escape(say(result.not_graded_reason, lang))}"
        )
        return
    table = Table(
        title=f"{escape(localize(result.assignment_title, lang))} — {escape(result.student)}",
        title_justify="left",
    )
    table.add_column(_("Scenario"))
    table.add_column(_("Result"))
    table.add_column(_("Points"), justify="right")
    table.add_column(_("Time"), justify="right")
    for s in result.scenarios:
        style = STATUS_STYLE.get(s.status, "")
        table.add_row(
            escape(localize(s.title, lang)),
            f"[{style}]{escape(status_label(s.status, lang))}[/]",
            f"{s.score:g}/{s.max_score:g}",
            f"{s.duration:.2f}s",
        )
    console.print(table)
    for s in result.scenarios:
        if s.status == "passed":
            continue
        style = STATUS_STYLE.get(s.status, "")
        console.print(f"\n[bold {style}]✗ {escape(localize(s.title, lang))}[/]")
        console.print(escape(feedback_text(s, lang)))
    used = [e for s in result.scenarios if s.outcome is not None for e in s.outcome.encodings_used()]
    if used:
        told = msg(Code.ENCODING_USED, encoding=[encoding_label(e) for e in dict.fromkeys(used)])
        console.print("\n" + escape(say(told, lang)))
    run = result.run
    ungraded = total_not_graded(result)
    if ungraded is not None:  # 0 points that say nothing about the program: no score
        score = say(ungraded, lang)
    else:
        score = _("Score: {score:g}/{max:g}").format(score=result.score, max=result.max_score)
    details = _("({passed}/{total} scenarios passed; {secs:.2f} s; isolation: {mode}; Python {py})").format(
        passed=result.passed,
        total=len(result.scenarios),
        secs=run.duration,
        mode={"namespace": _("namespace"), "host": _("host")}.get(run.isolation or "", "-"),
        py=run.python,
    )
    console.print(f"\n[bold]{escape(score)}[/]  {escape(details)}")
    if run.containment.portable is not None:  # a student must not mistake it for a sandbox
        console.print("[yellow]" + escape(say(msg(Code.ISO_PORTABLE_NO_PROMISE), lang)) + "[/]")
