"""Matching received bytes against a step's expectation, as data arrives.

Pure functions shared by the runner (to know when to stop waiting) and the judge (to say
where observed bytes first differ). A mismatch is reported as soon as the first differing
byte arrives, so a wrong answer costs no timeout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

from grader.messages.codes import Code
from grader.spec.net_steps import Expect
from grader.text.encodings import distinguishes
from grader.text.encodings import names as encoding_names

Verdict = Literal["match", "mismatch", "need_more"]


@dataclass(frozen=True)
class Match:
    verdict: Verdict
    consumed: int = 0
    """Bytes of the buffer the step used up (on ``match`` or ``mismatch``)."""
    reason: Code | None = None
    encoding: str | None = None
    """On a match of a step naming several encodings: the one the bytes were in, when the
    expected text differs between them (ASCII is the same in all)."""


def _text_of(step: Expect) -> str | None:
    return step.text if step.text is not None else step.line if step.line is not None else step.regex


def match_expect(step: Expect, buffer: bytes, eof: bool) -> Match:
    """Decide whether ``buffer`` (unread bytes so far; ``eof`` if the student closed) fits.

    A step naming several encodings matches text in any of them: the first that matches wins;
    while one could still match, wait; when none can, the first encoding's mismatch is told.
    """
    listed = encoding_names(step.encoding)
    text = _text_of(step)
    if len(listed) == 1 or text is None:
        return _match_in(step, listed[0], buffer, eof)
    tried = [(name, _match_in(step, name, buffer, eof)) for name in listed]
    for name, result in tried:
        if result.verdict == "match":
            told = name if distinguishes(step.encoding, text) else None
            return replace(result, encoding=told)
    waiting = next((result for _, result in tried if result.verdict == "need_more"), None)
    return waiting or tried[0][1]


def _match_in(step: Expect, encoding: str, buffer: bytes, eof: bool) -> Match:
    if step.until_eof:
        if not eof:
            return Match("need_more")
        exact = step.exact_bytes(encoding)
        if exact is None:
            return Match("match", len(buffer))
        if buffer == exact:
            return Match("match", len(buffer))
        return Match("mismatch", len(buffer), Code.DIFFERENT_BYTES_BEFORE_CLOSE)
    exact = step.exact_bytes(encoding)
    if exact is not None:
        return _match_exact(exact, buffer, eof)
    if step.anything:
        if buffer:
            return Match("match", len(buffer))
        return Match("mismatch", 0, Code.CLOSED_WITHOUT_SENDING) if eof else Match("need_more")
    if step.length is not None:
        if len(buffer) >= step.length:
            return Match("match", step.length)
        return Match("mismatch", len(buffer), Code.CLOSED_EARLY) if eof else Match("need_more")
    if step.line is not None:
        return _match_line(step.line.encode(encoding), buffer, eof)
    assert step.regex is not None
    return _match_regex_line(step.regex.encode(encoding), buffer, eof)


def _match_exact(exact: bytes, buffer: bytes, eof: bool) -> Match:
    n = min(len(exact), len(buffer))
    if buffer[:n] != exact[:n]:
        return Match("mismatch", len(buffer), Code.DIFFERENT_BYTES)
    if len(buffer) >= len(exact):
        return Match("match", len(exact))
    return Match("mismatch", len(buffer), Code.CLOSED_EARLY) if eof else Match("need_more")


def _match_line(line: bytes, buffer: bytes, eof: bool) -> Match:
    end = buffer.find(b"\n")
    if end < 0:
        wanted = line + b"\n"
        if not wanted.startswith(buffer):
            return Match("mismatch", len(buffer), Code.DIFFERENT_BYTES)
        return Match("mismatch", len(buffer), Code.NO_NEWLINE_BEFORE_CLOSE) if eof else Match("need_more")
    got = buffer[:end]
    if got == line:
        return Match("match", end + 1)
    if got.rstrip(b"\r") == line:
        return Match("mismatch", end + 1, Code.CRLF_LINE_ENDING)
    return Match("mismatch", end + 1, Code.DIFFERENT_LINE)


def _match_regex_line(pattern: bytes, buffer: bytes, eof: bool) -> Match:
    end = buffer.find(b"\n")
    if end < 0:
        return Match("mismatch", len(buffer), Code.NO_NEWLINE_BEFORE_CLOSE) if eof else Match("need_more")
    if re.fullmatch(pattern, buffer[:end]):
        return Match("match", end + 1)
    return Match("mismatch", end + 1, Code.LINE_DOES_NOT_MATCH)


def first_difference(expected: bytes, observed: bytes) -> int | None:
    """Offset of the first differing byte, or ``None`` when equal.

    Compares 4 KiB slices in C before looking at single bytes: payloads can be megabytes.
    """
    if expected == observed:
        return None
    n = min(len(expected), len(observed))
    block = 4096
    at = 0
    while at < n and expected[at : at + block] == observed[at : at + block]:
        at += block
    for i in range(at, min(at + block, n)):
        if expected[i] != observed[i]:
            return i
    return n


def find_output(
    stdout: bytes, start: int, *, text: str | None = None, regex: str | None = None, line: str | None = None
) -> tuple[int, int] | None:
    """Where the expected output appears in ``stdout[start:]``, as absolute (begin, end)."""
    if text is not None:
        needle = text.encode("utf-8")
        at = stdout.find(needle, start)
        return (at, at + len(needle)) if at >= 0 else None
    if line is not None:
        needle = line.encode("utf-8")
        pos = start
        while (at := stdout.find(needle, pos)) >= 0:
            before_ok = at == 0 or stdout[at - 1 : at] == b"\n" or at == start
            end = at + len(needle)
            after = stdout[end : end + 2]
            if before_ok and (after.startswith(b"\n") or after.startswith(b"\r\n")):
                return at, end + (2 if after.startswith(b"\r\n") else 1)
            pos = at + 1
        return None
    assert regex is not None
    decoded = stdout[start:].decode("utf-8", errors="replace")
    m = re.search(regex, decoded)
    if m is None:
        return None
    begin = start + len(decoded[: m.start()].encode("utf-8", errors="replace"))
    end = start + len(decoded[: m.end()].encode("utf-8", errors="replace"))
    return begin, end
