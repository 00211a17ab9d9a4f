"""Bytes made visible in HTML: text where it is text, every invisible character boxed.

Built on :func:`grader.textshow.show_bytes`, whose output is unambiguous (a literal
backslash is shown doubled), so it can be split back into plain text and escape marks.
Everything is escaped here with :func:`markupsafe.escape` before it becomes ``Markup``:
student bytes never reach a page unescaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from grader.textshow import show_bytes, show_hex

_ESCAPE = re.compile(r"\\(\\|n|r|t|0|x[0-9a-f]{2}|u[0-9a-f]{4})")
_NAMES = {"\\n": "LF", "\\r": "CR", "\\t": "TAB", "\\0": "NUL"}


def visible_html(data: bytes, *, line_breaks: bool = False) -> Markup:
    """HTML for ``data``: UTF-8 as text, ``\\n`` ``\\r`` ``\\0`` and undecodable bytes as marks.

    With ``line_breaks``, a real line break follows each ``\\n`` mark so that multi-line
    output still reads as lines.
    """
    text = show_bytes(data, limit=len(data) * 4 + 16)
    out: list[str] = []
    pos = 0
    for m in _ESCAPE.finditer(text):
        out.append(str(escape(text[pos:m.start()])))
        token = m.group(0)
        if token == "\\\\":
            out.append("\\")
        else:
            name = _NAMES.get(token, "byte" if token.startswith("\\x") else "character")
            out.append(f'<span class="esc" title="{name}">{escape(token)}</span>')
            if line_breaks and token == "\\n":
                out.append("\n")
        pos = m.end()
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def hexdump(data: bytes, limit: int = 512, start: int = 0) -> str:
    """Classic 16-bytes-a-line dump (offset, hex, printable ASCII), at most ``limit`` bytes."""
    lines = []
    for offset in range(0, min(len(data), limit), 16):
        chunk = data[offset:offset + 16]
        ascii_ = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{start + offset:06x}  {show_hex(chunk, 16):<47}  {ascii_}")
    if len(data) > limit:
        lines.append(f"… ({len(data) - limit} more bytes)")
    return "\n".join(lines)


def char_start(data: bytes, i: int) -> int:
    """Move ``i`` back to the first byte of the UTF-8 character it falls inside, if any."""
    for back in range(1, 4):
        if i - back < 0:
            break
        b = data[i - back]
        if b < 0x80:
            break
        if b >= 0xC0:
            needed = 2 if b < 0xE0 else 3 if b < 0xF0 else 4
            return i - back if needed > back else i
    return i


def char_end(data: bytes, i: int) -> int:
    """End of the one character starting at ``i`` (one byte when it is not valid UTF-8)."""
    if i >= len(data):
        return i
    b = data[i]
    size = 1 if b < 0xC0 else 2 if b < 0xE0 else 3 if b < 0xF0 else 4
    try:
        data[i:i + size].decode("utf-8")
        return i + size
    except UnicodeDecodeError:
        return i + 1


def common_prefix(a: bytes, b: bytes) -> int:
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


@dataclass(frozen=True)
class DiffSide:
    """One side of a diff, cut around the first difference."""

    before: Markup
    at: Markup
    after: Markup
    ended: bool
    """This side has no byte where the other differs: it is shorter."""
    cut_before: bool
    cut_after: bool
    size: int
    hex: str


@dataclass(frozen=True)
class ByteDiff:
    offset: int
    """Absolute offset of the first differing byte in the whole payload."""
    expected: DiffSide
    observed: DiffSide


def byte_diff(expected: bytes, observed: bytes, first_difference: int | None = None,
              window_start: int = 0, expected_size: int | None = None,
              observed_size: int | None = None, context: int = 160) -> ByteDiff | None:
    """Expected and observed split at the first difference; ``None`` when they are equal."""
    if first_difference is None:
        rel = common_prefix(expected, observed)
        if rel == len(expected) == len(observed):
            return None
    else:
        rel = max(0, min(first_difference - window_start, len(expected), len(observed)))
    at = char_start(expected, rel) if rel < len(expected) else char_start(observed, rel)
    at = min(at, char_start(observed, rel) if rel < len(observed) else at)
    return ByteDiff(
        offset=window_start + rel,
        expected=_side(expected, at, rel, context, window_start, expected_size),
        observed=_side(observed, at, rel, context, window_start, observed_size),
    )


def _side(data: bytes, at: int, rel: int, context: int, window_start: int, size: int | None) -> DiffSide:
    start = char_start(data, max(0, at - context))
    end_at = char_end(data, at) if at < len(data) else at
    if end_at <= rel < len(data):
        end_at = char_end(data, rel)
    stop = char_start(data, min(len(data), end_at + context * 2)) if end_at + context * 2 < len(data) \
        else len(data)
    hex_from = max(0, rel - 8)
    hex_bytes = data[hex_from:rel + 8]
    marks = [f"[{b:02x}]" if hex_from + i == rel else f"{b:02x}" for i, b in enumerate(hex_bytes)]
    return DiffSide(
        before=visible_html(data[start:at]),
        at=visible_html(data[at:end_at]),
        after=visible_html(data[end_at:stop]),
        ended=at >= len(data),
        cut_before=start > 0 or window_start > 0,
        cut_after=stop < len(data) or (size is not None and window_start + len(data) < size),
        size=size if size is not None else len(data),
        hex=" ".join(marks),
    )
