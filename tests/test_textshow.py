"""How bytes are shown to people: the fast escaping gives exactly the per-character rules."""

from __future__ import annotations

import random

import pytest

from grader.text.show import show_around, show_bytes


def shown_one_by_one(data: bytes, limit: int = 400) -> str:
    """The rules, one character at a time: the meaning ``show_bytes`` must keep."""
    visible = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0", "\\": "\\\\"}
    out = []
    for ch in data[: limit * 4].decode("utf-8", errors="surrogateescape"):
        code = ord(ch)
        if ch in visible:
            out.append(visible[ch])
        elif 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif ch.isprintable() or ch == " ":
            out.append(ch)
        else:
            out.append(f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}")
    text = "".join(out)
    if len(text) > limit or len(data) > limit * 4:
        return text[:limit] + "…"
    return text


def samples() -> list[bytes]:
    rng = random.Random(11)
    found = [rng.randbytes(rng.randrange(0, 3000)) for _ in range(200)]
    found += ["héllo\n\t\\ 你好\u2028\u200b\x85\xad z".encode() * k for k in range(1, 300, 7)]
    found += [
        "".join(chr(rng.randrange(0x10000)) for _ in range(500)).encode("utf-8", "surrogatepass")
        for _ in range(50)
    ]
    return found


@pytest.mark.parametrize("limit", [1, 10, 64, 400])
def test_fast_escaping_matches_the_rules(limit: int) -> None:
    for data in samples():
        assert show_bytes(data, limit) == shown_one_by_one(data, limit), data[:40]


def test_examples() -> None:
    assert show_bytes(b"hi\r\n\xff") == "hi\\r\\n\\xff"
    assert show_bytes("你好\u200b".encode()) == "你好\\u200b"
    assert show_bytes(None) == ""
    assert show_bytes(b"a" * 500, limit=3) == "aaa…"
    assert show_around(b"x" * 100 + b"!" + b"y" * 100, 100, before=3, after=3).startswith("…xxx!yy")
