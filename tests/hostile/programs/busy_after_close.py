"""Does the protocol, then spins once the peer has closed (a loop that misses recv() == b'')."""
import socket
import sys

s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.sendall(b"hello")
while True:
    s.recv(4096)
