"""File names as Chinese Windows writes them: GBK bytes, read back as text.

A zip made by Windows' own "send to compressed folder" or an older WinRAR stores member
names in the machine's code page (GBK on a Chinese Windows) without zip's UTF-8 flag, and
Python's :mod:`zipfile` then reads them as CP437 mojibake (``╒┼╚²``). Unpacked on Linux,
the same names are bytes that are not UTF-8, which :mod:`os` hands over as surrogate
escapes. Both are turned back into the text the student typed: UTF-8 if the bytes are
UTF-8, else GB18030 (a superset of GBK), else left as they were.
"""

from __future__ import annotations

import os

LEGACY_ENCODINGS = ("utf-8", "gb18030")
ZIP_UTF8_FLAG = 0x800


def decode_name_bytes(raw: bytes) -> str | None:
    """The text of a name's bytes in the first encoding that reads them, or None."""
    for encoding in LEGACY_ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def fs_name(name: str) -> str:
    """A name from ``os.listdir``: surrogate escapes (bytes that were not UTF-8) decoded."""
    if not any("\udc80" <= c <= "\udcff" for c in name):
        return name
    return decode_name_bytes(os.fsencode(name)) or name


def zip_member_name(filename: str, flag_bits: int) -> str:
    """A zip member's name as the student saw it; :mod:`zipfile` decoded it as CP437 unless
    the UTF-8 flag was set."""
    if flag_bits & ZIP_UTF8_FLAG:
        return filename
    try:
        raw = filename.encode("cp437")
    except UnicodeEncodeError:
        return filename
    return decode_name_bytes(raw) or filename
