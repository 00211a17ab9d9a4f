"""Facts known at once end a step at once, and students read the spec's words, not its regexes."""

from __future__ import annotations

import pytest
from conftest import ASSIGNMENTS, SUBMISSIONS

from grader.grade import GradeOptions, grade
from grader.judge.scenario import judge_scenario
from grader.messages import msg
from grader.messages.codes import Code
from grader.outcome import Outcome, StepOutcome
from grader.render.html.report_view import failure_view
from grader.render.words import say
from grader.spec.load import load_assignment


@pytest.mark.root
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_server_on_the_wrong_port_ends_the_step_at_once_with_both_ports(lang: str) -> None:
    assignment = load_assignment(ASSIGNMENTS / "echo-server")
    result = grade(
        assignment,
        SUBMISSIONS / "echo-server" / "wrong-port.py",
        "w",
        GradeOptions(isolation="namespace", lang=lang),
    )
    first = next(s for s in result.scenarios if s.status == "failed")
    assert first.outcome is not None
    step = first.outcome.steps[first.failed_step]
    expected = first.outcome.port
    # Ended by the fact, not by a deadline after hundreds of refused connections.
    assert step.status == "failed"
    assert step.reason == msg(Code.LISTENS_ON_WRONG_PORT, expected=expected, listening=[8080])
    verdict = first.steps[first.failed_step]
    why = msg(Code.WRONG_PORT_ARGV, expected=expected, listening=[8080])  # the port is in argv
    assert first.cause == msg(Code.WRONG_PORT, explanation=why)
    if lang == "en":
        assert say(verdict.reason, lang) == f"listening on port 8080, expected port {expected}"
        assert f"listening on port 8080, but this scenario expects port {expected}" in say(first.cause, lang)
    else:
        assert say(verdict.reason, lang) == f"在端口 8080 上监听，应为端口 {expected}"
        assert "你的服务器在端口 8080 上监听" in say(first.cause, lang)


def _regex_scenario(lang: str = "en"):
    """time-server's "sends-time" scenario (its regex step has a description), failed at the regex."""
    assignment = load_assignment(ASSIGNMENTS / "time-server")
    scenario = next(s for s in assignment.scenarios if s.id == "sends-time")
    index, step = next((i, s) for i, s in enumerate(scenario.steps) if getattr(s, "regex", None))
    outcomes = [
        StepOutcome(index=i, action=s.action, status="ok") for i, s in enumerate(scenario.steps[:index])
    ]
    outcomes.append(
        StepOutcome(index=index, action="expect", status="failed", pattern=step.regex, observed=b"hello\n")
    )
    facts = Outcome(scenario=scenario.id, isolation="namespace", host="127.0.0.1", port=8080, steps=outcomes)
    return scenario, facts, step


@pytest.mark.parametrize(
    ("lang", "words"), [("en", 'a line "YYYY-MM-DD HH:MM:SS"'), ("zh", '一行 "YYYY-MM-DD HH:MM:SS"')]
)
def test_a_step_with_a_description_shows_it_instead_of_its_regex(lang: str, words: str) -> None:
    scenario, facts, step = _regex_scenario()
    result = judge_scenario(scenario, facts)
    verdict = result.steps[result.failed_step]
    assert verdict.expected == step.regex  # the fact stays as it was; the words replace it when shown
    assert failure_view(result, lang).expected == words
    assert step.regex not in say(result.message, lang) and words in say(result.message, lang)


def test_without_a_description_the_regex_is_still_shown() -> None:
    scenario, facts, step = _regex_scenario()
    bare = step.model_copy(update={"description": None})
    steps = [bare if s is step else s for s in scenario.steps]
    result = judge_scenario(scenario.model_copy(update={"steps": steps}), facts)
    verdict = result.steps[result.failed_step]
    assert verdict.expected_words is None
    assert failure_view(result, "en").expected == step.regex
    assert step.regex in say(result.message, "en")
