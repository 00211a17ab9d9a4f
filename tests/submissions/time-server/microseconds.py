# Sends str(datetime.now()), which carries microseconds: "2024-03-01 09:30:00.123456".
import datetime
import socket

server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 8080))
server.listen()
while True:
    conn, addr = server.accept()
    conn.sendall((str(datetime.datetime.now()) + "\n").encode())
    conn.close()
