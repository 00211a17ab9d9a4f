# Leo: Python 2 syntax.
import socket
import sys

s = socket.socket()
s.connect((sys.argv[1], int(sys.argv[2])))
s.send("hello")
print s.recv(1024)
