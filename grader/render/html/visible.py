"""Bytes made visible in HTML: text where it is text, every invisible character boxed.

Built on :func:`grader.text.show.show_bytes`, whose output is unambiguous (a literal
backslash is shown doubled), so it can be split back into plain text and escape marks.
Everything is escaped here with :func:`markupsafe.escape` before it becomes ``Markup``:
student bytes never reach a page unescaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from grader.spec.matching import first_difference as first_difference_of
from grader.text.show import char_starts, codec_name, decode_shown, encoding_label, show_bytes, show_hex

_ESCAPE = re.compile(r"\\(\\|n|r|t|0|x[0-9a-f]{2}|u[0-9a-f]{4})")


def visible_html(data: bytes, *, line_breaks: bool = False, encoding: str = "utf-8") -> Markup:
    """HTML for ``data``: text in ``encoding`` as text, ``\\n`` ``\\r`` ``\\0`` and undecodable
    bytes as marks.

    With ``line_breaks``, a real line break follows each ``\\n`` mark so that multi-line
    output still reads as lines.
    """
    text = show_bytes(data, limit=len(data) * 4 + 16, encoding=encoding)
    out: list[str] = []
    marks: list[str] = []  # escapes in a row share one box: binary data stays compact

    def flush() -> None:
        if marks:
            out.append(f'<span class="esc">{escape("".join(marks))}</span>')
            marks.clear()

    pos = 0
    for m in _ESCAPE.finditer(text):
        if m.start() > pos:
            flush()
            out.append(str(escape(text[pos : m.start()])))
        token = m.group(0)
        if token == "\\\\":
            flush()
            out.append("\\")
        else:
            marks.append(token)
            if line_breaks and token == "\\n":
                flush()
                out.append("\n")
        pos = m.end()
    flush()
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def hexdump(data: bytes, limit: int = 512, width: int = 8) -> str:
    """Classic dump, ``width`` bytes a line (offset, hex, printable ASCII), at most ``limit`` bytes.

    Eight bytes a line keep a dump narrow enough for a table column and a phone."""
    lines = []
    for offset in range(0, min(len(data), limit), width):
        chunk = data[offset : offset + width]
        ascii_ = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{offset:06x}  {show_hex(chunk, width):<{width * 3 - 1}}  {ascii_}")
    if len(data) > limit:
        lines.append(f"… (+{len(data) - limit})")
    return "\n".join(lines)


HEX_CONTEXT = 16


def char_start(data: bytes, i: int, encoding: str = "utf-8") -> int:
    """Move ``i`` back to the first byte of the character it falls inside, if any."""
    if codec_name(encoding) != "utf-8":
        return max((s for s in char_starts(data, encoding) if s <= i), default=0)
    for back in range(1, 4):
        start = i - back
        if start < 0:
            break
        b = data[start]
        if b < 0x80:
            break
        if 0xC2 <= b <= 0xF4:
            needed = 2 if b < 0xE0 else 3 if b < 0xF0 else 4
            if start + needed > i and _is_utf8(data[start : start + needed]):
                return start
            break
    return i


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def char_end(data: bytes, i: int, encoding: str = "utf-8") -> int:
    """End of the one character starting at ``i`` (one byte when it is not valid text)."""
    if i >= len(data):
        return i
    if codec_name(encoding) != "utf-8":
        return min((s for s in char_starts(data, encoding) if s > i), default=len(data))
    b = data[i]
    size = 1 if b < 0xC0 else 2 if b < 0xE0 else 3 if b < 0xF0 else 4
    try:
        data[i : i + size].decode("utf-8")
        return i + size
    except UnicodeDecodeError:
        return i + 1


def looks_binary(data: bytes, sample: int = 512, encoding: str = "utf-8") -> bool:
    """More than one byte in ten of the start is not printable text (in ``encoding``)."""
    head = data[:sample]
    if not head:
        return False
    text = decode_shown(head, encoding)
    odd = sum(0xDC80 <= ord(ch) <= 0xDCFF or (not ch.isprintable() and ch not in "\r\n\t") for ch in text)
    return odd * 10 > len(text)


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
    hex: Markup
    """The bytes around the difference in hex, the differing one marked."""
    hex_start: int
    encoding: str | None = None
    """The encoding's name (``GBK``) when this side is not UTF-8 or the other side is not."""


@dataclass(frozen=True)
class ByteDiff:
    offset: int
    """Absolute offset (from 0) of the first differing byte in the whole payload; people are
    shown ``offset + 1``, "the 1st byte", as the judge's messages count."""
    expected: DiffSide
    observed: DiffSide
    binary: bool
    """Mostly not text: hex shows the difference better than text does."""


def byte_diff(
    expected: bytes,
    observed: bytes,
    first_difference: int | None = None,
    window_start: int = 0,
    expected_size: int | None = None,
    observed_size: int | None = None,
    context: int = 160,
    expected_encoding: str | None = None,
    observed_encoding: str | None = None,
) -> ByteDiff | None:
    """Expected and observed split at the first difference; ``None`` when they are equal.

    Each side is read in its own encoding (GBK text shown as the text it is) and cut between
    its characters; when either side is not UTF-8, both say which encoding they are in."""
    exp_enc, obs_enc = codec_name(expected_encoding or "utf-8"), codec_name(observed_encoding or "utf-8")
    if first_difference is None:
        found = first_difference_of(expected, observed)  # the judge's own, fast on large windows
        if found is None:
            return None
        rel = found
    else:
        rel = max(0, min(first_difference - window_start, len(expected), len(observed)))
    at = char_start(expected, rel, exp_enc) if rel < len(expected) else char_start(observed, rel, obs_enc)
    at = min(at, char_start(observed, rel, obs_enc) if rel < len(observed) else at)
    binary = looks_binary(expected, encoding=exp_enc) or looks_binary(observed, encoding=obs_enc)
    if binary:
        context = min(context, 48)
    named = "utf-8" not in (exp_enc, obs_enc) or exp_enc != obs_enc
    return ByteDiff(
        offset=window_start + rel,
        binary=binary,
        expected=_side(expected, at, rel, context, window_start, expected_size, exp_enc, named),
        observed=_side(observed, at, rel, context, window_start, observed_size, obs_enc, named),
    )


def _side(
    data: bytes,
    at: int,
    rel: int,
    context: int,
    window_start: int,
    size: int | None,
    encoding: str = "utf-8",
    named: bool = False,
) -> DiffSide:
    at = char_start(data, at, encoding) if at < len(data) else at
    start = char_start(data, max(0, at - context), encoding)
    end_at = char_end(data, at, encoding) if at < len(data) else at
    if end_at <= rel < len(data):
        end_at = char_end(data, rel, encoding)
    stop = (
        char_start(data, min(len(data), end_at + context * 2), encoding)
        if end_at + context * 2 < len(data)
        else len(data)
    )
    hex_from = max(0, rel - HEX_CONTEXT)
    hex_bytes = data[hex_from : rel + HEX_CONTEXT]
    marks = [f"<mark>{b:02x}</mark>" if hex_from + i == rel else f"{b:02x}" for i, b in enumerate(hex_bytes)]
    if rel >= len(data):
        marks.append("<mark>··</mark>")
    return DiffSide(
        before=visible_html(data[start:at], encoding=encoding),
        at=visible_html(data[at:end_at], encoding=encoding),
        after=visible_html(data[end_at:stop], encoding=encoding),
        ended=at >= len(data),
        cut_before=start > 0 or window_start > 0,
        cut_after=stop < len(data) or (size is not None and window_start + len(data) < size),
        size=size if size is not None else len(data),
        hex=Markup(" ".join(marks)),  # hex digits and our own tags only
        hex_start=window_start + hex_from,
        encoding=encoding_label(encoding) if named and any(b > 127 for b in data) else None,
    )
