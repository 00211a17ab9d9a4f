# A selectors server that, once a client is readable, keeps calling recv() until it has a whole
# line: a client that sends half a line stalls every other client.
import selectors
import socket
import sys

sel = selectors.DefaultSelector()
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen()
sel.register(server, selectors.EVENT_READ)

while True:
    for key, _ in sel.select():
        sock = key.fileobj
        if sock is server:
            conn, addr = server.accept()
            sel.register(conn, selectors.EVENT_READ)
            continue
        line = b""
        while not line.endswith(b"\n"):
            data = sock.recv(4096)
            if not data:
                break
            line += data
        if line:
            sock.sendall(line)
        if not line.endswith(b"\n"):
            sel.unregister(sock)
            sock.close()
