"""Showing bytes to people: text where it is text, with every invisible character visible."""

from __future__ import annotations

_VISIBLE = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0", "\\": "\\\\"}


def _escape(ch: str) -> str:
    code = ord(ch)
    if ch in _VISIBLE:
        return _VISIBLE[ch]
    if 0xDC80 <= code <= 0xDCFF:  # an invalid byte, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    if ch.isprintable() or ch == " ":
        return ch
    return f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}"


_ESCAPES = {
    code: _escape(chr(code))
    for code in [*range(256), *range(0xDC80, 0xDD00)]
    if _escape(chr(code)) != chr(code)
}
"""Every character below 256 and every escaped byte that shows as something else, for
``str.translate`` (in C): the per-character loop was the judge's largest cost."""


def show_bytes(data: bytes | None, limit: int = 400) -> str:
    """``b'hi\\r\\n\\xff'`` -> ``hi\\r\\n\\xff``: valid UTF-8 as text, the rest escaped."""
    if data is None:
        return ""
    total = len(data)
    data = data[: limit * 4]  # never walk megabytes in Python to show a few hundred characters
    # surrogateescape keeps each invalid byte as one U+DC80..U+DCFF character, shown as \xNN.
    shown = data.decode("utf-8", errors="surrogateescape").translate(_ESCAPES)
    if not shown.isprintable():  # invisible characters above U+00FF (binary data has many)
        pieces, length = [], 0
        for ch in shown:
            piece = ch if ch.isprintable() else _escape(ch)
            pieces.append(piece)
            length += len(piece)
            if length > limit:
                break  # the rest would be cut anyway
        shown = "".join(pieces)
    if len(shown) > limit or total > len(data):
        return shown[:limit] + f"… ({total} bytes in all)"
    return shown


def show_around(data: bytes, offset: int | None, before: int = 24, after: int = 40) -> str:
    """A short excerpt of ``data`` around ``offset`` (the first difference), for one-line feedback."""
    if offset is None or len(data) <= before + after:
        return show_bytes(data, limit=before + after)
    start = max(0, offset - before)
    shown = show_bytes(data[start : offset + after], limit=4 * (before + after))
    return ("…" if start else "") + shown + ("…" if offset + after < len(data) else "")


def show_hex(data: bytes | None, limit: int = 64) -> str:
    if not data:
        return ""
    shown = data[:limit].hex(" ")
    return shown + (" …" if len(data) > limit else "")


def describe_size(n: int) -> str:
    return f"{n} byte" if n == 1 else f"{n} bytes"
