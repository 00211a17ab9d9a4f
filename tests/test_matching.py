"""Matching bytes as they arrive: mismatches are seen at the first wrong byte, not at a timeout."""

from __future__ import annotations

import pytest

from grader.messages.codes import Code
from grader.spec.matching import find_output, first_difference, match_expect
from grader.spec.net_steps import Expect


def expect(**fields: object) -> Expect:
    return Expect.model_validate({"action": "expect", **fields})


CASES = [
    # (expectation, buffer, eof, verdict, consumed, reason)
    ({"text": "hello"}, b"hel", False, "need_more", 0, None),
    ({"text": "hello"}, b"hello", False, "match", 5, None),
    ({"text": "hello"}, b"hello\n", False, "match", 5, None),
    ({"text": "hello"}, b"help", False, "mismatch", 4, Code.DIFFERENT_BYTES),
    ({"text": "hello"}, b"hel", True, "mismatch", 3, Code.CLOSED_EARLY),
    ({"line": "OK 5"}, b"OK 5\nrest", False, "match", 5, None),
    ({"line": "OK 5"}, b"OK 5", False, "need_more", 0, None),
    ({"line": "OK 5"}, b"OK 5", True, "mismatch", 4, Code.NO_NEWLINE_BEFORE_CLOSE),
    ({"line": "OK 5"}, b"OK 5\r\n", False, "mismatch", 6, Code.CRLF_LINE_ENDING),
    ({"line": "OK 5"}, b"NO", False, "mismatch", 2, Code.DIFFERENT_BYTES),
    ({"regex": r"\d\d:\d\d"}, b"12:30\n", False, "match", 6, None),
    ({"regex": r"\d\d:\d\d"}, b"12:3x\n", False, "mismatch", 6, Code.LINE_DOES_NOT_MATCH),
    ({"length": 3}, b"ab", False, "need_more", 0, None),
    ({"length": 3}, b"abcd", False, "match", 3, None),
    ({"anything": True}, b"", False, "need_more", 0, None),
    ({"anything": True}, b"xyz", False, "match", 3, None),
    ({"until_eof": True}, b"all", False, "need_more", 0, None),
    ({"until_eof": True, "text": "all"}, b"all", True, "match", 3, None),
    ({"until_eof": True, "text": "all"}, b"al", True, "mismatch", 2, Code.DIFFERENT_BYTES_BEFORE_CLOSE),
    ({"hex": "00ff"}, b"\x00\xff", False, "match", 2, None),
]


@pytest.mark.parametrize(("fields", "buffer", "eof", "verdict", "consumed", "reason"), CASES)
def test_match_expect(
    fields: dict, buffer: bytes, eof: bool, verdict: str, consumed: int, reason: Code | None
) -> None:
    result = match_expect(expect(**fields), buffer, eof)
    assert (result.verdict, result.consumed, result.reason) == (verdict, consumed, reason)


@pytest.mark.parametrize(
    ("a", "b", "at"),
    [
        (b"same", b"same", None),
        (b"hello", b"help", 3),
        (b"hello", b"hello\n", 5),
        (b"", b"x", 0),
        (bytes(10_000) + b"a", bytes(10_000) + b"b", 10_000),
    ],
)
def test_first_difference(a: bytes, b: bytes, at: int | None) -> None:
    assert first_difference(a, b) == at


def test_find_output_searches_from_the_cursor() -> None:
    out = b"Name: Name: HELLO\n"
    assert find_output(out, 0, text="Name: ") == (0, 6)
    assert find_output(out, 6, text="Name: ") == (6, 12)
    assert find_output(out, 12, text="Name: ") is None


def test_find_output_line_must_be_a_whole_line() -> None:
    out = b"HELLO WORLD\nHELLO\n"
    assert find_output(out, 0, line="HELLO") == (12, 18)
    assert find_output(b"xHELLO\n", 0, line="HELLO") is None


def test_find_output_regex_on_non_ascii() -> None:
    out = "回复：你好\n".encode()
    begin, end = find_output(out, 0, regex="你.")  # type: ignore[misc]
    assert out[begin:end] == "你好".encode()
