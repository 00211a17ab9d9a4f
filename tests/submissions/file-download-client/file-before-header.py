# Creates the output file before reading the answer: an ERR leaves an empty file behind.
import os
import socket
import sys

name = sys.argv[3]
sock = socket.create_connection((sys.argv[1], int(sys.argv[2])))
sock.sendall(f"GET {name}\n".encode())
f = open(name, "wb")
buf = b""
while b"\n" not in buf:
    chunk = sock.recv(4096)
    if not chunk:
        print("server closed", file=sys.stderr)
        sys.exit(1)
    buf += chunk
header, data = buf.split(b"\n", 1)
if header.startswith(b"ERR"):
    print(header.decode(), file=sys.stderr)
    sys.exit(1)
size = int(header.split()[1])
received = len(data)
f.write(data)
while received < size:
    chunk = sock.recv(65536)
    if not chunk:
        print(f"file cut short: {received} of {size} bytes", file=sys.stderr)
        f.close()
        os.remove(name)
        sys.exit(1)
    f.write(chunk)
    received += len(chunk)
f.close()
sock.close()
