# Frank: sends "hello\n".
import socket
import sys

try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
except OSError as e:
    print("cannot connect:", e, file=sys.stderr)
    sys.exit(1)
s.sendall(b"hello\n")
parts = []
while True:
    d = s.recv(1024)
    if not d:
        break
    parts.append(d)
print(b"".join(parts).decode())
s.close()
