"""Judging: Outcome (facts) -> ScenarioResult (points, verdicts, causes). Pure: no I/O, no words.

A failed step gets a message saying what was expected, what was observed and where they first
differ, and the ranked diagnoses of :mod:`grader.judge.diagnose`; all of it is codes and arguments
(:mod:`grader.messages`), turned into words only by a renderer, in its reader's language.
"""

from __future__ import annotations

from grader.judge.diagnose import DOES_NOT_START, diagnose
from grader.messages import Message, facts, msg, own_words
from grader.messages.codes import Code
from grader.messages.kinds import SELF_EXPLAINING
from grader.outcome import Outcome, StepOutcome
from grader.results.models import ScenarioResult, StepVerdict
from grader.spec.base import LocalText
from grader.spec.models import Scenario
from grader.spec.net_steps import Expect
from grader.spec.steps import AnyStepModel, Parallel
from grader.spec.terminal_steps import Exit, Stderr
from grader.text.encodings import shown_encodings
from grader.text.show import encoding_label, show_around, show_bytes


def _shown(data: bytes, size: int | None, out: StepOutcome, encoding: str, label: bool) -> Message:
    """The bytes as text in ``encoding``, with its name when the reader needs it (``label``)."""
    text = show_around(data, _local_difference(out), encoding=encoding)
    count = msg(Code.BYTE_COUNT, n=size or len(data))
    if label and any(b > 127 for b in data):
        return msg(Code.SHOWN_TEXT_IN, text=text, size=count, encoding=encoding_label(encoding))
    return msg(Code.SHOWN_BYTES, text=text, size=count)


def _encodings(step: AnyStepModel, out: StepOutcome) -> tuple[str, str, bool]:
    """The encodings of the expected and observed bytes, and whether to name them: when
    either is not UTF-8 (the reader should not have to guess which one the text was in)."""
    expected, observed = shown_encodings(
        getattr(step, "encoding", None), out.encoding, out.expected, out.observed
    )
    return expected, observed, expected != "utf-8" or observed != "utf-8"


def _expectation(step: AnyStepModel, out: StepOutcome) -> Message:
    match step:
        case Exit(code="nonzero"):
            return msg(Code.EXPECT_EXIT_NONZERO)
        case Exit(code="any"):
            return msg(Code.EXPECT_EXIT)
        case Exit(code=code):
            return msg(Code.EXPECT_EXIT_CODE, code=code)
        case Stderr(no_traceback=True):
            return msg(Code.EXPECT_NO_TRACEBACK)
        case Stderr(contains=text):
            return msg(Code.EXPECT_STDERR_CONTAINS, text=text or "")
        case Expect(length=int(length)) if out.expected is None:
            return msg(Code.BYTE_COUNT, n=length)
    if out.action == "expect_eof":
        return msg(Code.EXPECT_CLOSE)
    if out.pattern and out.expected is None:
        own = _pattern_words(step, out)
        return own_words(own) if own else msg(Code.EXPECT_LINE_MATCHING, pattern=out.pattern)
    if out.expected is not None:
        expected, _, label = _encodings(step, out)
        return _shown(out.expected, out.expected_size, out, expected, label)
    return step.title


def _pattern_words(step: AnyStepModel, out: StepOutcome) -> LocalText | None:
    """The step's own description in place of its regex: a student reads "the time, as
    HH:MM:SS", not ``^\\d{2}:\\d{2}:\\d{2}$``. None when the step has no description."""
    regex = getattr(step, "regex", None)
    if not regex or out.pattern != regex:
        return None
    return step.description or None


def _local_difference(out: StepOutcome) -> int | None:
    """The first difference as an offset into the (possibly windowed) expected/observed bytes."""
    if out.first_difference is None:
        return None
    return max(0, out.first_difference - out.window_start)


def _observation(step: AnyStepModel, out: StepOutcome) -> Message:
    reason = out.reason
    _, observed, label = _encodings(step, out)
    if out.action in ("exit", "expect_eof", "accept", "connect", "wait_listening") and reason:
        if out.observed:
            return facts(reason, msg(Code.VERBATIM, text=f"“{show_bytes(out.observed, encoding=observed)}”"))
        return reason
    if out.observed is None:
        return reason or msg(Code.NOTHING)
    if not out.observed:
        return msg(Code.NOTHING_BECAUSE, why=reason) if reason else msg(Code.NOTHING)
    parts = [_shown(out.observed, out.observed_size, out, observed, label)]
    if out.first_difference is not None and out.expected is not None:
        # Counted from 1, as people count; the report shows the exact offset too.
        parts.append(msg(Code.FIRST_DIFFERENCE, n=out.first_difference + 1))
    if reason:
        parts.append(reason)
    return facts(*parts)


def _size(data: bytes | None, size: int | None) -> int | None:
    if size is not None:
        return size
    return len(data) if data is not None else None


def _step_verdict(step: AnyStepModel, out: StepOutcome, outcome: Outcome, scenario: Scenario) -> StepVerdict:
    status = {"ok": "passed", "not_reached": "not_reached"}.get(out.status, "failed")
    expected_in, observed_in, _ = _encodings(step, out)
    verdict = StepVerdict(
        index=out.index,
        action=out.action,
        description=step.title,
        status=status,  # type: ignore[arg-type]
        score=step.points if status == "passed" else 0,
        max_score=step.points,
        expected_bytes=out.expected,
        observed_bytes=out.observed,
        expected=show_bytes(out.expected, encoding=expected_in) if out.expected is not None else out.pattern,
        expected_words=_pattern_words(step, out) if out.expected is None else None,
        observed=show_bytes(out.observed, encoding=observed_in) if out.observed is not None else None,
        expected_encoding=expected_in,
        observed_encoding=observed_in,
        reason=out.reason,
        waited=out.waited,
        window_start=out.window_start,
        expected_size=_size(out.expected, out.expected_size),
        observed_size=_size(out.observed, out.observed_size),
    )
    if status != "failed":
        return verdict
    verdict.first_difference = out.first_difference
    # For several clients at once, the first client that failed tells the story.
    bad = [c for c in out.children if c.status != "ok"]
    shown_step: AnyStepModel = step
    shown = out
    if bad and isinstance(step, Parallel):
        shown = bad[0]
        shown_step = next((s for s in step.steps if s.action == shown.action), step)
    args = {
        "n": out.index + 1,
        "title": verdict.description,
        "expected": _expectation(shown_step, shown),
        "observed": _observation(shown_step, shown),
    }
    says_all = shown.reason is not None and shown.reason.code in SELF_EXPLAINING
    secs = shown.waited or out.waited or 0
    if says_all and shown.status == "timeout":
        verdict.message = msg(
            Code.STEP_WAITED_BECAUSE, n=args["n"], title=args["title"], secs=secs, reason=shown.reason
        )
    elif says_all:
        verdict.message = msg(Code.STEP_FAILED_BECAUSE, n=args["n"], title=args["title"], reason=shown.reason)
    elif shown.status == "timeout":
        verdict.message = msg(Code.STEP_WAITED, secs=secs, **args)
    else:
        verdict.message = msg(Code.STEP_EXPECTED, **args)
    if bad:
        # numbered as {i} in the spec
        clients = msg(Code.CLIENTS_FAILED, bad=len(bad), all=len(out.children), i=bad[0].index)
        verdict.message = Message(code=Code.SENTENCES, args={"sentences": [verdict.message, clients]})
    verdict.diagnoses = diagnose(step, out, scenario, outcome)
    verdict.hint = None if _does_not_start(verdict.diagnoses) else step.hint or None
    return verdict


def _with(message: Message | None, told: Message | None) -> Message | None:
    """A scenario's message with the encoding note after it (when a step named several)."""
    if told is None or message is None:
        return message or told
    return Message(code=Code.SENTENCES, args={"sentences": [message, told]})


def judge_scenario(scenario: Scenario, outcome: Outcome) -> ScenarioResult:
    """Points and verdicts for one scenario, from its facts alone."""
    base = ScenarioResult(
        id=scenario.id,
        title=scenario.title,
        description=scenario.description or "",
        status="passed",
        score=0,
        max_score=scenario.max_score,
        visibility=scenario.visibility,
        duration=outcome.duration,
        outcome=outcome,
        hint=scenario.hint or None,
    )
    if outcome.grader_error:
        base.status = "not_gradable"
        base.message = msg(Code.NOT_GRADABLE, why=outcome.grader_error)
        return base
    verdicts = [
        _step_verdict(step, out, outcome, scenario)
        for step, out in zip(scenario.steps, outcome.steps, strict=False)
    ]
    base.steps = verdicts
    failed = next((v for v in verdicts if v.status == "failed"), None)
    step_points = sum(v.score for v in verdicts)
    used = outcome.encodings_used()
    told = msg(Code.ENCODING_USED, encoding=[encoding_label(e) for e in used]) if used else None
    if failed is None and outcome.never_ran:
        return _never_ran(base, scenario, outcome, verdicts)
    if failed is None and all(v.status == "passed" for v in verdicts):
        base.score = scenario.points + step_points
        base.message = _with(msg(Code.PASSED), told)
        return base
    base.status = "failed"
    base.score = step_points
    if failed is None:  # cannot happen with a well-formed outcome; say so rather than guess
        base.message = msg(Code.NOT_EVERY_STEP_RAN)
        return base
    base.failed_step = failed.index
    base.diagnoses = failed.diagnoses
    base.message = _with(failed.message, told)
    base.hint = None if _does_not_start(failed.diagnoses) else failed.hint or base.hint
    return base


def _does_not_start(diagnoses: list[Message]) -> bool:
    """The cause is a program that cannot start: a hint about sockets would only mislead."""
    return bool(diagnoses) and diagnoses[0].code in DOES_NOT_START


def _never_ran(
    base: ScenarioResult, scenario: Scenario, outcome: Outcome, verdicts: list[StepVerdict]
) -> ScenarioResult:
    """A scenario whose steps all saw what they wanted, from a program that never ran (its
    source did not compile, so it exited 1 with no traceback): it fails, with the cause.

    Steps that only ask a program to fail are met by one that cannot start; the points are
    for a program that fails gracefully, which this one never got the chance to do."""
    for verdict in verdicts:
        verdict.score = 0
    base.status = "failed"
    base.score = 0
    base.message = msg(Code.NEVER_STARTED)
    if scenario.steps and outcome.steps:
        base.diagnoses = diagnose(scenario.steps[0], outcome.steps[0], scenario, outcome)
    base.hint = None
    return base


def skipped(scenario: Scenario, because: str, because_title: LocalText) -> ScenarioResult:
    """A scenario not run because one it depends on failed: one root cause, not a cascade."""
    title = own_words(because_title)
    return ScenarioResult(
        id=scenario.id,
        title=scenario.title,
        description=scenario.description or "",
        status="skipped",
        score=0,
        max_score=scenario.max_score,
        visibility=scenario.visibility,
        skipped_because=because,
        message=msg(Code.SKIPPED, title=title),
        diagnoses=[msg(Code.SKIPPED_CAUSE, title=title)],
    )
