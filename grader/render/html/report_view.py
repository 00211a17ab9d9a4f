"""A GradeResult turned into what the report page shows: plain data, already in one language.

Templates only lay this out. Decisions (what a student may see of a hidden scenario, which
bytes to show, where the first difference is) are made here, where they can be tested.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from grader.i18n import gettext_for
from grader.messages import Message
from grader.render.html.http_view import HttpView, http_views
from grader.render.html.stderr_view import StderrView, stderr_view
from grader.render.html.timeline import Timeline, build_timeline, process_end
from grader.render.html.visible import ByteDiff, byte_diff, visible_html
from grader.render.words import containment_text, not_scored_because, say, status_label
from grader.results.models import GradeResult, ScenarioResult, StepVerdict
from grader.spec.base import localize
from grader.spec.steps import TERMINAL_ACTIONS

ICONS = {"passed": "✓", "failed": "✗", "skipped": "↷", "not_gradable": "!", "not_reached": "·"}


def visibility_label(visibility: str, lang: str) -> str:
    _ = gettext_for(lang)
    return {
        "visible": _("visible to students"),
        "after_due_date": _("details shown to students after the due date"),
        "after_published": _("details shown to students once grades are published"),
        "hidden": _("hidden from students"),
    }.get(visibility, visibility)


def points(x: float) -> str:
    return f"{x:g}"


def seconds(x: float | None) -> str:
    return "" if x is None else f"{x:.2f} s"


def stamp(t: float) -> str:
    """A time on a scenario's clock: milliseconds while short, seconds after."""
    return f"{t * 1000:.1f} ms" if t < 1 else f"{t:.3f} s"


def when(iso: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    return moment.strftime("%Y-%m-%d %H:%M")


@dataclass
class StepView:
    n: int
    action: str
    channel: str
    description: str
    status: str
    label: str
    icon: str
    points: str


@dataclass
class Failure:
    step: StepView | None
    message: str
    expected: str | None
    observed: str | None
    diff: ByteDiff | None
    cause: str | None
    """The one cause shown: the most specific diagnosis."""
    also: list[str]
    """The other diagnoses that fit, shown folded."""
    hint: str | None


@dataclass
class ScenarioView:
    id: str
    anchor: str
    title: str
    description: str
    status: str
    label: str
    icon: str
    score: str
    max_score: str
    duration: str
    level: str
    """``full`` (everything), ``summary`` (title, status, points) or ``hidden`` (that it exists)."""
    visibility: str
    visibility_note: str
    message: str = ""
    hint: str | None = None
    steps: list[StepView] = field(default_factory=list)
    failure: Failure | None = None
    timeline: Timeline | None = None
    stderr: StderrView | None = None
    stdout_truncated: bool = False
    cuts: list[str] = field(default_factory=list)
    """What the stored result left out (its size limit), one line each."""
    files: list[tuple[str, str]] = field(default_factory=list)
    process: str = ""
    argv: str = ""
    grader_error: str | None = None
    http: list[HttpView] = field(default_factory=list)
    fixtures: list[str] = field(default_factory=list)
    address_used: str | None = None
    names_looked_up: list[str] = field(default_factory=list)
    encodings: list[str] = field(default_factory=list)


@dataclass
class ReportView:
    lang: str
    html_lang: str
    student: str
    assignment: str
    assignment_title: str
    graded: bool
    not_graded_reason: str | None
    score: str
    max_score: str
    percent: float
    passed: int
    shown: int
    hidden: int
    instructor: bool
    graded_at: str
    isolation: str
    isolation_note: str
    python: str
    duration: str
    grader_version: str
    scenarios: list[ScenarioView]


def guess_role(result: GradeResult) -> str:
    """Which side the student wrote, from the steps the grader ran (the result does not say)."""
    for s in result.scenarios:
        for step in s.steps:
            if step.action == "accept":
                return "client"
            if step.action in ("connect", "wait_listening"):
                return "server"
    return "client"


def _causes(diagnoses: list[Message], lang: str) -> tuple[str | None, list[str]]:
    words = [say(d, lang) for d in diagnoses]
    return (words[0] if words else None), words[1:]


def step_view(v: StepVerdict, lang: str) -> StepView:
    channel = "terminal" if v.action in TERMINAL_ACTIONS else "network"
    return StepView(
        n=v.index + 1,
        action=v.action,
        channel=channel,
        description=say(v.description, lang),
        status=v.status,
        label=status_label(v.status, lang),
        icon=ICONS.get(v.status, "?"),
        points=points(v.max_score) if v.max_score else "",
    )


def failure_view(s: ScenarioResult, lang: str) -> Failure | None:
    if s.status != "failed":
        return None
    verdict = next((v for v in s.steps if v.index == s.failed_step), None)
    if verdict is None:
        cause, also = _causes(s.diagnoses, lang)
        return Failure(
            step=None,
            message=say(s.message, lang),
            expected=None,
            observed=None,
            diff=None,
            cause=cause,
            also=also,
            hint=localize(s.hint, lang) or None,
        )
    diff = None
    if verdict.expected_bytes is not None and verdict.observed_bytes is not None:
        diff = byte_diff(
            verdict.expected_bytes,
            verdict.observed_bytes,
            verdict.first_difference,
            verdict.window_start,
            verdict.expected_size,
            verdict.observed_size,
            expected_encoding=verdict.expected_encoding,
            observed_encoding=verdict.observed_encoding,
        )
    cause, also = _causes(verdict.diagnoses or s.diagnoses, lang)
    return Failure(
        step=step_view(verdict, lang),
        message=say(verdict.message or s.message, lang),
        expected=localize(verdict.expected_words, lang) or verdict.expected,
        observed=verdict.observed if verdict.observed is not None else say(verdict.reason, lang) or None,
        diff=diff,
        cause=cause,
        also=also,
        hint=localize(verdict.hint or s.hint, lang) or None,
    )


def scenario_view(s: ScenarioResult, n: int, lang: str, reveal_hidden: bool, role: str) -> ScenarioView:
    level = (
        "full"
        if reveal_hidden or s.visibility == "visible"
        else ("hidden" if s.visibility == "hidden" else "summary")
    )
    if level == "hidden":  # nothing of it may reach the page: not its id, title or points
        return ScenarioView(
            id="",
            anchor=f"s{n}",
            title="",
            description="",
            status="hidden",
            label="",
            icon="",
            score="",
            max_score="",
            duration="",
            level=level,
            visibility=s.visibility,
            visibility_note="",
        )
    view = ScenarioView(
        id=s.id,
        anchor=f"s{n}",
        title=localize(s.title, lang),
        description=localize(s.description, lang),
        status=s.status,
        label=status_label(s.status, lang),
        icon=ICONS.get(s.status, "?"),
        score=points(s.score),
        max_score=points(s.max_score),
        duration=seconds(s.duration),
        level=level,
        visibility=s.visibility,
        visibility_note=visibility_label(s.visibility, lang),
    )
    if level != "full":
        return view
    view.message = say(s.message, lang)
    view.hint = localize(s.hint, lang) or None
    view.steps = [step_view(v, lang) for v in s.steps]
    view.failure = failure_view(s, lang)
    o = s.outcome
    if o is not None:
        failure_text = view.failure.step.description if view.failure and view.failure.step else ""
        view.timeline = build_timeline(
            o, lang, role=role, failed_step=s.failed_step, failure_text=failure_text
        )
        view.stderr = stderr_view(o.stderr, o.stderr_truncated)
        view.stdout_truncated = o.stdout_truncated
        view.cuts = [say(cut.message(), lang) for cut in o.cuts]
        view.process = process_end(o, lang)
        view.argv = " ".join(o.argv)
        view.grader_error = say(o.grader_error, lang) or None
        view.http = http_views(o, lang)
        view.fixtures = o.fixtures
        view.address_used = o.address_used
        view.names_looked_up = o.names_looked_up
        view.encodings = o.encodings_used()
        _ = gettext_for(lang)
        view.files = [
            (name, _("missing") if data is None else _("{n} bytes").format(n=len(data)))
            for name, data in o.files.items()
        ]
    return view


def report_view(result: GradeResult, lang: str = "en", *, reveal_hidden: bool = False) -> ReportView:
    """The student view leaves hidden scenarios out of the score shown (and says so)."""
    _ = gettext_for(lang)
    role = guess_role(result)
    scenarios = [scenario_view(s, n, lang, reveal_hidden, role) for n, s in enumerate(result.scenarios, 1)]
    counted = [s for s in result.scenarios if reveal_hidden or s.visibility != "hidden"]
    score = sum(s.score for s in counted) if not reveal_hidden else result.score
    max_score = sum(s.max_score for s in counted) if not reveal_hidden else result.max_score
    if not result.scenarios:
        score, max_score = result.score, result.max_score
    run = result.run
    ungraded = not_scored_because(result)
    isolation = {
        "namespace": _("own network namespace per scenario"),
        "host": _("shared host network (free ports)"),
    }.get(run.isolation or "", "")
    return ReportView(
        lang=lang,
        html_lang="zh-Hans" if lang == "zh" else "en",
        student=result.student,
        assignment=result.assignment,
        assignment_title=localize(result.assignment_title, lang),
        graded=ungraded is None,
        not_graded_reason=say(ungraded, lang) if ungraded is not None else None,
        score=points(round(score, 4)),
        max_score=points(round(max_score, 4)),
        percent=round(100 * score / max_score, 1) if max_score else 0.0,
        passed=sum(s.status == "passed" for s in counted),
        shown=len(counted),
        hidden=len(result.scenarios) - len(counted),
        instructor=reveal_hidden,
        graded_at=when(run.started_at),
        isolation=isolation,
        isolation_note=containment_text(run, lang),
        python=run.python,
        duration=seconds(run.duration),
        grader_version=run.grader_version,
        scenarios=scenarios,
    )


__all__ = ["ReportView", "report_view", "stamp", "visible_html"]
