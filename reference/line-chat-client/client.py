"""Reference solution for line-chat-client: a line-based chat client.

One thread watches both the keyboard and the socket with ``selectors``, so a line the server
pushes is shown at once, even while the user is typing nothing. Both inputs are read as raw
bytes and cut into lines here: a line may arrive in pieces, several lines may arrive together,
and a UTF-8 character may be split between two reads.
"""

import os
import selectors
import socket
import sys


def show(line: bytes) -> None:
    """Print one line pushed by the server: ``FROM <name> <text>`` is shown as ``[<name>] <text>``."""
    text = line.decode("utf-8", errors="replace")
    parts = text.split(" ", 2)
    if len(parts) == 3 and parts[0] == "FROM":
        print(f"[{parts[1]}] {parts[2]}")
    else:
        print(text)


def main() -> int:
    host, port = sys.argv[1], int(sys.argv[2])
    try:
        sock = socket.create_connection((host, port), timeout=10)
    except OSError as exc:
        print(f"cannot connect to {host}:{port}: {exc}", file=sys.stderr)
        return 1
    sock.settimeout(None)
    stdin = sys.stdin.fileno()
    selector = selectors.DefaultSelector()
    selector.register(sock, selectors.EVENT_READ, "net")
    selector.register(stdin, selectors.EVENT_READ, "keys")
    net_buf = b""
    key_buf = b""
    try:
        while True:
            for key, _ in selector.select():
                if key.data == "net":
                    data = sock.recv(4096)
                    if not data:
                        if net_buf:
                            show(net_buf)
                        print("*** disconnected")
                        return 0
                    net_buf += data
                    while b"\n" in net_buf:
                        line, net_buf = net_buf.split(b"\n", 1)
                        show(line.rstrip(b"\r"))
                else:
                    data = os.read(stdin, 4096)
                    key_buf += data or b"\n"  # at the end of input, finish the last line
                    *lines, key_buf = key_buf.split(b"\n")
                    for raw in lines:
                        text = raw.decode("utf-8", errors="replace").rstrip("\r")
                        if text == "/quit":
                            sock.sendall(b"QUIT\n")
                            return 0
                        if text:
                            sock.sendall(f"MSG {text}\n".encode())  # UTF-8
                    if not data:  # end of input (Ctrl-D) ends the chat like /quit
                        sock.sendall(b"QUIT\n")
                        return 0
    except OSError as exc:
        print(f"connection lost: {exc}", file=sys.stderr)
        return 1
    finally:
        selector.close()
        sock.close()


if __name__ == "__main__":
    sys.exit(main())
