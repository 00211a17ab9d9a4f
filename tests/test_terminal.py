"""The student's terminal: prompts, typed lines, output, stdin that is never left open for ever."""

from __future__ import annotations

from pathlib import Path

import pytest
from dialogue import run_dialogue

from grader.render.words import feedback_text

UPPER = """\
    sentence = input("Sentence: ")
    print(sentence.upper())
"""


def test_prompt_type_output_exit(tmp_path: Path) -> None:
    result = run_dialogue(
        tmp_path,
        UPPER,
        """\
        - prompt: "Sentence: "
        - type: "héllo, 世界"
        - output: {line: "HÉLLO, 世界"}
        - exit: 0
    """,
    )
    assert result.score == 1, feedback_text(result.scenarios[0])
    terminal = result.scenarios[0].outcome.terminal
    typed = b"".join(e.data for e in terminal if e.stream == "stdin")
    assert typed == "héllo, 世界\n".encode()


def test_a_prompt_is_not_taken_for_the_answer(tmp_path: Path) -> None:
    """The expected text appears only inside the input() prompt: that must not count."""
    result = run_dialogue(
        tmp_path,
        'input("Type HELLO: ")\nprint("bye")\n',
        """\
        - prompt: "Type HELLO: "
        - type: x
        - output: {text: HELLO}
    """,
    )
    assert result.score == 0
    step = result.scenarios[0].steps[2]
    assert step.status == "failed"


def test_blocked_input_gets_eof_instead_of_hanging(tmp_path: Path) -> None:
    """A program waiting in input() when the spec expects it to exit is given EOF at once."""
    result = run_dialogue(
        tmp_path,
        'name = input()\nprint("never")\n',
        """\
        - exit: 0
    """,
    )
    scenario = result.scenarios[0]
    step = scenario.steps[0]
    assert step.status == "failed"
    # EOFError from input(), seen at once: not a timeout after the step's 20 s.
    assert "EOFError" in feedback_text(scenario)
    assert "waited" not in feedback_text(scenario)


def test_stdout_and_stderr_are_kept_apart(tmp_path: Path) -> None:
    program = 'import sys\nprint("to stderr", file=sys.stderr)\nprint("to stdout")\n'
    result = run_dialogue(
        tmp_path,
        program,
        """\
        - output: {line: to stdout}
        - stderr: {contains: to stderr}
        - exit: 0
    """,
    )
    assert result.score == 1, feedback_text(result.scenarios[0])
    outcome = result.scenarios[0].outcome
    assert b"to stderr" not in b"".join(e.data for e in outcome.terminal if e.stream == "stdout")


@pytest.mark.parametrize(("code", "passes"), [("0", False), ("nonzero", True), ("any", True)])
def test_exit_codes(tmp_path: Path, code: str, passes: bool) -> None:
    result = run_dialogue(
        tmp_path,
        "raise SystemExit(3)\n",
        f"""\
        - exit: {code}
    """,
    )
    assert (result.score == 1) is passes, feedback_text(result.scenarios[0])
