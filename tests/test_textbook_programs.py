"""The course's and the textbook's own programs, handed in unchanged, get what a teacher would
give them: the correct ones full marks, the wrong ones a named cause; no grader crash, hang or
leftover process.

The programs (``tests/textbook/``) are written as the lessons and the Kurose-Ross book print
them: the Chinese course's static web server that splits the request with ``split(" ",
maxsplit=2)[1]`` (and would crash on an empty connection) on port 9000, the lesson's TCP
client with GBK and a hard-coded ``192.168.x.x``, the book's lab skeleton left unfilled,
Python 2 code from older editions, ``serverName = 'hostname'``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import ASSIGNMENTS, ROOT

from grader.grade import GradeOptions, grade
from grader.render.words import feedback_text
from grader.sandbox.host import scratch_parent
from grader.spec.load import load_assignment

TEXTBOOK = ROOT / "tests" / "textbook"

CASES = [
    # (assignment, program, scenarios lost, words the feedback must contain)
    ("web-server-static", "course-static-web-server.py", [], None),
    ("web-server-fixed-page", "course-fixed-page-server.py", [], None),
    ("kurose-web-server", "kurose-webserver-sendall.py", [], None),
    ("kurose-web-server", "kurose-webserver-skeleton.py", ["listening"], "SyntaxError"),
    ("tcp-client", "lesson-tcp-client-loop.py", [], "was in GBK"),
    ("tcp-client", "lesson-tcp-client-port-7878.py", ["connects"], "192.168.1.102:7878"),
    ("tcp-server", "lesson-tcp-server-many-clients.py", [], None),
    ("kurose-tcp-client", "kurose-tcp-client-hostname.py", [], None),
    ("kurose-tcp-server", "kurose-tcp-server-python2-print.py", ["listening"], "Python 2"),
]


def _running_in_scratch() -> set[str]:
    """Processes whose working folder is a scratch copy of this process's gradings (other
    engineers' or CI jobs' gradings on the same machine have folders of their own)."""
    mine = str(scratch_parent())
    found = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if cwd.startswith(mine):
            found.add(f"{pid} in {cwd}")
    return found


@pytest.mark.root
@pytest.mark.parametrize(("assignment", "program", "loses", "words"), CASES, ids=[c[1] for c in CASES])
def test_a_textbook_program_gets_what_a_teacher_would_give(
    assignment: str, program: str, loses: list[str], words: str | None
) -> None:
    spec = load_assignment(ASSIGNMENTS / assignment)
    result = grade(spec, TEXTBOOK / program, Path(program).stem, GradeOptions(isolation="namespace"))
    assert result.status == "graded"
    failed = [s.id for s in result.scenarios if s.status == "failed"]
    assert failed == loses, [feedback_text(s) for s in result.scenarios if s.status != "passed"]
    assert all(s.status in ("passed", "failed", "skipped") for s in result.scenarios)  # never not gradable
    if not loses:
        assert result.score == result.max_score
    if words is not None:
        feedback = "\n".join(feedback_text(s) for s in result.scenarios)
        assert words in feedback, feedback
    assert _running_in_scratch() == set()  # this grading left no process behind
