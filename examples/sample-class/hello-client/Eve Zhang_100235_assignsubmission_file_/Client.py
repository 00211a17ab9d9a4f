"""Eve: hello client: connect, send "hello", print the whole reply."""

import socket
import sys


def main() -> int:
    host, port = sys.argv[1], int(sys.argv[2])
    try:
        with socket.create_connection((host, port), timeout=10) as sock:
            sock.sendall("hello".encode("utf-8"))
            chunks = []
            while True:
                data = sock.recv(2048)
                if not data:
                    break
                chunks.append(data)
    except OSError as exc:
        print(f"cannot reach {host}:{port}: {exc}", file=sys.stderr)
        return 1
    print(b"".join(chunks).decode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
