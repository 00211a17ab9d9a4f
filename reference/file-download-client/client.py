"""Reference solution for file-download-client: ``python client.py HOST PORT NAME``.

The answer is a header line (``OK <size>`` or ``ERR <reason>``) followed by exactly ``size``
bytes. TCP delivers a byte stream, not messages: the header may come together with the first
bytes of the file, and the file may come in many pieces, so everything is read into one buffer
and cut by counting bytes. The server may keep the connection open after the file, so the client
stops after ``size`` bytes instead of waiting for the server to close.

The file is written to ``NAME.part`` and renamed to ``NAME`` only once all ``size`` bytes have
arrived, so a cut-off download never leaves a file that looks complete.
"""

import contextlib
import os
import socket
import sys


class DownloadError(Exception):
    """Something the user should be told about in one line."""


def read_header(sock: socket.socket) -> tuple[bytes, bytes]:
    """Read up to the first newline; return (header line, bytes that came after it)."""
    buf = b""
    while b"\n" not in buf:
        data = sock.recv(4096)
        if not data:
            raise DownloadError("the server closed the connection before answering")
        buf += data
        if len(buf) > 1024 and b"\n" not in buf:
            raise DownloadError("the server's answer has no header line")
    header, rest = buf.split(b"\n", 1)
    return header.rstrip(b"\r"), rest


def download(sock: socket.socket, name: str) -> int:
    sock.sendall(f"GET {name}\n".encode())  # UTF-8
    header, rest = read_header(sock)
    words = header.decode("utf-8", errors="replace").split(" ", 1)
    if words[0] == "ERR":
        raise DownloadError(f"server error: {words[1] if len(words) > 1 else 'no reason given'}")
    if words[0] != "OK" or len(words) != 2 or not words[1].strip().isdigit():
        raise DownloadError(f"unexpected answer from the server: {header!r}")
    size = int(words[1])
    partial = name + ".part"
    received = 0
    try:
        with open(partial, "wb") as f:
            data = rest[:size]
            while True:
                f.write(data)
                received += len(data)
                if received >= size:
                    break
                data = sock.recv(min(65536, size - received))
                if not data:
                    raise DownloadError(
                        f"the server closed the connection after {received} of {size} bytes")
        os.replace(partial, name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(partial)
        raise
    return size


def main() -> int:
    if len(sys.argv) != 4:
        print("usage: python client.py HOST PORT NAME", file=sys.stderr)
        return 2
    host, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    try:
        with socket.create_connection((host, port), timeout=10) as sock:
            size = download(sock, name)
    except DownloadError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{name}: network error: {exc}", file=sys.stderr)
        return 1
    print(f"saved {name} ({size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
