"""Judging: Outcome (facts) -> ScenarioResult (points, verdicts, feedback). Pure: no I/O.

A failed step gets a plain explanation (what was expected, what was observed, where they
first differ) and the diagnoses of :mod:`grader.diagnose` that recognise a common socket
mistake in the facts.
"""

from __future__ import annotations

from grader.detail_words import detail_words
from grader.diagnose import diagnose
from grader.i18n import gettext_for
from grader.outcome import Outcome, StepOutcome
from grader.results import Diagnosis, ScenarioResult, StepVerdict
from grader.spec import Scenario, localize
from grader.textshow import describe_size, show_around, show_bytes


def step_title(step: object, lang: str) -> str:
    """A short description of a step in the user's language (the spec's own words first)."""
    _ = gettext_for(lang)
    own = localize(getattr(step, "description", None), lang)
    if own:
        return own
    action = getattr(step, "action", "")
    titles = {
        "accept": _("the program connects to the reference server"),
        "connect": _("the reference client connects to the program's server"),
        "wait_listening": _("the program's server is listening"),
        "send": _("the reference peer sends data"),
        "expect": _("the program sends the expected bytes"),
        "expect_eof": _("the program closes the connection"),
        "shutdown": _("the reference peer half-closes (stops sending)"),
        "close": _("the reference peer closes the connection"),
        "reset": _("the reference peer resets the connection"),
        "pause": _("a pause"),
        "parallel": _("several clients at the same time"),
        "prompt": _("the program asks for input"),
        "output": _("the program prints the expected output"),
        "type": _("a line is typed into the program"),
        "close_stdin": _("the program's input is closed"),
        "exit": _("the program exits"),
        "stderr": _("the program's error output"),
        "file": _("the program saves the expected file"),
    }
    return titles.get(action, action)


def _expectation(step: object, out: StepOutcome, lang: str) -> str:
    _ = gettext_for(lang)
    action = out.action
    if action == "exit":
        code = getattr(step, "code", 0)
        if code == "nonzero":
            return _("exit with a non-zero code")
        if code == "any":
            return _("exit")
        return _("exit with code {code}").format(code=code)
    if action == "expect_eof":
        return _("the program closes its socket (nothing more to send)")
    if action == "stderr":
        if getattr(step, "no_traceback", False):
            return _("no traceback on stderr")
        return _("stderr contains “{text}”").format(text=getattr(step, "contains", ""))
    if out.pattern and out.expected is None:
        return (
            _("a line matching {pattern}").format(pattern=out.pattern)
            if "bytes" not in out.pattern
            else out.pattern
        )
    if out.expected is not None:
        return (
            f"“{show_around(out.expected, _local_difference(out))}” "
            f"({describe_size(out.expected_size or len(out.expected))})"
        )
    return step_title(step, lang)


def _local_difference(out: StepOutcome) -> int | None:
    """The first difference as an offset into the (possibly windowed) expected/observed bytes."""
    if out.first_difference is None:
        return None
    return max(0, out.first_difference - out.window_start)


def _observation(out: StepOutcome, outcome: Outcome, lang: str) -> str:
    _ = gettext_for(lang)
    detail = detail_words(out.detail, lang)
    if out.action in ("exit", "expect_eof", "accept", "connect", "wait_listening") and detail:
        seen = detail
        if out.observed:
            seen += f"; “{show_bytes(out.observed)}”"
        return seen
    if out.observed is None:
        return detail or _("nothing")
    if not out.observed:
        return _("nothing") + (f" ({detail})" if detail else "")
    shown = (
        f"“{show_around(out.observed, _local_difference(out))}” "
        f"({describe_size(out.observed_size or len(out.observed))})"
    )
    if out.first_difference is not None and out.expected is not None:
        # Counted from 1, as people count; the report shows the exact offset too.
        shown += "; " + _("first difference at byte {n}").format(n=out.first_difference + 1)
    return f"{shown}; {detail}" if detail else shown


def _step_verdict(
    step: object, out: StepOutcome, outcome: Outcome, scenario: Scenario, lang: str
) -> StepVerdict:
    _ = gettext_for(lang)
    status = {"ok": "passed", "not_reached": "not_reached"}.get(out.status, "failed")
    points = getattr(step, "points", 0)
    verdict = StepVerdict(
        index=out.index,
        action=out.action,
        description=step_title(step, lang),
        status=status,  # type: ignore[arg-type]
        score=points if status == "passed" else 0,
        max_score=points,
        expected_bytes=out.expected,
        observed_bytes=out.observed,
        expected=show_bytes(out.expected) if out.expected is not None else out.pattern,
        observed=show_bytes(out.observed) if out.observed is not None else detail_words(out.detail, lang),
        waited=out.waited,
        window_start=out.window_start,
        expected_size=out.expected_size
        if out.expected_size is not None
        else (len(out.expected) if out.expected is not None else None),
        observed_size=out.observed_size
        if out.observed_size is not None
        else (len(out.observed) if out.observed is not None else None),
    )
    if status != "failed":
        return verdict
    verdict.first_difference = out.first_difference
    # For several clients at once, the first client that failed tells the story.
    bad = [c for c in out.children if c.status != "ok"]
    shown_step, shown = step, out
    if bad:
        shown = bad[0]
        shown_step = next((s for s in getattr(step, "steps", []) if s.action == shown.action), step)
    expected = _expectation(shown_step, shown, lang)
    observed = _observation(shown, outcome, lang)
    if shown.status == "timeout":
        verdict.message = _(
            "Step {n} ({title}): waited {secs:g} s for {expected}; by then it had seen {observed}."
        ).format(
            n=out.index + 1,
            title=verdict.description,
            secs=shown.waited or out.waited or 0,
            expected=expected,
            observed=observed,
        )
    else:
        verdict.message = _("Step {n} ({title}): expected {expected}; observed {observed}.").format(
            n=out.index + 1, title=verdict.description, expected=expected, observed=observed
        )
    if bad:
        verdict.message += " " + _("{bad} of {all} clients failed; the first was client {i}.").format(
            bad=len(bad), all=len(out.children), i=bad[0].index
        )  # numbered as {i} in the spec
    verdict.diagnoses = diagnose(step, out, scenario, outcome, lang)
    verdict.hint = localize(getattr(step, "hint", None), lang) or None
    return verdict


def judge_scenario(scenario: Scenario, outcome: Outcome, lang: str = "en") -> ScenarioResult:
    """Points and feedback for one scenario, from its facts alone."""
    _ = gettext_for(lang)
    title = localize(scenario.title, lang)
    base = ScenarioResult(
        id=scenario.id,
        title=title,
        description=localize(scenario.description, lang),
        status="passed",
        score=0,
        max_score=scenario.max_score,
        visibility=scenario.visibility,
        duration=outcome.duration,
        outcome=outcome,
        hint=localize(scenario.hint, lang) or None,
    )
    if outcome.grader_error:
        base.status = "not_gradable"
        base.message = _("Not gradable (a problem of the grader, not of your program): {why}").format(
            why=detail_words(outcome.grader_error, lang)
        )
        return base
    verdicts = [
        _step_verdict(step, out, outcome, scenario, lang)
        for step, out in zip(scenario.steps, outcome.steps, strict=False)
    ]
    base.steps = verdicts
    failed = next((v for v in verdicts if v.status == "failed"), None)
    step_points = sum(v.score for v in verdicts)
    if failed is None and all(v.status == "passed" for v in verdicts):
        base.score = scenario.points + step_points
        base.message = _("Passed.")
        return base
    base.status = "failed"
    base.score = step_points
    if failed is None:  # cannot happen with a well-formed outcome; say so rather than guess
        base.message = _("Not every step ran.")
        return base
    base.failed_step = failed.index
    base.diagnoses = failed.diagnoses
    lines = [failed.message or ""]
    lines += [_("Why: {message}").format(message=d.message) for d in failed.diagnoses]
    hint = failed.hint or base.hint
    if hint:
        lines.append(_("Hint: {hint}").format(hint=hint))
    base.message = "\n".join(lines)
    return base


def skipped(scenario: Scenario, because: str, because_title: str, lang: str = "en") -> ScenarioResult:
    """A scenario not run because one it depends on failed: one root cause, not a cascade."""
    _ = gettext_for(lang)
    return ScenarioResult(
        id=scenario.id,
        title=localize(scenario.title, lang),
        description=localize(scenario.description, lang),
        status="skipped",
        score=0,
        max_score=scenario.max_score,
        visibility=scenario.visibility,
        skipped_because=because,
        message=_("Skipped: it needs “{title}”, which did not pass. Fix that first.").format(
            title=because_title
        ),
        diagnoses=[Diagnosis(code="skipped", message=because)],
    )
