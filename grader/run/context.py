"""What a scenario run is given (RunContext), and small facts its steps share: clips, copies, exits."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from grader.messages import Message, facts, msg
from grader.messages.codes import Code
from grader.outcome import IsolationMode, ProcessEnd, StepOutcome
from grader.run.deadline import LoadAwareTimeout
from grader.spec.matching import first_difference
from grader.spec.models import Assignment
from grader.spec.net_steps import (
    Expect,
)

NAMESPACE_DEFAULT_PORT = 5000
"""In a private namespace every port is free; a fixed default makes transcripts repeatable."""


WRONG_PORT_SCAN = 0.02
"""Seconds of refused connects between two looks at where the student's server listens."""


MAX_FILE_CHECK = 64 << 20


DISK_WATCH_INTERVAL = 0.1
"""Seconds between two looks at a scratch folder's size where no private tmpfs bounds it."""


BROWSER_START_SECONDS = 30.0
"""Added to a browser step's time: the first one in a process starts Chromium."""


@dataclass
class RunContext:
    """What every scenario of one submission shares."""

    assignment: Assignment
    submission: Path
    """Folder holding the student's files (never written to: each run gets a scratch copy)."""
    entry: str
    """The entry file's name inside ``submission``."""
    mode: IsolationMode
    python: str
    student_uid: int | None = None
    scratch_root: Path | None = None
    env_extra: dict[str, str] = field(default_factory=dict)


class StepFailed(Exception):
    """A step's expectation was not met; its outcome already says how."""


def _student_env(home: Path) -> dict[str, str]:
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        "TERM": "dumb",
    }


def _fill(template: str, host: str, port: int, i: int | None = None) -> str:
    out = template.replace("{host}", host).replace("{port}", str(port))
    return out.replace("{i}", str(i)) if i is not None else out


CLIP = 4096
"""Bytes of a step's expected/observed payloads kept in the outcome (around the difference)."""


def _clip(out: StepOutcome) -> None:
    """Record where expected and observed differ, then keep only a window around it."""
    if out.expected is not None and out.observed is not None:
        out.first_difference = first_difference(out.expected, out.observed)
    big = max(len(out.expected or b""), len(out.observed or b""))
    if big <= CLIP:
        return
    start = max(0, (out.first_difference or 0) - CLIP // 4)
    out.window_start = start
    if out.expected is not None:
        out.expected_size = len(out.expected)
        out.expected = out.expected[start : start + CLIP]
    if out.observed is not None:
        out.observed_size = len(out.observed)
        out.observed = out.observed[start : start + CLIP]


def _with_copy(step: Expect, copy: int) -> Expect:
    updates = {
        k: getattr(step, k).replace("{i}", str(copy))
        for k in ("text", "line", "regex")
        if getattr(step, k) is not None
    }
    return step.model_copy(update=updates) if updates else step


def _split(data: bytes, chunks: int | list[int] | None) -> list[bytes]:
    if not chunks or not data:
        return [data]
    if isinstance(chunks, int):
        size = max(1, -(-len(data) // chunks))
        return [data[i : i + size] for i in range(0, len(data), size)]
    pieces, pos = [], 0
    for size in chunks:
        if pos >= len(data):
            break
        pieces.append(data[pos : pos + size])
        pos += size
    if pos < len(data):
        pieces.append(data[pos:])
    return pieces


def note_busy(out: StepOutcome, deadline: LoadAwareTimeout) -> None:
    """A timeout that came after time was given back for load says so, with how much."""
    if deadline.busy:
        if deadline.granted:
            busy = msg(Code.BUSY_MACHINE, waited=round(deadline.granted, 2))
        else:
            busy = msg(Code.BUSY_MACHINE_NOT_EXTENDED, waited=round(deadline.lagged, 2))
        if out.reason is None:
            out.reason = busy
        elif out.reason.code is Code.FACTS:  # one flat list: readers look one level deep
            out.reason = facts(*out.reason.args["facts"], busy)  # type: ignore[misc]
        else:
            out.reason = facts(out.reason, busy)


def exit_reason(end: ProcessEnd) -> Message:
    """How the program ended, as a fact."""
    if end.killed_by_grader:
        return msg(Code.STOPPED_BY_GRADER, why=msg(end.killed_by_grader))
    if end.signal:
        return msg(Code.KILLED_BY_SIGNAL, sig=end.signal)
    if end.exit_code is None:
        return msg(Code.STILL_RUNNING)
    return msg(Code.EXIT_CODE, code=end.exit_code)


def _os_error_reason(exc: BaseException) -> Message:
    if isinstance(exc, ConnectionResetError):
        return msg(Code.RESET_BY_STUDENT)
    if isinstance(exc, BrokenPipeError):
        return msg(Code.STUDENT_HAD_CLOSED)
    return msg(Code.OS_ERROR, error=f"{type(exc).__name__}: {exc}")


TCP_STATES = {
    "01": "ESTABLISHED",
    "04": "FIN_WAIT1",
    "05": "FIN_WAIT2",
    "06": "TIME_WAIT",
    "08": "CLOSE_WAIT",
    "09": "LAST_ACK",
    "0A": "LISTEN",
    "0B": "CLOSING",
}


StopReason = Literal[
    Code.STOP_OUTPUT_LIMIT, Code.STOP_SCENARIO_OVER, Code.STOP_SCENARIO_TIMEOUT, Code.STOP_DISK_LIMIT
]
