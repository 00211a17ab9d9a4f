# Waits for the client to say something before answering, but the protocol has no request.
import socket
import time

server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 8080))
server.listen()
while True:
    conn, addr = server.accept()
    request = conn.recv(1024)
    conn.sendall(time.strftime("%Y-%m-%d %H:%M:%S\n").encode())
    conn.close()
