"""Archives as students hand them in, made here because no free tool writes RAR.

:func:`rar4` writes the RAR 1.5-4.x format with stored (uncompressed) members, following
its published technical note: a marker block, the archive header, one file header per
member (CRC-16 of each header, CRC-32 of the data), and the end-of-archive block. That is
enough for libarchive to read what WinRAR's "store" mode writes. :func:`seven_zip` asks
libarchive itself to write a 7z.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

MARKER = b"Rar!\x1a\x07\x00"
FILE_HEAD, MAIN_HEAD, END_HEAD = 0x74, 0x73, 0x7B
LONG_BLOCK = 0x8000
HOST_UNIX = 3
DOS_TIME = (2024 - 1980) << 25 | 3 << 21 | 1 << 16  # 2024-03-01 00:00


def _block(kind: int, flags: int, body: bytes) -> bytes:
    head = struct.pack("<BHH", kind, flags, 7 + len(body)) + body
    return struct.pack("<H", zlib.crc32(head) & 0xFFFF) + head


def rar4(
    path: Path, files: dict[str, bytes], *, symlinks: dict[str, str] | None = None, encoding: str = "utf-8"
) -> Path:
    """A RAR 4 archive of ``files`` (name -> bytes), stored; ``symlinks`` as Unix links.

    Names are written as bytes in ``encoding`` with no Unicode flag, as an older WinRAR on a
    Chinese Windows writes them in the machine's code page (``encoding="gbk"``)."""
    out = bytearray(MARKER)
    out += _block(MAIN_HEAD, 0, b"\0" * 6)
    members = [(name, data, 0o100644) for name, data in files.items()]
    members += [(name, target.encode(), 0o120777) for name, target in (symlinks or {}).items()]
    for name, data, mode in members:
        encoded = name.encode(encoding)
        flags = LONG_BLOCK
        body = struct.pack(
            "<IIBIIBBHI",
            len(data),
            len(data),
            HOST_UNIX,
            zlib.crc32(data),
            DOS_TIME,
            20,
            0x30,
            len(encoded),
            mode,
        )
        out += _block(FILE_HEAD, flags, body + encoded) + data
    out += _block(END_HEAD, 0x4000, b"")
    path.write_bytes(bytes(out))
    return path


def seven_zip(path: Path, files: dict[str, bytes]) -> Path:
    """A 7z archive of ``files``, written by libarchive."""
    import libarchive

    with libarchive.file_writer(str(path), "7zip") as archive:
        for name, data in files.items():
            archive.add_file_from_memory(name, len(data), data)
    return path
