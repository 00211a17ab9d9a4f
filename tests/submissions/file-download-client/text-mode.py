# Decodes the file as UTF-8 and writes it as text: binary content raises UnicodeDecodeError.
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
while len(data) < size:
    chunk = sock.recv(65536)
    if not chunk:
        print(f"file cut short: {len(data)} of {size} bytes", file=sys.stderr)
        sys.exit(1)
    data += chunk
sock.close()
with open(name, "w", encoding="utf-8") as f:
    f.write(data.decode("utf-8"))
