# Sends the time without the "\n" that ends the reply line.
import socket
import time

server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 8080))
server.listen()
while True:
    conn, addr = server.accept()
    conn.sendall(time.strftime("%Y-%m-%d %H:%M:%S").encode())
    conn.close()
