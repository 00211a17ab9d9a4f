# Hands clients to a pool of only 3 worker threads: the 4th client waits until one leaves.
import socket
import sys
from concurrent.futures import ThreadPoolExecutor


def echo(conn):
    with conn:
        while True:
            data = conn.recv(4096)
            if not data:
                break
            conn.sendall(data)


pool = ThreadPoolExecutor(max_workers=3)
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen()
while True:
    conn, addr = server.accept()
    pool.submit(echo, conn)
