# Waits on the keyboard and the socket with selectors, but reads the keyboard with
# sys.stdin.readline(): when two lines arrive together, the second stays in Python's
# buffer, where select() cannot see it, until the user types again.
import selectors
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
sock = socket.create_connection((host, port))
selector = selectors.DefaultSelector()
selector.register(sock, selectors.EVENT_READ, "net")
selector.register(sys.stdin, selectors.EVENT_READ, "keys")
buf = b""
while True:
    for key, _ in selector.select():
        if key.data == "net":
            data = sock.recv(4096)
            if not data:
                print("*** disconnected")
                sys.exit(0)
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                _, name, text = line.decode("utf-8").split(" ", 2)
                print(f"[{name}] {text}")
        else:
            text = sys.stdin.readline()
            if not text:
                sys.exit(0)
            text = text.rstrip("\n")
            if text == "/quit":
                sock.sendall(b"QUIT\n")
                sock.close()
                sys.exit(0)
            sock.sendall(f"MSG {text}\n".encode("utf-8"))
