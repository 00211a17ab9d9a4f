"""Engine features the line-chat and file-download assignments need.

- ``exit: {stdin_open: true}``: an interactive client must end by itself (after ``/quit``, or
  when the server closes) while its input is still open; closing stdin first would let a
  program that never noticed pass on an EOF instead.
- generated text payloads of several MB: rendered in C (same bytes as the original per-byte
  loop) and off the event loop, checked byte for byte in a saved file.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from dialogue import run_dialogue

from grader.render.words import feedback_text
from grader.spec.payloads import TEXT_LETTERS, Generated

# ------------------------------------------------------------------ exit with stdin left open

WAITS_FOR_INPUT = """\
    import sys
    sys.stdin.readline()
"""


def test_exit_closes_stdin_by_default(tmp_path: Path) -> None:
    result = run_dialogue(tmp_path, WAITS_FOR_INPUT, "- exit: 0\n", server=False)
    assert result.scenarios[0].status == "passed", feedback_text(result.scenarios[0])


def test_exit_without_closing_stdin_fails_a_program_waiting_for_input(tmp_path: Path) -> None:
    result = run_dialogue(
        tmp_path, WAITS_FOR_INPUT, "- exit: {code: 0, stdin_open: true, timeout: 0.5}\n", server=False
    )
    scenario = result.scenarios[0]
    assert scenario.status == "failed"
    assert scenario.steps[0].status == "failed"
    assert "still running" in feedback_text(scenario)
    # The usual explanation ("even after its input was closed") would be false here.
    assert "never-exited" not in {d.code for d in scenario.diagnoses}


def test_exit_without_closing_stdin_passes_a_program_that_ends_by_itself(tmp_path: Path) -> None:
    program = """\
        import sys
        print("bye")
        sys.exit(3)
    """
    result = run_dialogue(
        tmp_path, program, "- output: bye\n- exit: {code: 3, stdin_open: true}\n", server=False
    )
    assert result.scenarios[0].status == "passed", feedback_text(result.scenarios[0])


# ------------------------------------------------------------------ generated text payloads


# 200 000 letters need two blocks of words: the cut between blocks must not show.
@pytest.mark.parametrize(("seed", "size"), [(0, 1), (1, 36), (-7, 37), (2026, 4097), (3, 200_000)])
def test_generated_text_is_the_same_as_choosing_letters_one_by_one(seed: int, size: int) -> None:
    rng = random.Random(seed)
    one_by_one = bytes(rng.choice(TEXT_LETTERS) for _ in range(size))
    assert Generated(size=size, seed=seed, alphabet="text").render() == one_by_one


def test_generated_bytes_are_unchanged() -> None:
    assert Generated(size=1000, seed=5).render() == random.Random(5).randbytes(1000)


SAVES_WHAT_IT_GETS = """\
    import socket, sys
    sock = socket.create_connection((sys.argv[1], int(sys.argv[2])))
    data = b""
    while len(data) < {size}:
        piece = sock.recv(65536)
        if not piece:
            break
        data += piece
    with open("out.txt", "wb") as f:
        f.write(data[:{keep}])
"""


@pytest.mark.parametrize(("keep", "passes"), [(600_000, True), (599_999, False)])
def test_saved_file_is_compared_with_a_generated_payload(tmp_path: Path, keep: int, passes: bool) -> None:
    payload = "{size: 600000, seed: 3, alphabet: text}"
    steps = f"""\
        - accept
        - send: {{generate: {payload}, chunks: 10}}
        - exit: 0
        - file: {{path: out.txt, generate: {payload}}}
    """
    result = run_dialogue(tmp_path, SAVES_WHAT_IT_GETS.format(size=600_000, keep=keep), steps)
    scenario = result.scenarios[0]
    assert (scenario.status == "passed") is passes, feedback_text(scenario)
    if not passes:
        assert scenario.failed_step == 3
        assert "599999 bytes, expected 600000" in feedback_text(scenario)
