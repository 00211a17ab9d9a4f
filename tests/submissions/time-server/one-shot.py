# Answers the first client and exits: accept() is not in a loop.
import socket
import time

server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 8080))
server.listen()
conn, addr = server.accept()
conn.sendall(time.strftime("%Y-%m-%d %H:%M:%S\n").encode())
conn.close()
server.close()
