"""Showing bytes to people: text where it is text, with every invisible character visible.

Text is shown in the encoding it is in. The course's programs write GBK as often as UTF-8
(the lesson's Windows tools), so bytes that are not valid UTF-8 are read in the encodings the
assignment names and then as GBK and GB18030 (:func:`text_encoding`); what cannot be read as
text in any of them is shown as UTF-8 with each invalid byte as ``\\xNN``.
"""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Iterable

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


FALLBACK_ENCODINGS = ("gbk", "gb18030")
"""Tried, after UTF-8 and the encodings an assignment names, on bytes that are not UTF-8."""


def codec_name(name: str) -> str:
    """Python's own name of an encoding (``GBK``, ``cp936`` -> ``gbk``; ``utf8`` -> ``utf-8``)."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name.lower()


def encoding_label(name: str) -> str:
    """How people write an encoding's name: ``UTF-8``, ``GBK``, ``GB18030``."""
    return codec_name(name).upper()


def text_encoding(data: bytes, declared: Iterable[str | None] = (), *, known: str | None = None) -> str:
    """The encoding ``data`` reads as text in (a codec name); ``utf-8`` when none fits.

    ``known`` is the encoding the grader itself wrote these bytes in (the spec's text): it wins
    when the bytes decode in it. Otherwise valid UTF-8 is UTF-8, and bytes that are not are
    tried in the ``declared`` encodings, then in GBK and GB18030. An encoding the assignment did
    not name must give Chinese text (not Latin letters or symbols), so that binary data is not
    taken for text that happens to decode.
    """
    if not data:
        return "utf-8"
    if known is not None and _decodes(data, known) is not None:
        return codec_name(known)
    if _decodes(data, "utf-8") is not None:
        return "utf-8"
    named = [codec_name(n) for n in declared if n]
    for name in dict.fromkeys([*named, *FALLBACK_ENCODINGS]):
        text = _decodes(data, name)
        if text is not None and _reads_as_text(text, chinese_only=name not in named):
            return name
    return "utf-8"


def _decodes(data: bytes, name: str) -> str | None:
    """``data`` decoded, a character cut at the very end allowed (windows of long payloads)."""
    try:
        return codecs.getincrementaldecoder(name)().decode(data, final=False)
    except (UnicodeDecodeError, LookupError):
        return None


def _reads_as_text(text: str, *, chinese_only: bool) -> bool:
    wide = [ch for ch in text if ord(ch) > 127]
    if not wide or any(not (ch.isprintable() or ch in "\r\n\t") for ch in text):
        return False
    return not chinese_only or all(_is_chinese(ch) for ch in wide)


def _is_chinese(ch: str) -> bool:
    """Han characters, CJK and full-width punctuation: what GBK text of this course holds."""
    code = ord(ch)
    return (
        0x3000 <= code <= 0x303F  # CJK punctuation (、。「」)
        or 0xFF00 <= code <= 0xFFEF  # full-width forms (，！？：)
        or ch in "“”‘’…—·"
        or unicodedata.name(ch, "").startswith("CJK ")
    )


def decode_shown(data: bytes, encoding: str = "utf-8") -> str:
    """``data`` as text in ``encoding``, each byte it cannot read kept as U+DC80+byte."""
    if codec_name(encoding) == "utf-8":
        return data.decode("utf-8", errors="surrogateescape")
    return codecs.getincrementaldecoder(encoding)(errors="surrogateescape").decode(data, final=True)


def char_starts(data: bytes, encoding: str = "utf-8") -> list[int]:
    """The offset of every character of ``data`` read in ``encoding``, and ``len(data)``: where
    a diff may cut without splitting a character."""
    starts, at = [], 0
    for ch in decode_shown(data, encoding):
        starts.append(at)
        code = ord(ch)
        at += 1 if 0xDC80 <= code <= 0xDCFF else len(ch.encode(encoding, errors="surrogatepass"))
    starts.append(len(data))
    return starts


def show_bytes(data: bytes | None, limit: int = 400, encoding: str = "utf-8") -> str:
    """``b'hi\\r\\n\\xff'`` -> ``hi\\r\\n\\xff``: text in ``encoding`` as text, the rest escaped.

    A cut is marked ``…``; the size is for the caller to say, in its reader's language.
    """
    if data is None:
        return ""
    total = len(data)
    data = data[: limit * 4]  # never walk megabytes in Python to show a few hundred characters
    # surrogateescape keeps each invalid byte as one U+DC80..U+DCFF character, shown as \xNN.
    shown = decode_shown(data, encoding).translate(_ESCAPES)
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
        return shown[:limit] + "…"
    return shown


def show_around(
    data: bytes, offset: int | None, before: int = 24, after: int = 40, encoding: str = "utf-8"
) -> str:
    """A short excerpt of ``data`` around ``offset`` (the first difference), for one-line feedback."""
    if offset is None or len(data) <= before + after:
        return show_bytes(data, limit=before + after, encoding=encoding)
    start, stop = max(0, offset - before), offset + after
    if codec_name(encoding) != "utf-8":  # cut between characters: a GBK byte pair kept whole
        starts = char_starts(data, encoding)
        start = max([s for s in starts if s <= start], default=0)
        stop = min([s for s in starts if s >= stop], default=len(data))
    shown = show_bytes(data[start:stop], limit=4 * (before + after), encoding=encoding)
    return ("…" if start else "") + shown + ("…" if stop < len(data) else "")


def show_hex(data: bytes | None, limit: int = 64) -> str:
    if not data:
        return ""
    shown = data[:limit].hex(" ")
    return shown + (" …" if len(data) > limit else "")
