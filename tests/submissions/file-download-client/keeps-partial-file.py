# Reports a cut-off transfer but leaves the partial file behind, looking like a download.
import socket
import sys

name = sys.argv[3]
sock = socket.create_connection((sys.argv[1], int(sys.argv[2])))
sock.sendall(f"GET {name}\n".encode())
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
with open(name, "wb") as f:
    f.write(data)
    received = len(data)
    while received < size:
        chunk = sock.recv(65536)
        if not chunk:
            print(f"file cut short: {received} of {size} bytes", file=sys.stderr)
            sys.exit(1)
        f.write(chunk)
        received += len(chunk)
sock.close()
