# Kate: a traceback when the server is down.
import socket
import sys

s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.sendall(b"hello")
data = b""
while True:
    d = s.recv(1024)
    if not d:
        break
    data += d
print(data.decode())
s.close()
