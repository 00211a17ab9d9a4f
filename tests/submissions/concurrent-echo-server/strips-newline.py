# Decodes each message and strips it before sending it back: the echo loses its newline.
import socket
import sys
import threading


def echo(conn):
    while True:
        data = conn.recv(4096)
        if not data:
            break
        conn.sendall(data.decode().strip().encode())
    conn.close()


server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen()
while True:
    conn, addr = server.accept()
    threading.Thread(target=echo, args=(conn,)).start()
