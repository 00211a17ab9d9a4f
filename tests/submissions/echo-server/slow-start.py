# Correct, but takes a while before it listens: the grader must wait for it, not fail.
import socket
import sys
import time

time.sleep(1.0)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
while True:
    c, _ = s.accept()
    with c:
        while d := c.recv(65536):
            c.sendall(d)
