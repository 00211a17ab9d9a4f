"""Control: a correct client (full marks)."""
import socket
import sys

try:
    with socket.create_connection((sys.argv[1], int(sys.argv[2]))) as s:
        s.sendall(b"hello")
        data = b""
        while chunk := s.recv(4096):
            data += chunk
except OSError as exc:
    print(exc, file=sys.stderr)
    sys.exit(1)
print(data.decode())
