# Keeps every connection in a list (to broadcast to later) and never closes a finished one.
import socket
import sys
import threading

clients = []


def echo(conn):
    while True:
        data = conn.recv(4096)
        if not data:
            break
        conn.sendall(data)


server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen()
while True:
    conn, addr = server.accept()
    clients.append(conn)
    threading.Thread(target=echo, args=(conn,), daemon=True).start()
