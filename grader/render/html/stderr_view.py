"""The tail of what a program wrote to stderr, with the traceback frame that matters marked.

Students read a traceback from the bottom; the line to fix is the last frame in *their* file,
not in the standard library. That frame and the exception line are marked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup

from grader.render.html.visible import visible_html
from grader.text.frames import is_library_path

TAIL_LINES = 60
TAIL_BYTES = 8 * 1024
_FRAME = re.compile(rb'^\s*File "([^"]*)", line \d+')


@dataclass(frozen=True)
class StderrLine:
    html: Markup
    kind: str
    """``plain``, ``frame``, ``student`` (the last frame in the student's file) or ``error``."""


@dataclass(frozen=True)
class StderrView:
    lines: list[StderrLine]
    size: int
    cut: bool
    """Only the tail is shown."""
    truncated: bool
    """The grader stopped recording at its output limit."""
    has_traceback: bool


def _without_run_dir(line: bytes) -> bytes:
    """``File "/tmp/grader-run-x1/client.py"`` (or ``C:\\...\\Temp\\grader-run-x1\\client.py``)
    -> ``File "client.py"``: the scratch folder the submission ran in is noise to a student.
    (A scan, not a regex: lines can be megabytes.)"""
    while (i := line.find(b"grader-run-")) > 0 and line[i - 1 : i] in (b"/", b"\\"):
        quote = line.rfind(b'"', 0, i)  # a traceback's quoted path may hold spaces
        start = (quote if quote >= 0 else line.rfind(b" ", 0, i)) + 1
        ends = [e for e in (line.find(b"/", i), line.find(b"\\", i)) if e >= 0]
        if not ends:
            break
        line = line[:start] + line[min(ends) + 1 :]
    return line


def _library_frame(line: bytes) -> bool:
    frame = _FRAME.match(line)
    return frame is not None and is_library_path(frame.group(1).decode("utf-8", errors="replace"))


def stderr_view(stderr: bytes, truncated: bool = False) -> StderrView | None:
    if not stderr:
        return None
    tail = stderr[-TAIL_BYTES:]
    raw = [_without_run_dir(line) for line in tail.split(b"\n")]
    if raw and raw[-1] == b"":
        raw.pop()
    cut = len(tail) < len(stderr) or len(raw) > TAIL_LINES
    raw = raw[-TAIL_LINES:]
    kinds = ["plain"] * len(raw)
    frames = [i for i, line in enumerate(raw) if _FRAME.match(line)]
    for i in frames:
        kinds[i] = "frame"
    mine = [i for i in frames if not _library_frame(raw[i])]
    if mine:
        last = mine[-1]
        kinds[last] = "student"
        j = last + 1
        while j < len(raw) and raw[j][:1].isspace() and not _FRAME.match(raw[j]):
            kinds[j] = "student"
            j += 1
    if frames:
        error = next(
            (i for i in range(len(raw) - 1, frames[-1], -1) if raw[i].strip() and not raw[i][:1].isspace()),
            None,
        )
        if error is not None:
            kinds[error] = "error"
    return StderrView(
        lines=[StderrLine(visible_html(line), kind) for line, kind in zip(raw, kinds, strict=True)],
        size=len(stderr),
        cut=cut,
        truncated=truncated,
        has_traceback=bool(frames),
    )
