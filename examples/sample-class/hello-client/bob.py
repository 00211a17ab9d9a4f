# Bob: passes a str to send().
import socket
import sys

s = socket.socket()
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
except OSError as e:
    print("cannot connect:", e, file=sys.stderr)
    sys.exit(1)
s.send("hello")
print(s.recv(1024).decode())
s.close()
