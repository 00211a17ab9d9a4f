# Hard-codes port 8080 instead of reading HOST and PORT from the command line.
import socket
import sys

name = sys.argv[3]
try:
    sock = socket.create_connection(("127.0.0.1", 8080))
except OSError as e:
    print("cannot connect:", e, file=sys.stderr)
    sys.exit(1)
sock.sendall(f"GET {name}\n".encode())
buf = b""
while b"\n" not in buf:
    buf += sock.recv(4096)
header, data = buf.split(b"\n", 1)
size = int(header.split()[1])
while len(data) < size:
    data += sock.recv(4096)
with open(name, "wb") as f:
    f.write(data)
sock.close()
