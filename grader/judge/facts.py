"""What a diagnosis may look at: the failed step, its outcome, the student's stderr and traceback."""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.messages.codes import Code
from grader.outcome import Outcome, StepOutcome
from grader.spec.models import Scenario
from grader.spec.steps import AnyStepModel
from grader.text.frames import file_name, is_library_path

TRACEBACK = b"Traceback (most recent call last)"


LIMIT_MESSAGES = {
    "memory": Code.LIMIT_MEMORY,
    "processes": Code.LIMIT_PROCESSES,
    "cpu time": Code.LIMIT_CPU_TIME,
    "file size": Code.LIMIT_FILE_SIZE,
    "open files": Code.LIMIT_OPEN_FILES,
    "disk": Code.LIMIT_DISK,
}
"""What a student reads when the sandbox saw which limit (``ProcessEnd.limit``) was reached."""


@dataclass(frozen=True)
class Facts:
    """What a rule may look at."""

    step: AnyStepModel
    out: StepOutcome
    scenario: Scenario
    outcome: Outcome

    @property
    def stderr(self) -> str:
        return self.outcome.stderr.decode("utf-8", errors="replace")

    @property
    def expected(self) -> bytes:
        return self.out.expected or b""

    @property
    def observed(self) -> bytes:
        return self.out.observed or b""

    @property
    def sent_text(self) -> bytes:
        """Everything the reference peer sent to the student."""
        return b"".join(e.data for e in self.outcome.sent_chunks())


SCRATCH_PATH = re.compile(r"/[^\s\"']*/grader-run-[^/\s\"']+/")
"""The grader's scratch folder at the front of a path in a student's error (shown as the
file name alone: the folder is the grader's, gone by the time anyone reads it)."""


NON_UTF8_SOURCE = re.compile(
    r"Non-UTF-8 code starting with '(\\x[0-9a-fA-F]{2})' in file (.+?) on line (\d+)"
)


def without_scratch(text: str) -> str:
    return SCRATCH_PATH.sub("", text)


def last_traceback_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return without_scratch(lines[-1].strip()) if lines else ""


def traceback_location(stderr: str) -> str:
    """Where the program stopped: the last traceback frame in the student's own files.

    Frames inside the standard library (``socket.py:836``) say nothing useful to a student;
    the line of their code that called it does (:mod:`grader.text.frames`, every system's paths).
    """
    found = re.findall(r'File "([^"]+)", line (\d+)', stderr)
    own = [(name, line) for name, line in found if not is_library_path(name)]
    if not (own or found):
        return ""
    name, line = (own or found)[-1]
    return f"{file_name(name)}:{line}"
