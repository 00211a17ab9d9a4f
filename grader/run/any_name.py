"""Any name: with ``host: any``, every host name a program looks up is the scenario's own.

The textbook's client says ``serverName = 'servername'`` and students put their teacher's
machine there (``'hostname'``, ``'teacher-pc'``). Inside the scenario's namespace every IPv4
address is local, so the resolver's own name server (``/etc/resolv.conf``, or 127.0.0.1 when
there is none) is local too: a small UDP answerer bound to port 53 there answers every ``A``
query with 127.0.0.1, where the reference server listens, and records the names asked so
the report can say which one the program used. Other queries (``AAAA``) get an empty answer,
so the resolver falls back to IPv4. Nothing leaves the namespace.

:func:`open_answerer` runs in a thread inside the scenario's namespace; :class:`NameAnswerer`
then serves on the grader's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct

DNS_PORT = 53
TYPE_A = 1
CLASS_IN = 1
ANSWER_ADDRESS = "127.0.0.1"
MAX_NAMES = 16
"""Names kept for the report: a program looking up thousands of names gets no more memory."""


def _question(packet: bytes) -> tuple[str, int, int] | None:
    """(name, type, end of the question) of a query, or None for anything malformed."""
    at, labels = 12, []
    while at < len(packet):
        size = packet[at]
        if size == 0:
            break
        if size > 63 or at + 1 + size > len(packet):
            return None
        labels.append(packet[at + 1 : at + 1 + size].decode("ascii", "replace"))
        at += 1 + size
    end = at + 5
    if end > len(packet):
        return None
    (qtype,) = struct.unpack_from("!H", packet, at + 1)
    return ".".join(labels), qtype, end


def answer(packet: bytes) -> tuple[bytes, str] | None:
    """The reply to one DNS query, and the name it asked; None for what is not a query."""
    if len(packet) < 12:
        return None
    ident, flags, questions = struct.unpack_from("!HHH", packet)
    if flags & 0x8000 or questions != 1:
        return None  # a response, or several questions: not something a resolver sends
    parsed = _question(packet)
    if parsed is None:
        return None
    name, qtype, end = parsed
    records = b""
    if qtype == TYPE_A:
        records = struct.pack("!HHHIH", 0xC00C, TYPE_A, CLASS_IN, 0, 4) + socket.inet_aton(ANSWER_ADDRESS)
    reply_flags = 0x8000 | (flags & 0x7900) | 0x0080  # response, same opcode and RD, RA
    head = struct.pack("!HHHHHH", ident, reply_flags, 1, 1 if records else 0, 0, 0)
    return head + packet[12:end] + records, name


def open_answerer() -> socket.socket:
    """The UDP socket of the namespace's name server (call inside the namespace)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind(("0.0.0.0", DNS_PORT))
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


class NameAnswerer:
    """Answers the program's name lookups on the event loop; ``names`` are those it asked."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.names: list[str] = []
        asyncio.get_running_loop().add_reader(sock.fileno(), self._serve)

    def _serve(self) -> None:
        while True:
            try:
                packet, peer = self.sock.recvfrom(512)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            reply = answer(packet)
            if reply is None:
                continue
            data, name = reply
            if name and name not in self.names and len(self.names) < MAX_NAMES:
                self.names.append(name)
            with contextlib.suppress(OSError):
                self.sock.sendto(data, peer)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            asyncio.get_running_loop().remove_reader(self.sock.fileno())
        self.sock.close()
