# Sends "GET NAME" without the newline that ends the request: the server waits for the rest
# of the line while the client waits for the answer.
import socket
import sys

name = sys.argv[3]
sock = socket.create_connection((sys.argv[1], int(sys.argv[2])))
sock.sendall(f"GET {name}".encode())
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
while len(data) < size:
    chunk = sock.recv(4096)
    if not chunk:
        print("file cut short", file=sys.stderr)
        sys.exit(1)
    data += chunk
with open(name, "wb") as f:
    f.write(data)
sock.close()
