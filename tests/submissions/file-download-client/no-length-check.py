# Stops when the server closes but never checks that all the announced bytes came: a
# cut-off file is saved as if complete and the program exits 0.
import socket
import sys

name = sys.argv[3]
sock = socket.create_connection((sys.argv[1], int(sys.argv[2])))
sock.sendall(f"GET {name}\n".encode())
buf = b""
while b"\n" not in buf:
    chunk = sock.recv(4096)
    if not chunk:
        break
    buf += chunk
header, _, data = buf.partition(b"\n")
if header.startswith(b"ERR"):
    print(header.decode(), file=sys.stderr)
    sys.exit(1)
size = int(header.split()[1])
while len(data) < size:
    chunk = sock.recv(65536)
    if not chunk:
        break
    data += chunk
sock.close()
with open(name, "wb") as f:
    f.write(data)
print(f"saved {name}")
