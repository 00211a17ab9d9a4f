# Reads until the server closes the connection, then checks the length: hangs when the
# server keeps the connection open after the file.
import socket
import sys

name = sys.argv[3]
sock = socket.create_connection((sys.argv[1], int(sys.argv[2])))
sock.sendall(f"GET {name}\n".encode())
answer = b""
while True:
    chunk = sock.recv(65536)
    if not chunk:
        break
    answer += chunk
sock.close()
header, _, data = answer.partition(b"\n")
if header.startswith(b"ERR"):
    print(header.decode(), file=sys.stderr)
    sys.exit(1)
size = int(header.split()[1])
if len(data) != size:
    print(f"expected {size} bytes, got {len(data)}", file=sys.stderr)
    sys.exit(1)
with open(name, "wb") as f:
    f.write(data)
