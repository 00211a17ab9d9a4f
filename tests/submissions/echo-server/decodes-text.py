# Decodes and re-encodes what it echoes: bytes that are not UTF-8 are lost.
import socket
import sys

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
while True:
    c, _ = s.accept()
    while True:
        d = c.recv(4096)
        if not d:
            break
        c.sendall(d.decode("utf-8", errors="ignore").encode("utf-8"))
    c.close()
