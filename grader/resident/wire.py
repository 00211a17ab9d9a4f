"""What a client and the resident checker say to each other over their Unix socket.

A request is one ``marshal``-ed dict (length-prefixed; both sides are the same interpreter,
as the socket's name depends on ``sys.prefix``), sent with the client's stdin, stdout and
stderr attached as file descriptors (``SCM_RIGHTS``), so that the check writes straight to
the user's terminal, colours and width included. Replies are short text lines:
``pid N`` (the child running the check: the client forwards Ctrl-C to it), ``exit N``,
``stale`` (the grader's files changed since the resident process loaded them: run the
check in-process), ``status {json}`` and ``stopping``.

Only built-in modules: the client runs this on every ``grader check``, and ``socket``,
``json`` and ``signal`` would add 15 ms of imports (``enum``, ``re``) to a 15 ms start.
"""

from __future__ import annotations

import _socket
import marshal
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

HEADER_SIZE = 4
FD_SIZE = 4
"""A C ``int``, as ``SCM_RIGHTS`` carries descriptors (``array`` would import collections)."""
MAX_REQUEST = 4 << 20
"""Arguments and environment; anything bigger is not a client of ours."""


class ProtocolError(Exception):
    pass


def send_request(sock: _socket.socket, request: dict[str, Any], fds: list[int]) -> None:
    body = marshal.dumps(request)
    payload = len(body).to_bytes(HEADER_SIZE, "big") + body
    packed = b"".join(fd.to_bytes(FD_SIZE, sys.byteorder) for fd in fds)
    rights = [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, packed)] if fds else []
    sent = sock.sendmsg([payload], rights)
    if sent < len(payload):
        sock.sendall(payload[sent:])


def read_request(sock: _socket.socket, max_fds: int = 3) -> tuple[dict[str, Any], list[int]]:
    """The request and the descriptors that came with it (the caller owns and closes them)."""
    fds: list[int] = []
    data, ancillary, _flags, _addr = sock.recvmsg(65536, _socket.CMSG_SPACE(max_fds * FD_SIZE))
    for level, kind, raw in ancillary:
        if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
            fds += [
                int.from_bytes(raw[i : i + FD_SIZE], sys.byteorder)
                for i in range(0, len(raw) - FD_SIZE + 1, FD_SIZE)
            ]
    try:
        while len(data) < HEADER_SIZE:
            data += _more(sock)
        size = int.from_bytes(data[:HEADER_SIZE], "big")
        if size > MAX_REQUEST:
            raise ProtocolError(f"request of {size} bytes")
        while len(data) < HEADER_SIZE + size:
            data += _more(sock)
        request = marshal.loads(data[HEADER_SIZE : HEADER_SIZE + size])
        if not isinstance(request, dict):
            raise ProtocolError("request is not a dict")
        return request, fds
    except (ProtocolError, ValueError, EOFError, TypeError):
        for fd in fds:
            os.close(fd)
        raise ProtocolError("malformed request") from None


def _more(sock: _socket.socket) -> bytes:
    chunk = sock.recv(65536)
    if not chunk:
        raise ProtocolError("connection closed mid-request")
    return chunk


def reply(sock: _socket.socket, line: str) -> None:
    sock.sendall(line.encode() + b"\n")


class Lines:
    """Reads the resident checker's reply lines (``socket.makefile`` needs the ``socket`` module)."""

    def __init__(self, sock: _socket.socket):
        self.sock = sock
        self.buffer = b""

    def readline(self) -> str:
        """The next line without its newline; "" once the connection is closed."""
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                line, self.buffer = self.buffer, b""
                return line.decode(errors="replace")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode(errors="replace")
