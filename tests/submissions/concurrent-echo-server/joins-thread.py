# Starts a thread per client but join()s it at once: the accept loop waits for each client
# to leave, so the server is still one client at a time.
import socket
import sys
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
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen()
while True:
    conn, addr = server.accept()
    t = threading.Thread(target=echo, args=(conn,))
    t.start()
    t.join()
