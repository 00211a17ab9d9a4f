"""Binds every port it can on every loopback address, then connects as asked and sleeps."""
import socket
import sys
import time

held = []
for port in range(1, 65536):
    try:
        s = socket.socket()
        s.bind(("127.0.0.1", port))
        s.listen()
        held.append(s)
    except OSError as exc:
        s.close()
        if exc.errno == 24:  # EMFILE: the open-files limit
            break
print("held", len(held))
c = socket.create_connection((sys.argv[1], int(sys.argv[2])))
c.sendall(b"hello")
time.sleep(10**6)
