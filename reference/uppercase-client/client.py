"""Reference solution for uppercase-client: send one typed line, print the uppercased reply."""

import socket
import sys


def read_line(sock: socket.socket) -> bytes:
    """TCP is a byte stream: keep reading until the newline (or until the server closes)."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(1024)
        if not chunk:
            break
        data += chunk
    return data


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    sentence = input("Input lowercase sentence: ")
    with socket.create_connection((host, port)) as sock:
        sock.sendall((sentence + "\n").encode("utf-8"))
        reply = read_line(sock)
    print(reply.decode("utf-8").rstrip("\n"))


if __name__ == "__main__":
    main()
