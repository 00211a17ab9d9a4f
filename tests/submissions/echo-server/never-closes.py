# Echoes correctly but never closes a finished connection.
import socket
import sys

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
kept = []
while True:
    c, _ = s.accept()
    kept.append(c)
    while True:
        d = c.recv(4096)
        if not d:
            break
        c.sendall(d)
