"""Showing bytes to people: text where it is text, with every invisible character visible."""

from __future__ import annotations

_VISIBLE = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0", "\\": "\\\\"}


def show_bytes(data: bytes | None, limit: int = 400) -> str:
    """``b'hi\\r\\n\\xff'`` -> ``hi\\r\\n\\xff``: valid UTF-8 as text, the rest escaped."""
    if data is None:
        return ""
    total = len(data)
    data = data[: limit * 4]  # never walk megabytes in Python to show a few hundred characters
    text = data.decode("utf-8", errors="backslashreplace")
    out: list[str] = []
    for ch in text:
        if ch in _VISIBLE:
            out.append(_VISIBLE[ch])
        elif ch.isprintable() or ch == " ":
            out.append(ch)
        else:
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}")
    shown = "".join(out)
    if len(shown) > limit or total > len(data):
        return shown[:limit] + f"… ({total} bytes in all)"
    return shown


def show_hex(data: bytes | None, limit: int = 64) -> str:
    if not data:
        return ""
    shown = data[:limit].hex(" ")
    return shown + (" …" if len(data) > limit else "")


def describe_size(n: int) -> str:
    return f"{n} byte" if n == 1 else f"{n} bytes"
