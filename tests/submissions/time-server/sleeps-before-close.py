# Serves clients one at a time and sleeps a second before closing each connection "so that the
# client has time to read": clients that arrive together wait for each other.
import socket
import time

server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 8080))
server.listen()
while True:
    conn, addr = server.accept()
    conn.sendall(time.strftime("%Y-%m-%d %H:%M:%S\n").encode())
    time.sleep(1)
    conn.close()
