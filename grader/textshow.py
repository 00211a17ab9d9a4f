"""Showing bytes to people: text where it is text, with every invisible character visible."""

from __future__ import annotations

_VISIBLE = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0", "\\": "\\\\"}


def show_bytes(data: bytes | None, limit: int = 400) -> str:
    """``b'hi\\r\\n\\xff'`` -> ``hi\\r\\n\\xff``: valid UTF-8 as text, the rest escaped."""
    if data is None:
        return ""
    total = len(data)
    data = data[: limit * 4]  # never walk megabytes in Python to show a few hundred characters
    # surrogateescape keeps each invalid byte as one U+DC80..U+DCFF character, shown as \xNN.
    text = data.decode("utf-8", errors="surrogateescape")
    out: list[str] = []
    for ch in text:
        code = ord(ch)
        if ch in _VISIBLE:
            out.append(_VISIBLE[ch])
        elif 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif ch.isprintable() or ch == " ":
            out.append(ch)
        else:
            out.append(f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}")
    shown = "".join(out)
    if len(shown) > limit or total > len(data):
        return shown[:limit] + f"… ({total} bytes in all)"
    return shown


def show_around(data: bytes, offset: int | None, before: int = 24, after: int = 40) -> str:
    """A short excerpt of ``data`` around ``offset`` (the first difference), for one-line feedback."""
    if offset is None or len(data) <= before + after:
        return show_bytes(data, limit=before + after)
    start = max(0, offset - before)
    shown = show_bytes(data[start:offset + after], limit=4 * (before + after))
    return ("…" if start else "") + shown + ("…" if offset + after < len(data) else "")


def show_hex(data: bytes | None, limit: int = 64) -> str:
    if not data:
        return ""
    shown = data[:limit].hex(" ")
    return shown + (" …" if len(data) > limit else "")


def describe_size(n: int) -> str:
    return f"{n} byte" if n == 1 else f"{n} bytes"
