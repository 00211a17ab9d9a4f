"""Facts known at once end a step at once, and students read the spec's words, not its regexes."""

from __future__ import annotations

import pytest
from conftest import ASSIGNMENTS, SUBMISSIONS

from grader.grade import GradeOptions, grade
from grader.judge import judge_scenario
from grader.outcome import Outcome, StepOutcome, WrongPort
from grader.spec_yaml import load_assignment


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
    assert step.wrong_port == WrongPort(expected=first.outcome.port, listening=[8080])
    # Ended by the fact, not by a deadline after hundreds of refused connections.
    assert step.status == "failed" and "attempts" not in (step.detail or "")
    verdict = first.steps[first.failed_step]
    expected = first.outcome.port
    if lang == "en":
        assert verdict.observed == f"listening on port 8080, expected port {expected}"
        assert f"listening on port 8080, but this scenario expects port {expected}" in first.message
    else:
        assert verdict.observed == f"在端口 8080 上监听，应为端口 {expected}"
        assert "你的服务器在端口 8080 上监听" in first.message
    assert [d.code for d in first.diagnoses][:1] == ["wrong-port"]


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
    result = judge_scenario(scenario, facts, lang=lang)
    assert result.steps[result.failed_step].expected == words
    assert step.regex not in result.message and words in result.message


def test_without_a_description_the_regex_is_still_shown() -> None:
    scenario, facts, step = _regex_scenario()
    bare = step.model_copy(update={"description": None})
    steps = [bare if s is step else s for s in scenario.steps]
    result = judge_scenario(scenario.model_copy(update={"steps": steps}), facts)
    assert result.steps[result.failed_step].expected == step.regex
