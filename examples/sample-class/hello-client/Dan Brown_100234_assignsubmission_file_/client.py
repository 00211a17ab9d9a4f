# Dan: reads the reply with one recv().
import socket
import sys

try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
except OSError as e:
    print("cannot connect:", e, file=sys.stderr)
    sys.exit(1)
s.sendall(b"hello")
print(s.recv(1024).decode("utf-8"))
s.close()
